/**
 * @module telephony/audiocodes/endpoint
 * `WS /audiocodes` and its HTTP validation probe, as an Elysia plugin. Auth (constant-time bearer, with a per-IP
 * budget of failed attempts) and admission (draining, call cap, load) happen before the upgrade, so a refused client
 * gets an HTTP status and no socket or state. Every frame is validated; bad ones are logged (rate-limited) and counted, never echoed.
 * Conversations live in a registry keyed by `conversationId` so `session.resume` on a new socket finds them.
 */
import { Elysia } from 'elysia'
import type { ServerWebSocket } from 'bun'
import { chooseFormat, type AcMediaFormat } from '../../audio/formats'
import type { Logger } from '../../ops/log'
import type { Lifecycle } from '../../ops/lifecycle'
import { bearerChecker, NO_GRANT, SHARED_GRANT, type Grant } from './auth'
import { normaliseCaller } from './caller-number'
import { encodeOutbound, IMPLIED_MEDIA_FORMATS, parseInbound, type Inbound, type Outbound, type SessionInitiate, type SessionResume } from './messages'
import { PhoneLeg, type PhoneLegHandler, type PhoneSocket } from './phone-leg'
import type { TelephonyMetrics } from './metrics'
import { AuthFailureLimiter } from './rate-limit'

export type IncomingCall = {
  readonly conversationId: string
  readonly leg: PhoneLeg
  /** E.164, or undefined for withheld/unusable numbers. */
  readonly caller: string | undefined
  readonly callerRaw: string | undefined
  readonly botName: string | undefined
  /** The dialled number as session.initiate gave it (most VAIC setups send it only in the later start event). */
  readonly callee: string | undefined
  /** What the upgrade's bearer token opens: the call layer checks it against the business the call is for. */
  readonly grant: Grant
  readonly expectAudioMessages: boolean
  readonly offeredFormats: readonly string[]
  /** The upgrade URL's query string: per-call options. */
  readonly options: Readonly<Record<string, string>>
}

/** Implemented by the call layer: builds the call session for an accepted conversation. */
export interface CallAcceptor {
  /** Asynchronous: the call's row and any dropped call it resumes are read from and written to the store first. */
  accept(call: IncomingCall): Promise<{ ok: true; handler: PhoneLegHandler } | { ok: false; reason: string }>
  /**
   * A `session.resume` for a conversation this instance does not hold: another instance of the cluster does (VAIC's new
   * socket reached us). Takes the call over when it is still live elsewhere and answers with its media format and the
   * session that goes on with it; undefined when there is no such call to take over.
   */
  takeOver?(conversationId: string, grant: Grant, leg: (mediaFormat: AcMediaFormat, streamIdsAbove: number) => PhoneLeg): Promise<{ leg: PhoneLeg; handler: PhoneLegHandler } | undefined>
}

export type EndpointDeps = {
  readonly token: string
  /**
   * What a bearer token opens (the shared token and the businesses' own, as of now: a reload may add tenants).
   * Default: the shared `token` alone.
   */
  readonly authorize?: (authorization: string | null | undefined) => Grant | undefined
  readonly graceMs: number
  readonly maxCalls: number
  /** Failed authentications allowed per client IP per minute (authorized upgrades are not counted). */
  readonly authFailuresPerMinute: number
  /** Clock of the failure budget (tests inject one). */
  readonly now?: () => number
  /** True while the process is saturated (event-loop lag): new calls are refused until it recovers. */
  readonly overloaded: () => boolean
  readonly lifecycle: Lifecycle
  readonly log: Logger
  readonly metrics: TelephonyMetrics
  readonly acceptor: CallAcceptor
  readonly registry: ConversationRegistry
}

/** Live conversations by `conversationId` (process-wide; resume looks them up here). */
export class ConversationRegistry {
  private readonly legs = new Map<string, PhoneLeg>()
  get size(): number {
    return this.legs.size
  }
  get(id: string): PhoneLeg | undefined {
    return this.legs.get(id)
  }
  add(leg: PhoneLeg): void {
    this.legs.set(leg.conversationId, leg)
  }
  delete(leg: PhoneLeg): void {
    if (this.legs.get(leg.conversationId) === leg) this.legs.delete(leg.conversationId)
  }
  all(): PhoneLeg[] {
    return [...this.legs.values()]
  }
}

type Conn = {
  readonly socket: PhoneSocket
  readonly options: Record<string, string>
  readonly grant: Grant
  leg: PhoneLeg | undefined
  invalidLogged: number
  /** session.error replies sent before acceptance (bounded: a flood is counted, not answered). */
  refusals: number
  /** Frames that arrived while the call was being accepted (store round trips): handled, in order, once it is. */
  queued: unknown[] | undefined
  closed: boolean
}

const LOG_INVALID_FIRST = 10
/** Before acceptance every unusable frame is answered with session.error, up to this many per socket. */
const ANSWER_REFUSALS_FIRST = 10
/** Frames kept while a call is being accepted: a few seconds of audio; beyond that the peer is not waiting for us. */
const MAX_QUEUED = 500

type ConnDispatch = { readonly message: (conn: Conn, frame: unknown) => void; readonly closed: (conn: Conn) => void }

/** A call's phone socket: Bun's, behind prototype methods (no closures of its own per call). */
class RawPhoneSocket implements PhoneSocket {
  constructor(private readonly raw: ServerWebSocket<unknown>) {}
  send(text: string): number {
    return this.raw.sendText(text)
  }
  close(code?: number, reason?: string): void {
    this.raw.close(code, reason)
  }
  bufferedAmount(): number {
    return this.raw.getBufferedAmount()
  }
}

/**
 * A call's socket data once it is open: Elysia calls `data.message(ws, frame)` and `data.close(ws)` as methods, so
 * the two handlers are prototype methods over the socket's conn, not two closures per call.
 */
class SocketEvents {
  constructor(
    private readonly conn: Conn,
    private readonly to: ConnDispatch,
  ) {}
  message(_raw: unknown, frame: string | Buffer): void {
    this.to.message(this.conn, frame)
  }
  close(): void {
    this.to.closed(this.conn)
  }
}

export function audiocodesEndpoint(deps: EndpointDeps) {
  const shared = bearerChecker(deps.token)
  const grantOf = deps.authorize ?? ((h: string | null | undefined) => (shared(h) ? SHARED_GRANT : undefined))
  const authorized = (h: string | null | undefined) => grantOf(h) !== undefined
  const limiter = new AuthFailureLimiter(deps.authFailuresPerMinute, deps.now)
  const conns = new Map<string, Conn>()
  const { log, metrics, registry } = deps

  const refuse = (reason: string, status: number, set: { status?: number | string }) => {
    metrics.refused.inc({ reason })
    set.status = status
    return { type: 'ac-bot-api', success: false, reason }
  }
  /** A failed authentication: 401, or 429 once this address has spent its failure budget. */
  const unauthorized = (ip: string, request: object, set: { status?: number | string }) =>
    limiter.failure(ip, request) ? refuse('unauthorized', 401, set) : refuse('rate-limited', 429, set)
  type Server = { requestIP(r: Request): { address: string } | null } | null | undefined
  const clientIp = (server: Server, request: Request) => server?.requestIP(request)?.address ?? 'unknown'
  /** The connection-validation request (no upgrade). */
  const validate = ({ headers, set, server, request }: { headers: Record<string, string | undefined>; set: { status?: number | string }; server: Server; request: Request }) =>
    authorized(headers.authorization) ? { type: 'ac-bot-api', success: true } : unauthorized(clientIp(server, request), request, set)

  const sendRaw = (conn: Conn, m: Outbound) => conn.socket.send(encodeOutbound(m))

  const invalid = (conn: Conn, reason: string, type?: string) => {
    metrics.invalid.inc({ reason: reason.split(' at ')[0] ?? reason })
    conn.invalidLogged++
    // The first few per connection are logged in full; a flood is only counted.
    if (conn.invalidLogged <= LOG_INVALID_FIRST || conn.invalidLogged % 1000 === 0) {
      log.warn('vaic.invalid_message', { reason, type, conversationId: conn.leg?.conversationId, count: conn.invalidLogged })
    }
  }

  /**
   * Before `session.accepted`, VAIC is waiting for an answer: whatever it sent that we cannot use gets
   * `session.error` with the reason (never silence, never the payload), so the call fails fast and visibly.
   */
  const refuseSession = (conn: Conn, reason: string, outcome: string, conversationId?: string) => {
    metrics.sessions.inc({ outcome })
    if (++conn.refusals > ANSWER_REFUSALS_FIRST) return
    sendRaw(conn, conversationId === undefined ? { type: 'session.error', reason } : { type: 'session.error', conversationId, reason })
  }

  /** Conversations between session.initiate and the acceptor's answer (a second initiate is a duplicate too). */
  const initiating = new Set<string>()

  const initiate = (conn: Conn, msg: SessionInitiate) => {
    if (registry.get(msg.conversationId) || initiating.has(msg.conversationId)) {
      sendRaw(conn, { type: 'session.error', conversationId: msg.conversationId, reason: 'conversation already active' })
      metrics.sessions.inc({ outcome: 'duplicate' })
      return
    }
    if (!deps.lifecycle.acceptingCalls || registry.size >= deps.maxCalls || deps.overloaded()) {
      const reason = !deps.lifecycle.acceptingCalls ? 'server is shutting down' : registry.size >= deps.maxCalls ? 'too many concurrent calls' : 'server overloaded'
      sendRaw(conn, { type: 'session.error', reason })
      metrics.sessions.inc({ outcome: 'refused' })
      log.warn('vaic.session_refused', { reason, conversationId: msg.conversationId })
      return
    }
    if (msg.expectAudioMessages === false) {
      // VAIC would speak our replies with its own TTS and expect text; FastAgent's voice is the model's audio.
      refuseSession(conn, 'this bot answers with audio only: expectAudioMessages false (VoiceAI Connect TTS) is not supported; set directTTS', 'no-audio', msg.conversationId)
      log.warn('vaic.session_refused', { reason: 'expectAudioMessages false', conversationId: msg.conversationId })
      return
    }
    const offered = msg.supportedMediaFormats ?? IMPLIED_MEDIA_FORMATS
    const format = chooseFormat(offered)
    if (!format) {
      refuseSession(conn, 'no supported media format offered (we take raw/lpcm16_24, raw/mulaw, raw/lpcm16, raw/lpcm16_8 or wav/*)', 'no-format', msg.conversationId)
      log.warn('vaic.no_common_format', { offered: offered.slice(0, 10), conversationId: msg.conversationId })
      return
    }
    const callLog = log.child({ conversationId: msg.conversationId })
    const leg = new PhoneLeg({
      conversationId: msg.conversationId,
      mediaFormat: format,
      graceMs: deps.graceMs,
      log: callLog,
      metrics,
      onFinish: (l) => registry.delete(l),
    })
    initiating.add(msg.conversationId)
    conn.queued = []
    void deps.acceptor
      .accept({
        conversationId: msg.conversationId,
        leg,
        caller: normaliseCaller(msg.caller),
        callerRaw: msg.caller,
        botName: msg.botName,
        callee: msg.callee,
        grant: conn.grant,
        expectAudioMessages: msg.expectAudioMessages ?? true,
        offeredFormats: offered,
        options: conn.options,
      })
      .catch((err: unknown) => {
        callLog.error('vaic.accept_failed', { err })
        return { ok: false as const, reason: 'could not start the call' }
      })
      .then((accepted) => {
        initiating.delete(msg.conversationId)
        const queued = conn.queued ?? []
        conn.queued = undefined
        if (!accepted.ok) {
          if (!conn.closed) sendRaw(conn, { type: 'session.error', reason: accepted.reason })
          metrics.sessions.inc({ outcome: 'rejected' })
          return
        }
        start(conn, leg, accepted.handler, format, msg, callLog)
        for (const frame of queued) onMessage(conn, frame)
        // The socket went away while we were accepting: the leg's ordinary drop path (grace, then end) takes over.
        if (conn.closed) leg.socketClosed(conn.socket)
      })
  }

  const start = (conn: Conn, leg: PhoneLeg, handler: PhoneLegHandler, format: AcMediaFormat, msg: SessionInitiate, callLog: Logger) => {
    leg.bind(handler)
    registry.add(leg)
    conn.leg = leg
    leg.attach(conn.socket)
    sendRaw(conn, { type: 'session.accepted', mediaFormat: format })
    // Only now may the call send anything (its config event first): VAIC expects session.accepted before all else.
    handler.accepted()
    metrics.sessions.inc({ outcome: 'accepted' })
    callLog.info('vaic.session_accepted', { mediaFormat: format, botName: msg.botName, caller: msg.caller })
  }

  const resumeUnknown = (conn: Conn, msg: SessionResume) => {
    if (conn.closed) return
    sendRaw(conn, { type: 'session.error', conversationId: msg.conversationId, reason: 'conversation not found' })
    metrics.sessions.inc({ outcome: 'resume-unknown' })
    log.warn('vaic.resume_unknown', { conversationId: msg.conversationId })
  }

  /** The conversation lives on another instance: take it over (the store decides), then go on as after an accept. */
  const resumeMoved = (conn: Conn, msg: SessionResume, takeOver: NonNullable<CallAcceptor['takeOver']>) => {
    if (initiating.has(msg.conversationId) || !deps.lifecycle.acceptingCalls) return resumeUnknown(conn, msg)
    const callLog = log.child({ conversationId: msg.conversationId })
    initiating.add(msg.conversationId)
    conn.queued = []
    const legFor = (mediaFormat: AcMediaFormat, streamIdsAbove: number) =>
      new PhoneLeg({ conversationId: msg.conversationId, mediaFormat, graceMs: deps.graceMs, log: callLog, metrics, onFinish: (l) => registry.delete(l), streamIdsAbove })
    void takeOver(msg.conversationId, conn.grant, legFor)
      .catch((err: unknown) => {
        callLog.error('vaic.takeover_failed', { err })
        return undefined
      })
      .then((taken) => {
        initiating.delete(msg.conversationId)
        const queued = conn.queued ?? []
        conn.queued = undefined
        if (!taken) return resumeUnknown(conn, msg)
        const { leg, handler } = taken
        leg.bind(handler)
        registry.add(leg)
        conn.leg = leg
        sendRaw(conn, { type: 'session.accepted', mediaFormat: leg.mediaFormat })
        leg.attach(conn.socket)
        handler.accepted()
        metrics.sessions.inc({ outcome: 'resumed-moved' })
        callLog.info('vaic.session_taken_over', { mediaFormat: leg.mediaFormat })
        for (const frame of queued) onMessage(conn, frame)
        if (conn.closed) leg.socketClosed(conn.socket)
      })
  }

  const resume = (conn: Conn, msg: SessionResume) => {
    const leg = registry.get(msg.conversationId)
    if (!leg || leg.ended) {
      if (!leg && deps.acceptor.takeOver) return resumeMoved(conn, msg, deps.acceptor.takeOver.bind(deps.acceptor))
      return resumeUnknown(conn, msg)
    }
    conn.leg = leg
    // Answer before the leg re-attaches so VAIC hears session.accepted before anything the handler sends.
    sendRaw(conn, { type: 'session.accepted', mediaFormat: leg.mediaFormat })
    leg.attach(conn.socket)
    metrics.sessions.inc({ outcome: 'resumed' })
    log.info('vaic.session_resumed', { conversationId: msg.conversationId })
  }

  function socketClosed(conn: Conn): void {
    conn.closed = true
    conn.leg?.socketClosed(conn.socket)
  }

  const onMessage = (conn: Conn, frame: unknown) => {
    if (conn.queued) {
      if (conn.queued.length < MAX_QUEUED) conn.queued.push(frame)
      else invalid(conn, 'frame-while-accepting-overflow')
      return
    }
    // Per-frame fast path: a caller chunk of this very conversation in the exact expected shape skips JSON.parse and
    // the TypeBox walk; everything else (and anything odd about a chunk) is judged by the full validator below.
    const leg = conn.leg
    if (leg !== undefined && typeof frame === 'string' && leg.receiveFast(frame)) return
    const parsed = parseInbound(frame)
    if (!parsed.ok) {
      invalid(conn, parsed.reason, parsed.type)
      // The reason names a known type and a schema path at most, never the frame's content.
      if (!conn.leg) refuseSession(conn, `unusable message before session.accepted: ${parsed.reason.slice(0, 300)}`, 'invalid')
      return
    }
    const msg: Inbound = parsed.msg
    if (msg.type === 'connection.validate') {
      sendRaw(conn, { type: 'connection.validated', success: true })
      return
    }
    if (!conn.leg) {
      if (msg.type === 'session.initiate') return initiate(conn, msg)
      if (msg.type === 'session.resume') return resume(conn, msg)
      invalid(conn, `out-of-order-${msg.type}-before-session.initiate`, msg.type)
      return refuseSession(conn, `${msg.type} before session.initiate: start the conversation with session.initiate or session.resume`, 'out-of-order')
    }
    if (msg.type === 'session.initiate' || msg.type === 'session.resume') return invalid(conn, `out-of-order-second-${msg.type}`, msg.type)
    const id = msg.type === 'activities' ? (msg.conversationId ?? msg.conversation) : msg.conversationId
    if (id !== undefined && id !== conn.leg.conversationId) return invalid(conn, 'conversationId-mismatch', msg.type)
    conn.leg.receive(msg)
  }

  /** What every call's socket events go to (one object per endpoint; each socket's data names its own conn). */
  const dispatch: ConnDispatch = { message: onMessage, closed: socketClosed }

  return new Elysia({ name: 'audiocodes-endpoint' })
    .get('/audiocodes', validate)
    .post('/audiocodes', validate)
    .ws('/audiocodes', {
      beforeHandle({ headers, set, server, request }) {
        // Elysia runs this hook twice per upgrade (route hook and handler); both runs must agree, so no counting here.
        // Only failed authentications spend the per-IP budget; authorized calls are bounded by capacity and load.
        if (!authorized(headers.authorization)) return unauthorized(clientIp(server, request), request, set)
        if (!deps.lifecycle.acceptingCalls) return refuse('draining', 503, set)
        if (registry.size >= deps.maxCalls) return refuse('capacity', 503, set)
        if (deps.overloaded()) return refuse('overloaded', 503, set)
      },
      open(ws) {
        const raw = ws.raw as ServerWebSocket<unknown>
        const socket = new RawPhoneSocket(raw)
        const query = (ws.data as { query?: Record<string, unknown> }).query ?? {}
        const options: Record<string, string> = {}
        for (const [k, v] of Object.entries(query)) if (typeof v === 'string' && k.length <= 64) options[k] = v.slice(0, 512)
        // The upgrade was authorized (beforeHandle); what the token opens is read once more from the same header.
        const headers = (ws.data as { headers?: Record<string, string | undefined> }).headers ?? {}
        const grant = grantOf(headers.authorization) ?? NO_GRANT
        const conn: Conn = { socket, options, grant, leg: undefined, invalidLogged: 0, refusals: 0, queued: undefined, closed: false }
        conns.set(ws.id, conn)
        // Fast path for the audio frames (50 per second per call): Elysia's per-message handler JSON-parses the
        // frame, then wraps the socket in a new ElysiaWS binding a dozen methods, before calling `message` below —
        // about 4 µs per frame measured, as much as the rest of the hop. Elysia dispatches every event through
        // `ws.data.<event>`, so replacing `message` there hands us the raw frame directly. If a future Elysia
        // stops dispatching that way, frames simply take the `message` hook below (counted, and a test watches it).
        const data = raw.data as { message?: unknown; close?: unknown } | null
        if (data && typeof data === 'object' && 'message' in data && 'close' in data) {
          // The same dispatch lets the call keep nothing of the upgrade: Elysia's data for a socket is a copy of the
          // whole request context (the Request and its headers, query, cookie jar, a getter, a dozen handler closures
          // over the upgrade's scope), kept for the call's lifetime. Ours is the two handlers the socket still needs.
          conns.delete(ws.id)
          raw.data = new SocketEvents(conn, dispatch)
        }
      },
      message(ws, message) {
        metrics.slowPathFrames.inc()
        const conn = conns.get(ws.id)
        if (conn) onMessage(conn, message)
      },
      close(ws) {
        const conn = conns.get(ws.id)
        conns.delete(ws.id)
        if (conn) socketClosed(conn)
      },
      // Errors inside handlers are ours; never let Elysia send anything back on the socket.
      error() {
        return undefined
      },
    })
}
