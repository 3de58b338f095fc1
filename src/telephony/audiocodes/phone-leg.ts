/**
 * @module telephony/audiocodes/phone-leg
 * One VoiceAI Connect conversation, independent of any particular socket: the protocol state (user stream, the one
 * open play stream, hang-up/transfer requested) plus typed commands out and events in. A socket that drops without
 * `session.end` leaves the leg *detached* for the grace period; `session.resume` on a new socket re-attaches it.
 * Knows nothing about OpenAI: the call session implements {@link PhoneLegHandler}.
 */
import type { Logger } from '../../ops/log'
import type { AcMediaFormat } from '../../audio/formats'
import { ChunkScanner, encodeOutbound, PLAY_CHUNK_END, playChunkPrefix, type Activity, type Inbound, type OutActivity, type Outbound } from './messages'
import type { TelephonyMetrics } from './metrics'

/** The transport a leg writes to (Bun's ServerWebSocket in production, anything in tests). */
export interface PhoneSocket {
  /** Returns Bun's send status: bytes written, -1 queued under backpressure, 0 dropped. */
  send(text: string): number
  close(code?: number, reason?: string): void
  bufferedAmount(): number
}

export type LegEndBy =
  /** `session.end` from VAIC after the caller hung up (or a drop VAIC saw as a hang-up). */
  | 'caller'
  /** `session.end` after our `hangup`, or the socket closed after we asked to hang up. */
  | 'bot'
  /** `session.end` with reasonCode `transferred`, or closed after our transfer request. */
  | 'transfer'
  /** `session.end` with reasonCode `error` (or another code we do not know). */
  | 'vaic-error'
  /** The socket went away without `session.end` and no `session.resume` came within the grace period. */
  | 'lost'
  /** We ended it ourselves (shutdown, fatal upstream error) without a hang-up round trip. */
  | 'server'

export type LegEnd = { readonly by: LegEndBy; readonly reasonCode?: string; readonly reason?: string }

export type StartParams = Readonly<Record<string, unknown>>
export type TransferStatus = { readonly status: string; readonly reasonCode?: string; readonly reason?: string }

export interface PhoneLegHandler {
  /** `session.accepted` has been sent on the socket: the call may now talk to VAIC. */
  accepted(): void
  /** The `start` activity: call details (callee, display name, dial-out metadata…). */
  start(params: StartParams): void
  /** One caller audio chunk, base64 in the accepted `mediaFormat`, untouched. */
  audio(b64: string): void
  userStream(active: boolean): void
  dtmf(digits: string): void
  noUserInput(count: number): void
  playFinished(streamId: string | undefined): void
  transferStatus(status: TransferStatus): void
  /** Any other activity, for the record. */
  activity(a: Activity): void
  /** The socket dropped without `session.end`; the grace period is running. */
  connectionLost(): void
  /** A new socket resumed the conversation. */
  resumed(): void
  /** Final: the conversation is over and the leg forgets its socket. */
  ended(end: LegEnd): void
}

export type PhoneLegInit = {
  readonly conversationId: string
  readonly mediaFormat: AcMediaFormat
  readonly graceMs: number
  readonly log: Logger
  readonly metrics: TelephonyMetrics
  /** Called once when the conversation is over, before the handler hears it (the endpoint's registry). */
  readonly onFinish?: (leg: PhoneLeg) => void
  /** Play-stream ids start above this (a call taken over from another instance must not reuse that one's ids). */
  readonly streamIdsAbove?: number
}

/** `chunkPrefix`: its `playStream.chunk` up to the audio, built once per stream. */
type PlayStream = { readonly id: string; readonly format: string; readonly chunkPrefix: string }

/** The placeholder hypothesis of a barge-in (one word: VAIC's default `bargeInMinWordCount`). */
export const BARGE_IN_HYPOTHESIS = 'speaking'

/** About 4 s of 24 kHz audio as JSON frames. The model sends faster than real time, so some backlog is normal. */
const DOWNLINK_BACKLOG_BYTES = 512 * 1024

export class PhoneLeg {
  readonly conversationId: string
  readonly mediaFormat: AcMediaFormat
  private socket: PhoneSocket | undefined
  private handler: PhoneLegHandler | undefined
  private userStreamActive = false
  private play: PlayStream | undefined
  /**
   * The open stream's `chunkPrefix`, kept flat on the leg for the per-frame path (one object fewer to reach with
   * hundreds of calls out of cache); undefined whenever `play` is, or the leg has no socket or is over.
   */
  private playPrefix: string | undefined
  private streamSeq = 0
  private endRequested: 'bot' | 'transfer' | undefined
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  private done = false
  private readonly log: Logger
  private readonly metrics: TelephonyMetrics
  private readonly graceMs: number
  private readonly onFinish: ((leg: PhoneLeg) => void) | undefined
  /** The uplink fast path, with this conversation's chunk layout learnt. */
  private readonly chunks: ChunkScanner

  constructor(init: PhoneLegInit) {
    this.onFinish = init.onFinish
    this.conversationId = init.conversationId
    this.mediaFormat = init.mediaFormat
    this.graceMs = init.graceMs
    this.log = init.log
    this.metrics = init.metrics
    this.streamSeq = init.streamIdsAbove ?? 0
    this.chunks = new ChunkScanner(init.conversationId)
  }

  /** Wires the call session in; until then inbound events are not delivered. */
  bind(handler: PhoneLegHandler): void {
    this.handler = handler
  }

  get ended(): boolean {
    return this.done
  }
  get attached(): boolean {
    return this.socket !== undefined
  }
  get playing(): boolean {
    return this.play !== undefined
  }
  get currentStreamId(): string | undefined {
    return this.play?.id
  }
  get userStreaming(): boolean {
    return this.userStreamActive
  }
  /** Bytes waiting in the socket's send buffer (0 when detached). */
  get backlog(): number {
    return this.socket?.bufferedAmount() ?? 0
  }

  // ---- socket lifecycle (called by the endpoint) ----------------------------------------------------------------

  /**
   * Binds a socket: the first one at `session.initiate`, a new one at `session.resume`. A resume may arrive before we
   * noticed the old socket die; the old one is then closed and forgotten.
   */
  attach(socket: PhoneSocket): void {
    if (this.graceTimer) clearTimeout(this.graceTimer)
    this.graceTimer = undefined
    const previous = this.socket
    const resumed = this.wasDetached || previous !== undefined
    this.socket = socket
    this.wasDetached = false
    // A play stream open on the dead socket is lost with it. The user stream is VAIC's: after a resume it may send a
    // fresh userStream.start, or simply go on streaming the call's audio, and both are relayed.
    this.setPlay(undefined)
    this.userStreamActive = false
    this.streamGoesOn = resumed
    if (previous && previous !== socket) previous.close(1000, 'superseded by session.resume')
    if (resumed) this.handler?.resumed()
  }
  private wasDetached = false
  /** Resumed and no userStream.start/stop since: chunks continue the stream VAIC had open before the drop. */
  private streamGoesOn = false

  /** The socket closed. Without `session.end` the leg waits `graceMs` for `session.resume`. */
  socketClosed(socket: PhoneSocket): void {
    if (this.socket !== socket || this.done) return
    this.socket = undefined
    this.setPlay(undefined)
    this.userStreamActive = false
    if (this.endRequested) {
      // We asked VAIC to hang up or transfer; a close without session.end is that request completing.
      this.finish({ by: this.endRequested, reason: 'socket closed after request' })
      return
    }
    this.wasDetached = true
    this.handler?.connectionLost()
    this.graceTimer = setTimeout(() => this.finish({ by: 'lost', reason: `no session.resume within ${this.graceMs} ms` }), this.graceMs)
  }

  /** Ends the conversation from our side without a hang-up round trip (shutdown, refused). */
  terminate(reason: string, closeCode = 1001): void {
    if (this.done) return
    const socket = this.socket
    this.finish({ by: 'server', reason })
    socket?.close(closeCode, reason.slice(0, 120))
  }

  // ---- inbound --------------------------------------------------------------------------------------------------

  /** A validated message for this conversation (not `session.initiate`/`resume`/`connection.validate`). */
  receive(msg: Inbound): void {
    if (this.done) return
    switch (msg.type) {
      case 'userStream.start':
        this.streamGoesOn = false
        this.userStreamActive = true
        this.send({ type: 'userStream.started' })
        this.handler?.userStream(true)
        return
      case 'userStream.chunk':
        return this.receiveChunk(msg.audioChunk)
      case 'userStream.stop':
        this.streamGoesOn = false
        this.userStreamActive = false
        this.send({ type: 'userStream.stopped' })
        this.handler?.userStream(false)
        return
      case 'activities':
        for (const a of msg.activities) this.activity(a)
        return
      case 'session.end': {
        // VAIC closes the socket itself; we close too so a peer that does not cannot leave it open.
        const socket = this.socket
        this.finish(endFromReason(msg.reasonCode, msg.reason, this.endRequested))
        socket?.close(1000, 'session ended')
        return
      }
      default:
        this.metrics.invalid.inc({ reason: `out-of-order-${msg.type}` })
        this.log.warn('vaic.out_of_order', { type: msg.type })
    }
  }

  /**
   * The endpoint's per-frame fast path: a `userStream.chunk` of this conversation in the exact fast shape
   * ({@link ChunkScanner}) is taken here, without JSON.parse (true); anything else is left to the full validator
   * (false).
   */
  receiveFast(frame: string): boolean {
    const audio = this.chunks.audio(frame)
    if (audio === undefined) return false
    this.receiveChunk(audio)
    return true
  }

  /** Caller audio of this conversation, validated. */
  receiveChunk(audioChunk: string): void {
    if (this.done) return
    if (!this.userStreamActive && this.streamGoesOn) {
      this.userStreamActive = true
      this.handler?.userStream(true)
    }
    if (!this.userStreamActive) {
      this.metrics.invalid.inc({ reason: 'chunk-before-userStream.started' })
      return
    }
    this.metrics.framesIn.inc()
    this.metrics.audio.note(audioChunk.length)
    this.handler?.audio(audioChunk)
  }

  private activity(a: Activity): void {
    const h = this.handler
    if (!h || a.type !== 'event' || a.name === undefined) {
      if (h) h.activity(a)
      return
    }
    switch (a.name.toLowerCase()) {
      case 'start':
        h.start(a.parameters ?? {})
        return
      case 'dtmf': {
        const digits = typeof a.value === 'string' || typeof a.value === 'number' ? String(a.value) : ''
        if (/^[0-9*#A-Da-d]{1,64}$/.test(digits)) h.dtmf(digits)
        else this.metrics.invalid.inc({ reason: 'invalid-dtmf' })
        return
      }
      case 'nouserinput':
        h.noUserInput(typeof a.value === 'number' ? a.value : Number(a.value ?? 1) || 1)
        return
      case 'playfinished': {
        const v = a.value as { streamId?: unknown } | undefined
        const id = (a as { streamId?: unknown }).streamId ?? v?.streamId ?? a.parameters?.streamId
        h.playFinished(typeof id === 'string' ? id : undefined)
        return
      }
      case 'transferstatus': {
        const v = (a.value ?? {}) as Record<string, unknown>
        const status = typeof v.status === 'string' ? v.status : 'unknown'
        h.transferStatus({
          status,
          ...(typeof v.reasonCode === 'string' ? { reasonCode: v.reasonCode } : {}),
          ...(typeof v.reason === 'string' ? { reason: v.reason } : {}),
        })
        return
      }
      default:
        h.activity(a)
    }
  }

  // ---- outbound commands ----------------------------------------------------------------------------------------

  /** Opens a play stream (closing any open one first: VAIC allows one at a time). Returns its id. */
  startPlay(mediaFormat: string, altText?: string): string {
    if (this.play) this.stopPlay()
    const id = String(++this.streamSeq)
    this.setPlay({ id, format: mediaFormat, chunkPrefix: playChunkPrefix(id) })
    this.send(altText ? { type: 'playStream.start', streamId: id, mediaFormat, altText } : { type: 'playStream.start', streamId: id, mediaFormat })
    return id
  }

  /** Sends audio on the open play stream; returns false when there is none (or no socket). */
  playChunk(b64: string): boolean {
    const prefix = this.playPrefix
    const socket = this.socket
    // `playPrefix` is set exactly while a stream is open on a live socket (see `setPlay`).
    if (prefix === undefined || socket === undefined) return false
    // Overload policy: a VAIC socket this far behind will not play the audio in time anyway; shed, count.
    if (socket.bufferedAmount() > DOWNLINK_BACKLOG_BYTES) {
      this.metrics.downlinkShed.inc()
      return false
    }
    this.metrics.framesOut.inc()
    this.metrics.audio.note(b64.length)
    // A template, not `+`: JSC builds it as one string (`a + b + c` with a non-literal first makes two).
    socket.send(`${prefix}${b64}${PLAY_CHUNK_END}`)
    return true
  }

  stopPlay(): string | undefined {
    const play = this.play
    if (!play) return undefined
    this.setPlay(undefined)
    this.send({ type: 'playStream.stop', streamId: play.id })
    return play.id
  }

  speechStarted(): void {
    this.send({ type: 'userStream.speech.started' })
  }
  speechStopped(): void {
    this.send({ type: 'userStream.speech.stopped' })
  }
  speechCommitted(): void {
    this.send({ type: 'userStream.speech.committed' })
  }
  /**
   * The caller talks over the bot. VAIC's barge-in is driven by `speech.started` and by hypotheses (it counts their
   * words against `bargeInMinWordCount`, default 1); the transcript only exists after the turn, so a one-word
   * placeholder hypothesis goes with the start.
   */
  bargeIn(): void {
    this.send({ type: 'userStream.speech.hypothesis', alternatives: [{ text: BARGE_IN_HYPOTHESIS }] })
  }
  hypothesis(text: string): void {
    this.send({ type: 'userStream.speech.hypothesis', alternatives: [{ text }] })
  }
  recognition(text: string, confidence: number): void {
    this.send({ type: 'userStream.speech.recognition', alternatives: [{ text, confidence }] })
  }

  /** Sends the `config` event (e.g. barge-in, DTMF and the notifications we rely on). */
  configure(sessionParams: Record<string, unknown>): void {
    this.activities([{ type: 'event', name: 'config', sessionParams }])
  }

  /** Asks VAIC to end the call; `session.end` (or the socket closing) completes it. */
  /** A text for VoiceAI Connect to speak with its own TTS (a `message` activity): only where the bot has TTS. */
  say(text: string): void {
    this.activities([{ type: 'message', text }])
  }

  hangup(reason: string): void {
    if (this.done) return
    this.endRequested = 'bot'
    if (this.play) this.stopPlay()
    this.activities([{ type: 'event', name: 'hangup', activityParams: { hangupReason: reason } }])
  }

  transfer(target: string, reason: string, sipHeaders: readonly { name: string; value: string }[]): void {
    if (this.done) return
    this.endRequested = 'transfer'
    if (this.play) this.stopPlay()
    this.activities([
      { type: 'event', name: 'transfer', activityParams: { transferTarget: target, handoverReason: reason, transferSipHeaders: [...sipHeaders] } },
    ])
  }

  /** A transfer that came back (`transferStatus` failed): the call is ours again. */
  transferFailed(): void {
    if (this.endRequested === 'transfer') this.endRequested = undefined
  }

  sendDtmf(digits: string): void {
    if (!/^[0-9*#]{1,20}$/.test(digits)) throw new Error('sendDtmf takes 1 to 20 of 0-9 * #')
    this.activities([{ type: 'event', name: 'sendDtmf', activityParams: { dtmfDigits: digits } }])
  }

  private activities(activities: OutActivity[]): void {
    this.send({ type: 'activities', activities })
  }

  private setPlay(play: PlayStream | undefined): void {
    this.play = play
    this.playPrefix = play === undefined || this.socket === undefined || this.done ? undefined : play.chunkPrefix
  }

  private send(m: Outbound): void {
    if (this.done || !this.socket) return
    this.socket.send(encodeOutbound(m))
  }

  private finish(end: LegEnd): void {
    if (this.done) return
    this.done = true
    if (this.graceTimer) clearTimeout(this.graceTimer)
    this.graceTimer = undefined
    this.setPlay(undefined)
    this.userStreamActive = false
    this.socket = undefined
    this.log.info('vaic.ended', { by: end.by, reasonCode: end.reasonCode, reason: end.reason })
    this.onFinish?.(this)
    this.handler?.ended(end)
  }
}

/** Maps `session.end` to who ended the call. Our own pending hang-up/transfer wins over a generic code. */
export function endFromReason(reasonCode: string | undefined, reason: string | undefined, requested: 'bot' | 'transfer' | undefined): LegEnd {
  const extra = { ...(reasonCode !== undefined ? { reasonCode } : {}), ...(reason !== undefined ? { reason } : {}) }
  switch (reasonCode) {
    case 'client-disconnected':
      return { by: requested ?? 'caller', ...extra }
    case 'bot-disconnected':
      return { by: 'bot', ...extra }
    case 'transferred':
      return { by: 'transfer', ...extra }
    default:
      return { by: requested ?? 'vaic-error', ...extra }
  }
}
