/**
 * @module realtime/model-leg
 * The call's connection to the Realtime API, kept alive for the whole call:
 * - configure with `session.update` and hold caller audio (bounded) until `session.updated`;
 * - relay events to the call session (validated), route `response.create` through the sequencer;
 * - rotate the session before its 60-minute cap at a quiet moment, make-before-break (the new socket is configured
 *   and the history replayed before audio moves over);
 * - replay the conversation so far into every new session (for the first one: what a resumed call brings along);
 * - on an abnormal close or a stall, reconnect with bounded backoff and replay the conversation as text items
 *   (function calls excluded: a new session has no such call ids; open tasks are stated in a system note);
 * - on a fatal error (bad key, quota) stop and tell the call session, which ends the call cleanly.
 * No promise here waits without a deadline: connect, configure and response creation all time out.
 */
import { randomBytes } from 'node:crypto'
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime'
import type { Logger } from '../ops/log'
import type { Counter, MetricsRegistry } from '../ops/metrics'
import {
  appendFrame,
  AudioDeltaScanner,
  FATAL_ERROR_CODES,
  parseServerEvent,
  replayItemEvent,
  type ClientEvent,
  type ReplayItem,
  type ServerEvent,
} from './protocol'
import { ResponseSequencer, type ResponseRequest, type SayRequest } from './response-sequencer'
import { connectUpstream, realtimeUrl, type UpstreamHandlers, type UpstreamSocket } from './transport'
import { stableJson, type WarmSession } from './session-pool'
import type { ResponseUsage } from '../call/call-events'
import type { CallerText, NotCallerText } from '../call/spoken-line'

export type FunctionCall = { readonly callId: string; readonly name: string; readonly arguments: string; readonly responseId: string }

export interface ModelLegHandler<P extends string = string> {
  /** The session is configured (first time, and again after every reconnect/rotation). */
  ready(kind: 'initial' | 'reconnect' | 'rotation'): void
  speechStarted(audioStartMs: number, itemId: string): void
  speechStopped(audioEndMs: number, itemId: string): void
  committed(itemId: string): void
  callerTranscript(itemId: string, text: string): void
  /** `purposes`: what the requests this response answers were for (empty for a response the server started). */
  responseCreated(responseId: string, purposes: readonly P[]): void
  /** `usage`: the response's token counts, when the server reported them. */
  responseDone(responseId: string, status: string, purposes: readonly P[], usage?: ResponseUsage): void
  /** Hot path: one audio delta, base64 in the session's output format, and when it arrived (the leg's clock). */
  audioDelta(responseId: string, itemId: string, contentIndex: number, b64: string, at: number): void
  audioDone(responseId: string, itemId: string): void
  botTranscript(responseId: string, itemId: string, text: string): void
  functionCall(call: FunctionCall): void
  idleTimeout(): void
  /** The upstream is gone; we are reconnecting (the caller may need a "one moment"). */
  reconnecting(reason: string): void
  /** The model leg cannot continue (bad key, quota, reconnects exhausted). */
  fatal(code: string, message: string): void
}

export type ModelLegOptions<P extends string = string> = {
  readonly url: string
  readonly model: string
  readonly apiKey: string
  /** The full session config, recomputed at each (re)connect (instructions carry the current task status). */
  readonly session: () => RealtimeSessionCreateRequest
  /** The conversation so far, replayed into every new session (the first one included) before it is used. */
  readonly history: () => ReplayItem[]
  readonly handler: ModelLegHandler<P>
  readonly log: Logger
  readonly metrics: RealtimeMetrics
  readonly now?: () => number
  readonly rotateAfterMs: number
  /** True when nothing is being said either way (rotation waits for it). */
  readonly isQuiet: () => boolean
  readonly connectTimeoutMs?: number
  /** A response requested or running, and nothing from the server for this long: the socket is stalled. */
  readonly stallTimeoutMs?: number
  /**
   * Nothing at all from the server for this long is a stall too. Set when the session has an idle timeout: then the
   * server must speak up (timeout_triggered) within it even if the caller stays silent.
   */
  readonly quietLimitMs?: number
  readonly backoffMs?: readonly number[]
  /**
   * Before the first session was ever ready, give up once the next retry would start later than this after the
   * first attempt (default 1500 ms): the caller must hear the apology within about two seconds, not after the whole
   * backoff.
   */
  readonly initialGiveUpMs?: number
  /** Caller audio held while not connected, in base64 characters (oldest dropped beyond). */
  readonly maxHeldChars?: number
  /** A `say` is due: true when it was spoken without the model (see {@link ResponseSequencer}). */
  readonly playLocal?: (r: SayRequest<P>) => boolean
}

export type RealtimeMetrics = {
  readonly reconnects: Counter
  readonly rotations: Counter
  readonly errors: Counter
  readonly invalidEvents: Counter
  readonly heldFramesDropped: Counter
  readonly uplinkShed: Counter
}

export function realtimeMetrics(registry: MetricsRegistry): RealtimeMetrics {
  return {
    reconnects: registry.counter('fastagent_realtime_reconnects_total', 'upstream sessions re-established after a failure, by reason', ['reason']),
    rotations: registry.counter('fastagent_realtime_rotations_total', 'upstream sessions replaced before their cap'),
    errors: registry.counter('fastagent_realtime_errors_total', 'error events from the Realtime API, by code', ['code']),
    invalidEvents: registry.counter('fastagent_realtime_invalid_events_total', 'server events that failed validation'),
    heldFramesDropped: registry.counter('fastagent_realtime_held_frames_dropped_total', 'caller frames dropped while the upstream was not ready'),
    uplinkShed: registry.counter('fastagent_uplink_frames_shed_total', 'caller frames shed because the upstream socket backlog was over its limit'),
  }
}

/**
 * One upstream socket of the leg, and the handler of its events: they go to the leg with this conn named, through
 * prototype methods (no closures per socket).
 */
class Conn implements UpstreamHandlers {
  socket!: UpstreamSocket
  lastEventAt: number
  constructor(
    private readonly leg: { connMessage(c: Conn, data: string | Buffer): void; connClosed(c: Conn, code: number, reason: string, error?: string): void },
    readonly purpose: 'initial' | 'reconnect' | 'rotation',
    public state: 'connecting' | 'configuring' | 'ready' | 'closed',
    readonly openedAt: number,
    public expiresAtMs: number | undefined,
    at: number,
  ) {
    this.lastEventAt = at
  }
  open(): void {
    if (this.state === 'connecting') this.state = 'configuring'
  }
  message(data: string | Buffer): void {
    this.leg.connMessage(this, data)
  }
  close(code: number, reason: string, error?: string): void {
    this.leg.connClosed(this, code, reason, error)
  }
}

const DEFAULT_BACKOFF = [250, 500, 1000, 2000, 4000] as const
/** About 2 s of 24 kHz PCM as base64 JSON: past this, the upstream is not keeping up. */
const UPLINK_BACKLOG_BYTES = 256 * 1024
/** Rotate this long before the server's own `expires_at` at the latest. */
const EXPIRY_MARGIN_MS = 2 * 60_000

export class ModelLeg<P extends string = string> {
  private current: Conn | undefined
  /**
   * The socket of `current` while it is ready, else undefined: the caller's frames reach it from the leg without going
   * through the conn (with hundreds of calls each object a frame passes is a likely cache miss). Kept by `syncUplink`
   * wherever `current` or its state changes.
   */
  private uplink: UpstreamSocket | undefined
  private next: Conn | undefined
  private readonly held: string[] = []
  private heldChars = 0
  /** The downlink fast path's scanner (keeps the last delta's ids to reuse them). */
  private readonly deltas = new AudioDeltaScanner()
  private attempt = 0
  private readyOnce = false
  private startedAt: number | undefined
  private connects = 0
  private stopped = false
  private fatalSent = false
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  /** Failed rotations in a row, and when the next one may be tried (the reconnect backoff, not every tick). */
  private rotationFailures = 0
  private rotationRetryAt = 0
  private readonly ticker: ReturnType<typeof setInterval>
  private readonly now: () => number
  readonly sequencer: ResponseSequencer<P>

  /** `o.handler`, flat on the leg for the per-delta path (the options record is one more object to reach). */
  private readonly handler: ModelLegHandler<P>

  constructor(private readonly o: ModelLegOptions<P>) {
    this.now = o.now ?? Date.now
    this.handler = o.handler
    this.sequencer = new ResponseSequencer<P>({ send: (ev) => this.send(ev), now: this.now, ...(o.playLocal ? { playLocal: o.playLocal } : {}) })
    this.ticker = setInterval(() => this.tick(), 500)
  }

  /**
   * Opens the first session — or takes over `warm`, a pooled session already connected and configured: then the
   * call is ready at once. What its config lacks (a resumed call's task status, a minute that turned) goes out as one
   * `session.update` nobody waits for: the server applies events in order, so the first response already sees it.
   */
  start(warm?: WarmSession): void {
    this.startedAt = this.now()
    if (warm && !this.stopped && !this.current && !this.next && warm.socket.isOpen) return this.adopt(warm)
    this.connect('initial')
  }

  private adopt(w: WarmSession): void {
    const t = this.now()
    const conn = new Conn(this, 'initial', 'configuring', w.openedAt, w.expiresAtMs, t)
    conn.socket = w.socket
    // Already open: a late `open` finds the conn past connecting and changes nothing.
    w.attach(conn)
    this.next = conn
    this.configure(conn, w.configured)
    this.promote(conn, true)
  }

  get ready(): boolean {
    return this.current?.state === 'ready'
  }

  // ---- hot path -------------------------------------------------------------------------------------------------

  /** Caller audio (base64 in the session's input format). Held while no session is ready. */
  append(b64: string): void {
    const socket = this.uplink
    if (socket !== undefined) {
      // Overload policy: when the upstream cannot keep up, audio that would wait behind more than the backlog
      // limit is stale for a live conversation — shed it (counted) instead of queueing without bound.
      if (socket.bufferedAmount > UPLINK_BACKLOG_BYTES) {
        this.o.metrics.uplinkShed.inc()
        return
      }
      socket.send(appendFrame(b64))
      return
    }
    this.held.push(b64)
    this.heldChars += b64.length
    const max = this.o.maxHeldChars ?? 2_000_000
    while (this.heldChars > max && this.held.length > 0) {
      this.heldChars -= this.held.shift()?.length ?? 0
      this.o.metrics.heldFramesDropped.inc()
    }
  }

  // ---- commands -------------------------------------------------------------------------------------------------

  send(ev: ClientEvent): void {
    const c = this.current
    if (c && c.state === 'ready') c.socket.send(JSON.stringify(ev))
  }

  request(r: ResponseRequest<P>): void {
    this.sequencer.request(r)
  }

  truncate(itemId: string, audioEndMs: number): void {
    this.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: Math.max(0, Math.floor(audioEndMs)) })
  }

  deleteItem(itemId: string): void {
    this.send({ type: 'conversation.item.delete', item_id: itemId })
  }

  cancelResponse(): void {
    this.send({ type: 'response.cancel' })
  }

  functionOutput(callId: string, output: string): void {
    this.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } })
  }

  /**
   * A tool result the model did not ask for now (a task's result that came after its call was answered): a function
   * call of ours and its output, as the Realtime API lets a client create both (`conversation.item.create`; the
   * output must answer a call in the conversation). The model gets it as a tool result — data, as an answer to its own
   * call would be — never as instructions or a system note. `name` must be a tool of the session.
   */
  toolResult(name: string, args: string, output: string): void {
    const callId = `fa_result_${randomBytes(8).toString('hex')}`
    this.send({ type: 'conversation.item.create', item: { type: 'function_call', call_id: callId, name, arguments: args } })
    this.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } })
  }

  /** A note of ours (a system item): never the caller's words, which the type refuses. */
  systemNote(text: NotCallerText): void {
    this.send(replayItemEvent({ role: 'system', text }))
  }

  /** Something the caller did or said, as data (a user item). */
  userText(text: CallerText): void {
    this.send(replayItemEvent({ role: 'user', text }))
  }

  /** Partial session update (e.g. the task status line in the instructions). */
  updateSession(session: Omit<RealtimeSessionCreateRequest, 'type'> & { readonly instructions?: NotCallerText }): void {
    this.send({ type: 'session.update', session: { type: 'realtime', ...session } })
  }

  /** Closes everything; no reconnects afterwards. */
  close(): void {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.ticker)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.sequencer.clear()
    for (const c of [this.current, this.next]) if (c && c.state !== 'closed') this.closeConn(c, 1000, 'call ended')
    this.current = undefined
    this.next = undefined
    this.syncUplink()
    this.held.length = 0
    this.heldChars = 0
  }

  // ---- connections ----------------------------------------------------------------------------------------------

  private connect(purpose: Conn['purpose']): void {
    if (this.stopped || this.next) return
    const url = realtimeUrl(this.o.url, this.o.model)
    const t = this.now()
    this.connects++
    const conn = new Conn(this, purpose, 'connecting', t, undefined, t)
    conn.socket = connectUpstream(url, this.o.apiKey, conn)
    this.next = conn
  }

  private closeConn(c: Conn, code: number, reason: string): void {
    c.state = 'closed'
    this.syncUplink()
    c.socket.close(code, reason)
  }

  private syncUplink(): void {
    const c = this.current
    this.uplink = c !== undefined && c.state === 'ready' ? c.socket : undefined
  }

  /** A socket's message (its {@link Conn} calls this; not for anyone else). */
  connMessage(conn: Conn, data: string | Buffer): void {
    if (conn.state === 'closed') return
    // One clock read per event, handed on with an audio delta (a clock read costs ~0.2 µs on this VM's kvm-clock).
    const at = this.now()
    conn.lastEventAt = at
    // Per-frame fast path: an audio delta of the live session in the exact expected shape skips JSON.parse and the
    // TypeBox walk; anything else (and anything odd about a delta) is judged by the full validator below.
    if (conn === this.current && typeof data === 'string' && this.deltas.scan(data)) {
      const d = this.deltas
      return this.dispatchAudio(d.responseId, d.itemId, d.contentIndex, d.takeDelta(), at)
    }
    const parsed = parseServerEvent(data)
    if (parsed.kind === 'ignored') return
    if (parsed.kind === 'invalid') {
      this.o.metrics.invalidEvents.inc()
      this.o.log.warn('realtime.invalid_event', { reason: parsed.reason })
      return
    }
    const ev = parsed.event
    if (conn !== this.current) return this.onSetupEvent(conn, ev)
    this.dispatch(ev, at)
  }

  /** Events of a socket being set up (first connect, reconnect, or the incoming side of a rotation). */
  private onSetupEvent(conn: Conn, ev: ServerEvent): void {
    if (conn !== this.next) return
    switch (ev.type) {
      case 'session.created': {
        const exp = ev.session.expires_at
        conn.expiresAtMs = typeof exp === 'number' && exp > 0 ? exp * 1000 : undefined
        this.configure(conn)
        return
      }
      case 'session.updated':
        return this.promote(conn)
      case 'error': {
        const code = ev.error.code ?? 'unknown'
        this.o.metrics.errors.inc({ code })
        this.o.log.warn('realtime.setup_error', { code, message: ev.error.message, param: ev.error.param })
        if (FATAL_ERROR_CODES.has(code)) this.fail(code, ev.error.message ?? code)
        return
      }
      default:
        return
    }
  }

  /**
   * Configures a new session: the call's config (unless `configured`, a warm session's, is exactly it already) and
   * the conversation so far.
   */
  private configure(conn: Conn, configured?: string): void {
    const send = (e: ClientEvent) => conn.socket.send(JSON.stringify(e))
    const session = this.o.session()
    if (configured === undefined || stableJson(session) !== configured) send({ type: 'session.update', session })
    // Every new session gets the conversation so far, the first one too: a resumed call's earlier conversation
    // (when the call session put one there) goes in before the greeting.
    for (const item of this.o.history()) send(replayItemEvent(item))
  }

  private promote(conn: Conn, pooled = false): void {
    const old = this.current
    this.next = undefined
    this.current = conn
    conn.state = 'ready'
    this.syncUplink()
    this.attempt = 0
    this.readyOnce = true
    if (old && old.state !== 'closed') this.closeConn(old, 1000, 'rotated')
    this.sequencer.reset()
    // Audio captured while the upstream was not ready goes first, in order.
    for (const b64 of this.held) conn.socket.send(appendFrame(b64))
    this.held.length = 0
    this.heldChars = 0
    if (conn.purpose === 'rotation') {
      this.o.metrics.rotations.inc()
      this.rotationFailures = 0
      this.rotationRetryAt = 0
    }
    this.o.log.info('realtime.ready', { purpose: conn.purpose, ...(pooled ? { pooled } : {}) })
    this.o.handler.ready(conn.purpose)
  }

  /** A socket closed (its {@link Conn} calls this; not for anyone else). */
  connClosed(conn: Conn, code: number, reason: string, error?: string): void {
    const wasCurrent = conn === this.current
    const wasNext = conn === this.next
    const intentional = conn.state === 'closed'
    conn.state = 'closed'
    this.syncUplink()
    if (this.stopped || intentional) return
    if (wasNext) this.next = undefined
    if (!wasCurrent && !wasNext) return
    if (wasCurrent) this.current = undefined
    const phase = wasCurrent ? 'live' : 'setup'
    if (phase === 'setup') {
      // Enough for a person to act on: where we tried (never the key), what came back, which attempt this was.
      const url = realtimeUrl(this.o.url, this.o.model)
      this.o.log.warn('realtime.connect_failed', { url, attempt: this.connects, purpose: conn.purpose, error: error ?? `closed ${code}${reason ? ` ${reason}` : ''}` })
      this.o.log.debug('realtime.connect_failed_detail', { url, attempt: this.connects, closeCode: code, closeReason: reason, error, state: conn.state, elapsedMs: this.now() - conn.openedAt, sinceStartMs: this.startedAt === undefined ? undefined : this.now() - this.startedAt })
    } else this.o.log.warn('realtime.closed', { code, reason, phase })
    if (this.fatalSent) return
    if (wasCurrent) {
      this.sequencer.reset()
      this.o.handler.reconnecting(reason || `closed ${code}`)
    }
    // A rotation that failed while the current session still works is retried later, with the reconnect backoff.
    if (wasNext && conn.purpose === 'rotation' && this.current) return this.rotationFailed(reason || `closed ${code}`)
    this.scheduleReconnect(error ?? (reason || `closed ${code}`))
  }

  private rotationFailed(reason: string): void {
    const backoff = this.o.backoffMs ?? DEFAULT_BACKOFF
    const delay = backoff[Math.min(this.rotationFailures, backoff.length - 1)] ?? 0
    this.rotationFailures++
    this.rotationRetryAt = this.now() + delay
    this.o.log.warn('realtime.rotation_failed', { reason, attempt: this.rotationFailures, retryInMs: delay })
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped || this.next || this.retryTimer) return
    const backoff = this.o.backoffMs ?? DEFAULT_BACKOFF
    const delay = backoff[this.attempt]
    if (delay === undefined) return this.fail('reconnect_failed', `upstream unavailable after ${this.attempt} attempts (${reason})`)
    if (!this.readyOnce && this.startedAt !== undefined && this.now() + delay - this.startedAt > (this.o.initialGiveUpMs ?? 1500)) {
      return this.fail('upstream_unreachable', `no session after ${this.connects} attempts (${reason})`)
    }
    this.attempt++
    this.o.metrics.reconnects.inc({ reason: reason.slice(0, 40) })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      // Before the first session.updated there is nothing to replay; after it, a new session needs the history.
      this.connect(!this.readyOnce ? 'initial' : this.current ? 'rotation' : 'reconnect')
    }, delay)
  }

  private fail(code: string, message: string): void {
    if (this.fatalSent) return
    this.fatalSent = true
    this.o.log.error('realtime.fatal', { code, message })
    this.o.handler.fatal(code, message)
    this.close()
  }

  private tick(): void {
    if (this.stopped) return
    const t = this.now()
    const c = this.current
    this.sequencer.tick()
    // A socket being set up that never finishes is abandoned and retried.
    const n = this.next
    if (n && t - n.openedAt > (this.o.connectTimeoutMs ?? 8000)) {
      this.closeConn(n, 4000, 'setup timeout')
      this.next = undefined
      this.o.log.warn('realtime.setup_timeout', { purpose: n.purpose })
      if (n.purpose !== 'rotation' || !this.current) this.scheduleReconnect('setup timeout')
      else this.rotationFailed('setup timeout')
    }
    if (!c) return
    // Waiting on the server (a response requested or running) and hearing nothing, or silent past the point where
    // its idle timeout must have fired: the socket is stalled.
    const silent = t - c.lastEventAt
    if ((this.sequencer.responseActive && silent > (this.o.stallTimeoutMs ?? 10_000)) || silent > (this.o.quietLimitMs ?? Infinity)) {
      this.o.log.warn('realtime.stalled', { silentMs: silent })
      this.closeConn(c, 4000, 'stalled')
      this.current = undefined
      this.syncUplink()
      this.sequencer.reset()
      this.o.handler.reconnecting('stalled')
      this.scheduleReconnect('stalled')
      return
    }
    const rotateAt = Math.min(c.openedAt + this.o.rotateAfterMs, (c.expiresAtMs ?? Infinity) - EXPIRY_MARGIN_MS)
    if (t >= rotateAt && t >= this.rotationRetryAt && !this.next && this.o.isQuiet() && this.sequencer.idle) this.connect('rotation')
  }

  /** One audio delta of the live session, from either path. */
  private dispatchAudio(responseId: string, itemId: string, contentIndex: number, delta: string, at: number): void {
    this.handler.audioDelta(responseId, itemId, contentIndex, delta, at)
  }

  private dispatch(ev: ServerEvent, at: number): void {
    const h = this.o.handler
    switch (ev.type) {
      case 'response.output_audio.delta':
        return this.dispatchAudio(ev.response_id, ev.item_id, ev.content_index, ev.delta, at)
      case 'input_audio_buffer.speech_started':
        this.sequencer.onSpeechStarted()
        return h.speechStarted(ev.audio_start_ms, ev.item_id)
      case 'input_audio_buffer.speech_stopped':
        return h.speechStopped(ev.audio_end_ms, ev.item_id)
      case 'input_audio_buffer.committed':
        return h.committed(ev.item_id)
      case 'input_audio_buffer.timeout_triggered':
        return h.idleTimeout()
      case 'conversation.item.input_audio_transcription.completed':
        return h.callerTranscript(ev.item_id, ev.transcript)
      case 'response.created': {
        const request = ev.response.metadata?.request
        return h.responseCreated(ev.response.id, this.sequencer.onResponseCreated(ev.response.id, typeof request === 'string' ? request : undefined))
      }
      case 'response.done':
        return h.responseDone(ev.response.id, ev.response.status, this.sequencer.onResponseDone(ev.response.id), usageOf(ev.response.usage))
      case 'response.output_audio.done':
        return h.audioDone(ev.response_id, ev.item_id)
      case 'response.output_audio_transcript.done':
        return h.botTranscript(ev.response_id, ev.item_id, ev.transcript)
      case 'response.output_item.done': {
        const item = ev.item
        if (item.type === 'function_call' && item.call_id && item.name) {
          h.functionCall({ callId: item.call_id, name: item.name, arguments: item.arguments ?? '{}', responseId: ev.response_id })
        }
        return
      }
      case 'error': {
        const code = ev.error.code ?? 'unknown'
        this.o.metrics.errors.inc({ code })
        if (this.sequencer.onError(code, ev.error.event_id)) {
          this.o.log.debug('realtime.create_deferred', { code })
          return
        }
        if (FATAL_ERROR_CODES.has(code)) return this.fail(code, ev.error.message ?? code)
        // Most errors leave the session usable (spec §5.2): log and carry on.
        this.o.log.warn('realtime.error', { code, message: ev.error.message, param: ev.error.param })
        return
      }
      default:
        return
    }
  }
}

/** Token counts of a `response.done` (text input = input tokens not reported as audio). */
function usageOf(u: { input_tokens?: number; output_tokens?: number; input_token_details?: { audio_tokens?: number; cached_tokens?: number }; output_token_details?: { audio_tokens?: number } } | null | undefined): ResponseUsage | undefined {
  if (!u) return undefined
  const inputAudio = u.input_token_details?.audio_tokens ?? 0
  const outputAudio = u.output_token_details?.audio_tokens ?? 0
  return {
    inputText: Math.max(0, (u.input_tokens ?? 0) - inputAudio),
    inputAudio,
    inputCached: u.input_token_details?.cached_tokens ?? 0,
    outputText: Math.max(0, (u.output_tokens ?? 0) - outputAudio),
    outputAudio,
  }
}
