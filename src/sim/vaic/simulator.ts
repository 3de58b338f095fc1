/**
 * @module sim/vaic/simulator
 * A strict, protocol-faithful stand-in for AudioCodes VoiceAI Connect in Bot API streaming mode: one instance is one
 * phone call (possibly over several sockets when it drops and resumes). It speaks the VAIC side of the protocol —
 * session negotiation, the `start` event, the caller's user stream paced in real time, DTMF, hang-ups, drops and
 * resumes — and checks everything the bot sends against strict schemas and the protocol's sequencing rules, recording
 * every departure as a violation instead of tolerating it. It models the caller's loudspeaker in time (what has been
 * HEARD of each play stream, barge-in, `playFinished`) and decodes the bot's tone-modem audio so tests can assert
 * what the caller heard.
 *
 * @example
 * const sim = new VaicSimulator({ url: 'ws://127.0.0.1:8080/audiocodes', token: 'secret' })
 * await sim.startCall()
 * await sim.waitForBotSaid(/how can i help/, 10_000)
 * await sim.say('book an appointment for tomorrow')
 * await sim.waitForBotSaid('what time', 10_000)
 * await sim.hangup()
 * sim.assertNoViolations()
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { isAcMediaFormat, type AcMediaFormat } from '../../audio/formats'
import { base64ToBytes } from '../../audio/pcm'
import { decodeWav } from '../../audio/wav'
import { encodeText } from '../modem/encode'
import { STRICT_BASE64, checkActivity, type BotActivity, type BotMessage, parseBotMessage } from './bot-messages'
import { BotStream } from './bot-stream'
import { CallerEncoder } from './caller-audio'
import { resampleTo } from '../../audio/resample-once'
import { startEvent, vaicEvent, type StartDetails, type VaicMessage } from './caller-messages'
import { EventLog, formatLog, type FormatOptions, type LogEntry, type Violation, type ViolationRule } from './event-log'
import { Pacer } from './pacer'
import { PlaybackModel, type CutReason } from './playback-model'
import { statusFromError, probeConnection } from './upgrade-probe'
import { VoiceQueue, type SayResult } from './voice-queue'

export type TransferReply = { readonly status: string; readonly reasonCode?: string; readonly reason?: string }

export type VaicSimulatorOptions = {
  /** The bot's WebSocket URL (`ws://` or `wss://`), with or without a query string. */
  readonly url: string
  /** Sent as `Authorization: Bearer <token>`; omit to send no Authorization header (an empty-token VAIC). */
  readonly token?: string
  /** Extra query parameters appended to `url`. */
  readonly query?: Readonly<Record<string, string>>
  /** Default: a random UUID. */
  readonly conversationId?: string
  readonly botName?: string
  /** Caller number (session.initiate `caller` and start `parameters.caller`). Default `+14155550123`. */
  readonly caller?: string
  readonly callerHost?: string
  readonly callerDisplayName?: string
  readonly callee?: string
  readonly calleeHost?: string
  /**
   * Also send the dialled number (`callee`) in session.initiate. AudioCodes documents it only in the start event,
   * which comes after session.accepted; some setups may add it earlier. Default false.
   */
  readonly calleeInInitiate?: boolean
  /** `language` on VAIC activities. Default `en-US`. */
  readonly language?: string
  /** Outbound (dial-out) call metadata for the start event. */
  readonly dialoutMetadata?: Readonly<Record<string, unknown>>
  /**
   * An outbound call that rings: false sends no `start` event after `session.accepted` (the callee has not answered);
   * {@link VaicSimulator.answer} sends it later, {@link VaicSimulator.endAs} ends the call unanswered. Default true.
   */
  readonly answered?: boolean
  /**
   * Machine detection in `detect` mode found an answering machine; VAIC may report it as a `start` parameter
   * (`machineDetection: "machine"`) or as an event activity after the start (`machineDetection`, value "machine").
   */
  readonly machineAnswers?: 'start-param' | 'event'
  /**
   * This VoiceAI Connect has TTS of its own configured for the bot: a `message` activity's text is spoken to the
   * caller (recorded in `texts` with `spoken: true`), not just warned about. Real deployments differ; default false.
   */
  readonly tts?: boolean
  /** Custom start-event parameters. */
  readonly startParameters?: Readonly<Record<string, unknown>>
  /** Offered formats, in preference order. Default `raw/lpcm16`, `raw/mulaw`, `raw/lpcm16_24`. */
  readonly supportedMediaFormats?: readonly AcMediaFormat[]
  /**
   * Send `session.initiate` without `supportedMediaFormats` (a VAIC that leaves it out): the bot must then accept
   * `raw/lpcm16`, the format AudioCodes' SDK assumes.
   */
  readonly omitMediaFormats?: boolean
  /** `expectAudioMessages` in `session.initiate` (default true; false = VAIC does the TTS and expects text). */
  readonly expectAudioMessages?: boolean
  /**
   * After `session.resume`: `restart` sends a fresh `userStream.start` (default); `continue` goes on streaming the
   * caller's audio without one, as a VAIC that considers the stream still open may do.
   */
  readonly resumeUserStream?: 'restart' | 'continue'
  /**
   * What makes VAIC barge in (with barge-in on): `speech.started` or a hypothesis (default), only a hypothesis with
   * at least one word (VAIC's `bargeInMinWordCount` is 1 by default), or only `speech.started`.
   */
  readonly bargeInTrigger?: 'speech-or-hypothesis' | 'hypothesis' | 'speech-started'
  /** User-stream chunk length, 20–100 ms. Default 20. */
  readonly chunkMs?: number
  /** Pace caller audio at 1× on absolute deadlines (default true); false sends as fast as the socket allows. */
  readonly realtime?: boolean
  /** While the user stream is open and the caller says nothing, keep sending silence (default: `realtime`). */
  readonly idleSilence?: boolean
  /** Open the user stream right after the start event / a resume, as VAIC does with barge-in (default true). */
  readonly autoUserStream?: boolean
  /** Barge-in at call start (default true). A bot `config` with `bargeIn` changes it unless `followConfigBargeIn` is false. */
  readonly bargeIn?: boolean
  readonly followConfigBargeIn?: boolean
  /** How long the bot has to answer session.initiate/resume, userStream.start/stop, connection.validate. Default 5000. */
  readonly replyTimeoutMs?: number
  /** Connect timeout. Default 10000. */
  readonly connectTimeoutMs?: number
  /** On a bot `hangup`: end the call with session.end (default) or only record it. */
  readonly onBotHangup?: 'end' | 'ignore'
  /** On a bot `transfer`: end the call with session.end (default), or reply with this `transferStatus`. */
  readonly onTransfer?: 'end' | TransferReply
  /** session.end reason codes (spec §5; the ones VAIC uses for these cases are inferred). */
  readonly reasonCodes?: { readonly botHangup?: string; readonly transfer?: string }
  /** Observes audio at the socket edge, with `performance.now()` (relay latency in the demo and benchmarks). */
  readonly tap?: { readonly sent?: (audio: string, t: number) => void; readonly received?: (audio: string, t: number) => void }
}

/** A failed connection: the HTTP status of a refused upgrade, or the code of the error that kept it from one. */
export type ConnectResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: number | undefined; readonly error: string; readonly cause?: string | undefined }

export type SessionResult =
  | { readonly ok: true; readonly mediaFormat: AcMediaFormat }
  | { readonly ok: false; readonly reason: string; readonly status?: number | undefined; readonly cause?: string | undefined }

export type EndedBy = 'caller' | 'bot-hangup' | 'transfer' | 'drop' | 'session-error' | 'bot-closed' | 'no-answer'

export type Ended = {
  readonly by: EndedBy
  readonly t: number
  readonly reasonCode?: string
  readonly reason?: string
  readonly closeCode?: number
  /** For `drop`: how the socket was killed. */
  readonly dropMethod?: 'terminate' | 'close-4000'
}

/** A text `message` activity of the bot: what VAIC would speak with its own TTS or show (channel-dependent). */
/** A `message` activity; `spoken`: VAIC's own TTS said it to the caller (option `tts`). */
export type TextRecord = { readonly t: number; readonly socket: number; readonly text: string; readonly spoken: boolean }

export type StreamRecord = {
  readonly id: string
  readonly format: string
  readonly altText: string | undefined
  readonly socket: number
  readonly startedAt: number
  readonly firstChunkAt: number | undefined
  readonly stoppedAt: number | undefined
  readonly finishedAt: number | undefined
  readonly open: boolean
  readonly lost: boolean
  readonly chunks: number
  readonly bytes: number
  readonly durationMs: number
  readonly heardMs: number
  /** Decoded tone-modem text of the whole stream. */
  readonly text: string
  /** Decoded text of the part the caller heard. */
  readonly heardText: string
  readonly interrupted: boolean
  readonly interruptedBy: CutReason | undefined
  readonly interruptedAt: number | undefined
}

/** What to say: modem text, PCM at a rate, a WAV file's bytes, or a WAV file's path. */
export type Utterance = string | { readonly samples: Int16Array; readonly rate: number } | { readonly wav: Uint8Array } | { readonly wavFile: string }

type Phase = 'new' | 'connecting' | 'validating' | 'validated' | 'initiating' | 'active' | 'dropped' | 'ended'
type UserStreamState = 'closed' | 'starting' | 'open' | 'stopping'
type Waiter = { readonly types: ReadonlySet<string>; readonly resolve: (m: BotMessage | undefined) => void }

const DEFAULT_FORMATS: readonly AcMediaFormat[] = ['raw/lpcm16', 'raw/mulaw', 'raw/lpcm16_24']
/** What a session.initiate without supportedMediaFormats implies (AudioCodes' SDK always answers it). */
const IMPLIED_FORMATS: readonly AcMediaFormat[] = ['raw/lpcm16']
const POLL_MS = 20

export class VaicSimulator {
  readonly conversationId: string
  readonly offeredFormats: readonly AcMediaFormat[]
  private readonly opts: VaicSimulatorOptions
  private readonly events: EventLog
  private t0: number | undefined
  private ws: WebSocket | undefined
  private socketNo = 0
  private phase: Phase = 'new'
  private waiters: Waiter[] = []
  private timers = new Set<ReturnType<typeof setTimeout>>()
  private accepted: AcMediaFormat | undefined
  private encoder: CallerEncoder | undefined
  private queue: VoiceQueue | undefined
  private us: UserStreamState = 'closed'
  private usTransition: Promise<boolean> | undefined
  private pumpGen = 0
  /** Barge-in-off mode stopped the user stream for the bot's turn; it reopens once playback is over. */
  private pausedForBot = false
  private bargeInOn: boolean
  private params: Record<string, unknown> = {}
  private readonly model: PlaybackModel
  private readonly streamList: BotStream[] = []
  private readonly textList: TextRecord[] = []
  private readonly streamKeys = new Map<string, BotStream>()
  private readonly usedIds = new Set<string>()
  private openStream: BotStream | undefined
  private finishTimer: ReturnType<typeof setTimeout> | undefined
  private endedInfo: Ended | undefined
  private sessionErrorReason: string | undefined
  private closingByUs = false
  private streamedAudio = false
  /** The user stream was open when the socket dropped. */
  private wasStreaming = false

  constructor(options: VaicSimulatorOptions) {
    const chunkMs = options.chunkMs ?? 20
    if (!Number.isFinite(chunkMs) || chunkMs < 20 || chunkMs > 100) throw new RangeError(`chunkMs must be 20–100 (got ${chunkMs})`)
    const formats = options.omitMediaFormats ? IMPLIED_FORMATS : (options.supportedMediaFormats ?? DEFAULT_FORMATS)
    if (formats.length === 0) throw new RangeError('supportedMediaFormats must not be empty')
    this.opts = options
    this.conversationId = options.conversationId ?? crypto.randomUUID()
    this.offeredFormats = formats
    this.bargeInOn = options.bargeIn ?? true
    this.events = new EventLog(() => this.now())
    this.model = new PlaybackModel(0)
  }

  // ---- read side ---------------------------------------------------------------------------------------------------

  /** Milliseconds since the first connect (0 before it). */
  now(): number {
    return this.t0 === undefined ? 0 : performance.now() - this.t0
  }

  get log(): readonly LogEntry[] {
    return this.events.entries
  }
  get violations(): readonly Violation[] {
    return this.events.violations
  }
  get warnings(): readonly LogEntry[] {
    return this.events.warnings
  }
  /** The format the bot accepted (user-stream audio), once it has. */
  get mediaFormat(): AcMediaFormat | undefined {
    return this.accepted
  }
  /** How the call ended, once it has (a drop counts until a resume succeeds). */
  get ended(): Ended | undefined {
    return this.endedInfo
  }
  /** The reason of the bot's `session.error`, if it sent one. */
  get sessionError(): string | undefined {
    return this.sessionErrorReason
  }
  /** The session parameters the bot has set (merged `sessionParams` of every activity). */
  get sessionParams(): Readonly<Record<string, unknown>> {
    return this.params
  }
  get bargeIn(): boolean {
    return this.bargeInOn
  }
  get userStreamOpen(): boolean {
    return this.us === 'open'
  }
  /** True while the bot has a play stream open (started, not yet stopped). */
  get playStreamOpen(): boolean {
    return this.openStream !== undefined
  }
  /** True while the caller hears bot audio. */
  get playing(): boolean {
    return this.model.playing(this.now())
  }

  /** Milliseconds of the stream the caller has heard so far. */
  heardMs(streamId: string): number {
    const s = this.findStream(streamId)
    return s ? this.model.heardMs(s.key, this.now()) : 0
  }

  /** Every play stream so far, in the order the bot opened them, with what the caller heard of each. */
  get streams(): StreamRecord[] {
    const now = this.now()
    this.collectFinished()
    return this.streamList.map((s) => this.record(s, now))
  }

  /** Every text `message` activity the bot sent, in order. */
  get texts(): readonly TextRecord[] {
    return this.textList
  }

  /** The stream's audio (PCM16 at its rate), or undefined for an unknown id. */
  streamAudio(streamId: string): { samples: Int16Array; rate: number } | undefined {
    const s = this.findStream(streamId)
    return s ? { samples: s.pcm(), rate: s.rate } : undefined
  }

  formatLog(options?: FormatOptions): string {
    return formatLog(this.events.entries, options)
  }

  /** Throws, listing every violation with its message, when there is any. */
  assertNoViolations(): void {
    if (this.events.violations.length === 0) return
    const lines = this.events.violations.map(
      (v) => `  +${v.t.toFixed(1)} ms #${v.socket} [${v.rule}] ${v.detail}${v.message === undefined ? '' : ` — ${typeof v.message === 'string' ? v.message.slice(0, 300) : JSON.stringify(v.message).slice(0, 300)}`}`,
    )
    throw new Error(`VAIC simulator recorded ${lines.length} protocol violation(s):\n${lines.join('\n')}`)
  }

  // ---- waiting -----------------------------------------------------------------------------------------------------

  /**
   * Resolves with the predicate's first truthy value, re-checking after every logged event and every 20 ms (heard
   * time grows without events). Rejects after `timeoutMs` with the log's tail in the message.
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs: number, what = 'condition'): Promise<T> {
    const first = predicate()
    if (first) return Promise.resolve(first)
    return new Promise<T>((resolve, reject) => {
      let done = false
      const finish = (fn: () => void) => {
        if (done) return
        done = true
        unsubscribe()
        clearInterval(poll)
        clearTimeout(timer)
        fn()
      }
      const check = () => {
        if (done) return
        let v: T | undefined | null | false
        try {
          v = predicate()
        } catch (err) {
          finish(() => reject(err))
          return
        }
        if (v) finish(() => resolve(v))
      }
      const unsubscribe = this.events.subscribe(check)
      const poll = setInterval(check, POLL_MS)
      const timer = setTimeout(() => {
        finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- last events ---\n${formatLog(this.events.entries.slice(-40))}`)))
      }, timeoutMs)
    })
  }

  /** The first message of `type` from the bot logged at or after log position `fromSeq` (default: any). */
  waitForMessage(type: string, timeoutMs: number, fromSeq = 0): Promise<LogEntry> {
    return this.waitFor(() => this.events.entries.find((e) => e.seq >= fromSeq && e.dir === 'in' && e.type === type), timeoutMs, `bot message ${type}`)
  }

  /**
   * Resolves with the first play stream (at index `fromStream` or later) that the bot has stopped and whose decoded
   * text contains `match` (a substring, case-insensitive, compared after the modem's normalisation) or matches it.
   */
  waitForBotSaid(match: string | RegExp, timeoutMs: number, options: { readonly fromStream?: number } = {}): Promise<StreamRecord> {
    const test = (text: string) => (typeof match === 'string' ? normalise(text).includes(normalise(match)) : match.test(text))
    return this.waitFor(
      () => {
        const now = this.now()
        for (let i = options.fromStream ?? 0; i < this.streamList.length; i++) {
          const s = this.streamList[i]!
          if (s.closed && test(s.text())) return this.record(s, now)
        }
        return undefined
      },
      timeoutMs,
      `the bot to say ${String(match)} (so far: ${this.streamList.map((s) => JSON.stringify(s.text())).join(', ') || 'nothing'})`,
    )
  }

  /** Resolves when everything the bot sent has been played (or cut) and no stream is open. */
  waitForPlaybackIdle(timeoutMs: number): Promise<true> {
    return this.waitFor(() => this.openStream === undefined && this.model.idle(this.now()), timeoutMs, 'playback to finish')
  }

  waitForEnd(timeoutMs: number): Promise<Ended> {
    return this.waitFor(() => this.endedInfo, timeoutMs, 'the call to end')
  }

  // ---- connection --------------------------------------------------------------------------------------------------

  /** Opens a socket (the first, or a new one for a resume). */
  async connect(): Promise<ConnectResult> {
    if (this.ws) throw new Error('already connected')
    this.t0 ??= performance.now()
    const url = this.url()
    const socket = ++this.socketNo
    const headers: Record<string, string> = this.opts.token !== undefined ? { Authorization: `Bearer ${this.opts.token}` } : {}
    this.phase = 'connecting'
    this.note(socket, 'connect', `${url}${this.opts.token === undefined ? ' (no Authorization header)' : ''}`)
    const ws = new WebSocket(url, { headers })
    ws.binaryType = 'nodebuffer'
    return new Promise<ConnectResult>((resolve) => {
      let opened = false
      let error: string | undefined
      const timer = setTimeout(() => {
        if (opened) return
        error = `no connection within ${this.connectTimeoutMs} ms`
        ws.terminate()
      }, this.connectTimeoutMs)
      ws.onopen = () => {
        opened = true
        clearTimeout(timer)
        this.ws = ws
        this.closingByUs = false
        this.note(socket, 'open')
        resolve({ ok: true })
      }
      ws.onerror = (e) => {
        error ??= e.message
      }
      ws.onmessage = (e) => {
        if (ws === this.ws) this.onFrame(socket, e.data)
      }
      ws.onclose = (e) => {
        clearTimeout(timer)
        if (opened) {
          this.onSocketClose(ws, socket, e.code, e.reason)
          return
        }
        this.phase = 'new'
        const known = statusFromError(error)
        const finish = (status: number | undefined, cause?: string) => {
          this.note(socket, 'refused', `${error ?? 'connection failed'}${status ? ` (HTTP ${status})` : ''}${cause ? ` [${cause}]` : ''}`)
          resolve({ ok: false, status, error: error ?? 'connection failed', cause })
        }
        if (known !== undefined) finish(known)
        else void probeConnection(url, this.opts.token, 3000).then((r) => ('status' in r ? finish(r.status) : finish(undefined, r.code)))
      }
    })
  }

  /** Validation mode (the bot-connection "Validate" button): `connection.validate` → `connection.validated{success:true}`, close. */
  async validate(): Promise<{ ok: boolean; status?: number | undefined }> {
    const c = await this.connect()
    if (!c.ok) return { ok: false, status: c.status }
    this.phase = 'validating'
    this.send({ type: 'connection.validate' })
    const reply = await this.awaitReply(['connection.validated'], 'connection.validated')
    this.phase = 'validated'
    this.closeSocket(1000, 'validated')
    if (!reply || reply.type !== 'connection.validated') return { ok: false }
    if (!reply.success) {
      this.events.violation(this.socketNo, 'validation-failed', 'connection.validated with success:false', reply)
      return { ok: false }
    }
    return { ok: true }
  }

  /** Connects and starts the call: `session.initiate`, then the `start` event (and the user stream). */
  async startCall(): Promise<SessionResult> {
    const c = await this.connect()
    if (!c.ok) return { ok: false, reason: `upgrade refused: ${c.error}`, status: c.status, cause: c.cause }
    return this.initiate()
  }

  /** On a connected socket: `session.initiate` → `session.accepted` (or `session.error`) → `activities[start]`. */
  async initiate(): Promise<SessionResult> {
    if (!this.ws) throw new Error('connect() first')
    this.phase = 'initiating'
    this.send({
      type: 'session.initiate',
      conversationId: this.conversationId,
      botName: this.opts.botName ?? 'fastagent',
      caller: this.opts.caller ?? '+14155550123',
      ...(this.opts.calleeInInitiate ? { callee: this.opts.callee ?? '+18005550100' } : {}),
      expectAudioMessages: this.opts.expectAudioMessages ?? true,
      ...(this.opts.omitMediaFormats ? {} : { supportedMediaFormats: this.offeredFormats }),
    })
    const reply = await this.awaitReply(['session.accepted', 'session.error'], 'session.accepted')
    const result = this.afterSessionReply(reply, undefined)
    if (!result.ok) return result
    if (this.opts.answered ?? true) await this.answer()
    return result
  }

  /** The callee answers: the `start` event (with a machine-detection verdict if configured), then the user stream. */
  async answer(): Promise<void> {
    if (this.phase !== 'active') throw new Error('answer() needs an accepted session')
    const machineParam = this.opts.machineAnswers === 'start-param' ? { machineDetection: 'machine' } : {}
    const details = this.startDetails()
    this.send({ type: 'activities', conversationId: this.conversationId, activities: [startEvent(this.conversationId, this.language, { ...details, custom: { ...details.custom, ...machineParam } })] })
    if (this.opts.machineAnswers === 'event') {
      this.send({ type: 'activities', conversationId: this.conversationId, activities: [vaicEvent('machineDetection', this.language, { value: 'machine' })] })
    }
    if (this.opts.autoUserStream ?? true) await this.startUserStream()
  }

  /** VAIC ends the call with this reason code (e.g. an outbound call's `no-answer`, `busy`, `declined`). */
  async endAs(reasonCode: string, reason = ''): Promise<void> {
    if (this.phase !== 'active') return
    this.endCall('caller', reasonCode, reason)
  }

  /**
   * A new socket after a drop: `session.resume {conversationId}` (with `supportedMediaFormats` when `withFormats`),
   * requiring `session.accepted` with the same media format as before. `url`: the new socket goes there (and stays):
   * behind a load balancer, VAIC's reconnect may reach another server than the one that had the call.
   */
  async resume(options: { readonly withFormats?: boolean; readonly url?: string } = {}): Promise<SessionResult> {
    if (!this.accepted) throw new Error('resume needs a call that was accepted')
    if (this.ws) throw new Error('resume needs the old socket gone: drop() first')
    if (options.url !== undefined) this.movedTo = options.url
    const c = await this.connect()
    if (!c.ok) return { ok: false, reason: `upgrade refused: ${c.error}`, status: c.status }
    this.phase = 'initiating'
    this.send(
      options.withFormats
        ? { type: 'session.resume', conversationId: this.conversationId, supportedMediaFormats: this.offeredFormats }
        : { type: 'session.resume', conversationId: this.conversationId },
    )
    const reply = await this.awaitReply(['session.accepted', 'session.error'], 'session.accepted')
    const result = this.afterSessionReply(reply, this.accepted)
    if (!result.ok) return result
    this.endedInfo = undefined
    this.note(this.socketNo, 'resumed')
    if (this.opts.resumeUserStream === 'continue' && this.wasStreaming) {
      // The stream VAIC had open goes on over the new socket, no userStream.start.
      this.note(this.socketNo, 'user-stream-continues', 'no userStream.start after session.resume')
      this.us = 'open'
      this.encoder?.startStream()
      void this.pump(++this.pumpGen)
    } else if (this.opts.autoUserStream ?? true) await this.startUserStream()
    return result
  }

  // ---- user stream -------------------------------------------------------------------------------------------------

  /** `userStream.start`, then waits for `userStream.started` (a timeout is a violation). True when the stream is open. */
  startUserStream(): Promise<boolean> {
    if (this.us === 'open') return Promise.resolve(true)
    if (this.us === 'starting' && this.usTransition) return this.usTransition
    const run = async (): Promise<boolean> => {
      if (this.us === 'stopping' && this.usTransition) await this.usTransition
      if (this.phase !== 'active' || !this.ws) return false
      this.us = 'starting'
      this.send({ type: 'userStream.start', conversationId: this.conversationId })
      const reply = await this.awaitReply(['userStream.started'], 'userStream.started')
      if (!reply || this.us !== 'starting') {
        if (this.us === 'starting') this.us = 'closed'
        return false
      }
      this.us = 'open'
      this.encoder?.startStream()
      void this.pump(++this.pumpGen)
      return true
    }
    const p = run().finally(() => {
      if (this.usTransition === p) this.usTransition = undefined
    })
    this.usTransition = p
    return p
  }

  /** `userStream.stop`, then waits for `userStream.stopped` (a timeout is a violation). */
  stopUserStream(): Promise<boolean> {
    if (this.us === 'closed') return Promise.resolve(true)
    if (this.us === 'stopping' && this.usTransition) return this.usTransition
    const run = async (): Promise<boolean> => {
      if (this.us === 'starting' && this.usTransition) await this.usTransition
      if (this.us !== 'open' || !this.ws) return this.us === 'closed'
      this.us = 'stopping'
      this.pumpGen++
      this.queue?.interrupt()
      this.send({ type: 'userStream.stop', conversationId: this.conversationId })
      const reply = await this.awaitReply(['userStream.stopped'], 'userStream.stopped')
      if (this.us === 'stopping') this.us = 'closed'
      return reply !== undefined
    }
    const p = run().finally(() => {
      if (this.usTransition === p) this.usTransition = undefined
    })
    this.usTransition = p
    return p
  }

  /**
   * The caller speaks: modem-encoded text, PCM (resampled to the accepted format), or a WAV file. Opens the user
   * stream if needed. Resolves once the audio has been sent (at 1× in real-time mode).
   */
  async say(what: Utterance): Promise<SayResult> {
    const queue = this.requireQueue()
    const samples = await this.toSamples(what)
    this.note(this.socketNo, 'caller-says', typeof what === 'string' ? JSON.stringify(what) : `${((samples.length * 1000) / this.encoder!.rate).toFixed(0)} ms of audio`)
    const p = queue.push(samples)
    this.ensureStreaming(queue)
    return p
  }

  /** The caller stays silent for `ms` (silence is sent on the user stream). */
  silence(ms: number): Promise<SayResult> {
    const queue = this.requireQueue()
    const p = queue.push(new Int16Array(this.encoder!.samplesFor(ms)))
    this.ensureStreaming(queue)
    return p
  }

  // ---- caller actions ----------------------------------------------------------------------------------------------

  /** A DTMF event. VAIC only sends it when the bot enabled `sendDTMF`; pass `force` to send it anyway. */
  dtmf(digits: string, options: { readonly force?: boolean } = {}): boolean {
    if (!/^[0-9*#A-Da-d]{1,32}$/.test(digits)) throw new RangeError(`not DTMF digits: ${JSON.stringify(digits)}`)
    if (this.params.sendDTMF !== true && !options.force) {
      this.note(this.socketNo, 'dtmf-suppressed', `DTMF ${digits} not sent: the bot did not enable sendDTMF`)
      return false
    }
    return this.sendEvent('DTMF', { value: digits })
  }

  /** A `noUserInput` event (needs `sendEventsToBot` ∋ `noUserInput` unless forced). */
  noUserInput(count: number, options: { readonly force?: boolean } = {}): boolean {
    if (!this.eventEnabled('noUserInput') && !options.force) {
      this.note(this.socketNo, 'event-suppressed', 'noUserInput not sent: not in sendEventsToBot')
      return false
    }
    return this.sendEvent('noUserInput', { value: count })
  }

  /** Reports the outcome of a transfer the bot asked for. */
  transferStatus(status: string, reasonCode?: string, reason?: string): boolean {
    return this.sendEvent('transferStatus', {
      value: { status, ...(reasonCode !== undefined ? { reasonCode } : {}), ...(reason !== undefined ? { reason } : {}) },
    })
  }

  /** Any VAIC event activity (for cases the helpers above do not cover). */
  sendEvent(name: string, extra: { readonly value?: unknown; readonly parameters?: Readonly<Record<string, unknown>> } = {}): boolean {
    if (this.phase !== 'active') return false
    return this.send({ type: 'activities', conversationId: this.conversationId, activities: [vaicEvent(name, this.language, extra)] })
  }

  /** The caller hangs up: `session.end {client-disconnected, "Client Side"}`, then close. */
  async hangup(): Promise<void> {
    if (this.phase !== 'active') return
    this.endCall('caller', 'client-disconnected', 'Client Side')
  }

  /**
   * The connection dies without `session.end` (network fault): the socket is terminated (no close handshake) where the
   * client supports it, else closed with 4000. The call itself stays up: {@link resume} may follow.
   */
  async drop(): Promise<'terminate' | 'close-4000'> {
    const ws = this.ws
    if (!ws) throw new Error('not connected')
    this.wasStreaming = this.us === 'open'
    this.stopCaller()
    this.closingByUs = true
    this.ws = undefined
    if (this.openStream) {
      // The stream cannot be completed any more; what VAIC already buffered keeps playing.
      this.openStream.lost = true
      this.finishStream(this.openStream)
    }
    this.phase = 'dropped'
    const canTerminate = typeof (ws as { terminate?: unknown }).terminate === 'function'
    const method = canTerminate ? 'terminate' : 'close-4000'
    if (canTerminate) ws.terminate()
    else ws.close(4000, 'simulated drop')
    this.endedInfo = { by: 'drop', t: this.now(), dropMethod: method }
    this.note(this.socketNo, 'drop', method)
    return method
  }

  /** Tears everything down without any protocol (end of a test). */
  dispose(): void {
    this.stopCaller()
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    if (this.finishTimer) clearTimeout(this.finishTimer)
    for (const w of this.waiters.splice(0)) w.resolve(undefined)
    if (this.ws) this.closeSocket(1000, 'simulator disposed')
    if (this.phase !== 'ended') this.phase = 'ended'
  }

  [Symbol.dispose](): void {
    this.dispose()
  }

  /** Writes each play stream as `<n>-<streamId>.wav` into `dir` (created). Returns the paths. */
  async saveStreams(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true })
    const paths: string[] = []
    for (const [i, s] of this.streamList.entries()) {
      const path = join(dir, `${String(i + 1).padStart(3, '0')}-${s.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.wav`)
      await Bun.write(path, s.wav())
      paths.push(path)
    }
    return paths
  }

  // ---- internals: sending ------------------------------------------------------------------------------------------

  private send(msg: VaicMessage): boolean {
    const ws = this.ws
    const socket = this.socketNo
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      this.note(socket, 'send-failed', `${msg.type}: socket not open`)
      return false
    }
    // Stamped before the write, so the measured relay latency includes our own send.
    if (msg.type === 'userStream.chunk') this.opts.tap?.sent?.(msg.audioChunk, performance.now())
    ws.send(JSON.stringify(msg))
    if (msg.type === 'userStream.chunk') this.streamedAudio = true
    this.events.add({ socket, dir: 'out', type: msg.type, message: msg as unknown as Record<string, unknown> })
    return true
  }

  private note(socket: number, type: string, text?: string): void {
    this.events.add(text === undefined ? { socket, dir: 'note', type } : { socket, dir: 'note', type, text })
  }

  private warn(type: string, text: string, msg?: Readonly<Record<string, unknown>>): void {
    this.events.add({ socket: this.socketNo, dir: 'warning', type, text, ...(msg ? { message: msg } : {}) })
  }

  private violation(rule: ViolationRule, detail: string, msg?: Readonly<Record<string, unknown>> | string): void {
    this.events.violation(this.socketNo, rule, detail, msg)
  }

  /** Waits for one of `types` from the bot; a timeout is a violation. */
  private awaitReply(types: readonly string[], what: string): Promise<BotMessage | undefined> {
    const timeoutMs = this.opts.replyTimeoutMs ?? 5000
    return new Promise((resolve) => {
      const waiter: Waiter = {
        types: new Set(types),
        resolve: (m) => {
          clearTimeout(timer)
          this.timers.delete(timer)
          resolve(m)
        },
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        this.waiters = this.waiters.filter((w) => w !== waiter)
        this.violation('timeout', `no ${what} within ${timeoutMs} ms`)
        resolve(undefined)
      }, timeoutMs)
      this.timers.add(timer)
      this.waiters.push(waiter)
    })
  }

  private offerToWaiters(msg: BotMessage): boolean {
    const i = this.waiters.findIndex((w) => w.types.has(msg.type))
    if (i < 0) return false
    const [w] = this.waiters.splice(i, 1)
    w!.resolve(msg)
    return true
  }

  private afterSessionReply(reply: BotMessage | undefined, previous: AcMediaFormat | undefined): SessionResult {
    if (!reply) {
      this.phase = 'ended'
      this.endedInfo = { by: 'no-answer', t: this.now(), reason: 'no reply to session.initiate/resume' }
      this.closeSocket(1000, 'no session reply')
      return { ok: false, reason: 'no session.accepted or session.error in time' }
    }
    if (reply.type === 'session.error') {
      this.sessionErrorReason = reply.reason
      this.phase = 'ended'
      this.endedInfo = { by: 'session-error', t: this.now(), reason: reply.reason }
      // VAIC drops the call and closes the socket after session.error.
      this.closeSocket(1000, 'session.error')
      return { ok: false, reason: reply.reason }
    }
    if (reply.type !== 'session.accepted') return { ok: false, reason: `unexpected ${reply.type}` }
    const format = reply.mediaFormat
    if (!isAcMediaFormat(format) || !this.offeredFormats.includes(format)) {
      this.violation('format-not-offered', `session.accepted chose ${JSON.stringify(format)}, not one of ${this.offeredFormats.join(', ')}`, reply)
      this.phase = 'ended'
      this.endedInfo = { by: 'session-error', t: this.now(), reason: 'accepted format not offered' }
      this.closeSocket(1000, 'bad mediaFormat')
      return { ok: false, reason: `accepted format ${format} was not offered` }
    }
    if (previous !== undefined && format !== previous) {
      this.violation('resume-format-changed', `session.accepted on resume chose ${format}; the call uses ${previous}`, reply)
    }
    this.accepted = previous ?? format
    this.encoder ??= new CallerEncoder(this.accepted)
    this.queue ??= new VoiceQueue(this.encoder.rate)
    this.phase = 'active'
    return { ok: true, mediaFormat: this.accepted }
  }

  private closeSocket(code: number, reason: string): void {
    const ws = this.ws
    if (!ws) return
    this.closingByUs = true
    this.ws = undefined
    ws.close(code, reason)
  }

  /** Sends session.end and closes: the call is over. */
  private endCall(by: EndedBy, reasonCode: string, reason: string): void {
    const now = this.now()
    this.cutPlayback(by === 'transfer' ? 'transfer' : 'hangup', now)
    this.stopCaller()
    this.send({ type: 'session.end', conversationId: this.conversationId, reasonCode, reason })
    this.phase = 'ended'
    this.endedInfo = { by, t: now, reasonCode, reason }
    this.closeSocket(1000, 'session ended')
  }

  /** Stops the caller's audio: pump stopped, unsent utterances settled. */
  private stopCaller(): void {
    this.pumpGen++
    this.us = 'closed'
    this.pausedForBot = false
    this.queue?.clear()
    for (const w of this.waiters.splice(0)) w.resolve(undefined)
  }

  private requireQueue(): VoiceQueue {
    if (!this.queue || !this.encoder) throw new Error('the call has no accepted media format yet: startCall() first')
    return this.queue
  }

  private ensureStreaming(queue: VoiceQueue): void {
    if (this.phase !== 'active') {
      queue.clear()
      return
    }
    if (this.us === 'closed' && !this.pausedForBot && !this.bargeInOn && (this.openStream !== undefined || this.model.playing(this.now()))) {
      // Barge-in off: VAIC takes no caller audio while the bot speaks; the utterance waits for the end of playback.
      this.pausedForBot = true
      this.note(this.socketNo, 'user-stream-paused', 'caller waits for the bot to finish (barge-in off)')
      return
    }
    if (this.us === 'closed' && !this.pausedForBot) {
      void this.startUserStream().then((ok) => {
        if (!ok && this.us === 'closed' && !this.pausedForBot) queue.clear()
      })
    }
  }

  private async toSamples(what: Utterance): Promise<Int16Array> {
    const rate = this.encoder!.rate
    if (typeof what === 'string') return encodeText(what, rate)
    if ('samples' in what) return resampleTo(what.samples, what.rate, rate)
    const bytes = 'wav' in what ? what.wav : new Uint8Array(await Bun.file(what.wavFile).arrayBuffer())
    const w = decodeWav(bytes)
    return resampleTo(w.samples, w.rate, rate)
  }

  /** Sends the caller's audio while the user stream is open: paced at 1× or as fast as the socket drains. */
  private async pump(gen: number): Promise<void> {
    const encoder = this.encoder!
    const queue = this.queue!
    const chunkMs = this.opts.chunkMs ?? 20
    const n = encoder.samplesFor(chunkMs)
    const realtime = this.opts.realtime ?? true
    const idle = this.opts.idleSilence ?? realtime
    const pacer = new Pacer(chunkMs)
    let burst = 0
    const live = () => this.pumpGen === gen && this.us === 'open' && this.ws !== undefined
    while (live()) {
      if (realtime) {
        if (!idle && queue.empty) {
          await queue.waitForAudio()
          pacer.reset()
          continue
        }
        await pacer.tick()
        if (!live()) break
        const c = queue.take(n, true)
        if (!c) continue
        this.send({ type: 'userStream.chunk', conversationId: this.conversationId, audioChunk: encoder.encode(c.samples) })
        c.done()
      } else {
        const c = queue.take(n, false)
        if (!c) {
          await queue.waitForAudio()
          continue
        }
        this.send({ type: 'userStream.chunk', conversationId: this.conversationId, audioChunk: encoder.encode(c.samples) })
        c.done()
        // Let the bot's replies in between bursts, and respect the socket's buffer.
        const buffered = this.ws?.bufferedAmount ?? 0
        if (++burst >= 10 || buffered > 1 << 20) {
          burst = 0
          await Bun.sleep(buffered > 1 << 20 ? 5 : 0)
        }
      }
    }
  }

  // ---- internals: receiving ----------------------------------------------------------------------------------------

  private onFrame(socket: number, data: unknown): void {
    const parsed = parseBotMessage(data)
    if (!parsed.ok) {
      let msg: Record<string, unknown> | undefined
      let raw: string
      if (typeof data === 'string') {
        raw = data
        try {
          const v: unknown = JSON.parse(data)
          if (v !== null && typeof v === 'object' && !Array.isArray(v)) msg = v as Record<string, unknown>
        } catch {
          msg = undefined
        }
      } else {
        raw = `<binary frame of ${(data as { byteLength?: number }).byteLength ?? '?'} bytes>`
      }
      const type = typeof msg?.type === 'string' ? msg.type : '?'
      this.events.add({ socket, dir: 'in', type, ...(msg ? { message: msg } : { raw: raw.slice(0, 2000) }) })
      this.events.violation(socket, parsed.rule, parsed.reason, msg ?? raw.slice(0, 2000))
      return
    }
    const msg = parsed.msg
    this.events.add({ socket, dir: 'in', type: msg.type, message: msg as unknown as Record<string, unknown> })
    if (msg.conversationId !== undefined && msg.conversationId !== this.conversationId) {
      this.violation('conversation-id-mismatch', `conversationId ${JSON.stringify(msg.conversationId)} is not this call's`, msg as unknown as Record<string, unknown>)
    }
    this.dispatch(msg)
  }

  private dispatch(msg: BotMessage): void {
    const m = msg as unknown as Record<string, unknown>
    // After our session.end (or a drop) the bot's in-flight messages are expected; they are logged, not judged.
    if (this.phase === 'ended' || this.phase === 'dropped') return
    if (this.phase === 'validating') {
      if (msg.type === 'connection.validated' && this.offerToWaiters(msg)) return
      this.violation('out-of-order', `${msg.type} in answer to connection.validate`, m)
      return
    }
    if (this.phase === 'initiating') {
      if ((msg.type === 'session.accepted' || msg.type === 'session.error') && this.offerToWaiters(msg)) return
      this.violation('out-of-order', `${msg.type} before session.accepted`, m)
      return
    }
    if (this.phase !== 'active') {
      this.violation('out-of-order', `${msg.type} outside a call`, m)
      return
    }
    const now = this.now()
    switch (msg.type) {
      case 'connection.validated':
      case 'session.accepted':
        this.violation('unsolicited', `${msg.type} during an accepted call`, m)
        return
      case 'session.error':
        // A fatal error mid-call: VAIC drops the call.
        this.sessionErrorReason = msg.reason
        this.stopCaller()
        this.phase = 'ended'
        this.endedInfo = { by: 'session-error', t: now, reason: msg.reason }
        this.closeSocket(1000, 'session.error')
        return
      case 'userStream.started':
        if (this.us === 'starting' && this.offerToWaiters(msg)) return
        this.violation('unsolicited', `userStream.started without a pending userStream.start (user stream is ${this.us})`, m)
        return
      case 'userStream.stopped':
        if (this.us === 'stopping' && this.offerToWaiters(msg)) return
        this.violation('unsolicited', `userStream.stopped without a pending userStream.stop (user stream is ${this.us})`, m)
        return
      case 'userStream.speech.started':
        this.speechCheck(msg.type)
        if (this.bargeInOn && this.opts.bargeInTrigger !== 'hypothesis') this.cutPlayback('barge-in', now)
        return
      case 'userStream.speech.hypothesis': {
        this.speechCheck(msg.type)
        const words = msg.alternatives[0]?.text.trim().split(/\s+/).filter(Boolean).length ?? 0
        if (this.bargeInOn && this.opts.bargeInTrigger !== 'speech-started' && words >= 1) this.cutPlayback('barge-in', now)
        return
      }
      case 'userStream.speech.stopped':
        this.speechCheck(msg.type)
        return
      case 'userStream.speech.recognition':
      case 'userStream.speech.committed':
        this.speechCheck(msg.type)
        // Barge-in off: a final recognition ends the caller's turn, VAIC stops the stream (spec §2.3).
        if (!this.bargeInOn) this.pauseForBot(`after ${msg.type}`)
        return
      case 'playStream.start':
        this.onPlayStart(msg, now)
        return
      case 'playStream.chunk':
        this.onPlayChunk(msg, now)
        return
      case 'playStream.stop':
        this.onPlayStop(msg, now)
        return
      case 'activities':
        for (const a of msg.activities) this.onActivity(a, m)
        return
    }
  }

  /** Speech events before the caller sent any audio are odd (a bot reacting to nothing): worth a warning. */
  private speechCheck(type: string): void {
    if (!this.streamedAudio) this.warn('speech-without-audio', `${type} before any caller audio was streamed`)
  }

  private onPlayStart(msg: Extract<BotMessage, { type: 'playStream.start' }>, now: number): void {
    const m = msg as unknown as Record<string, unknown>
    if (this.openStream) {
      this.violation('two-streams-open', `playStream.start ${JSON.stringify(msg.streamId)} while stream ${JSON.stringify(this.openStream.id)} is still open`, m)
      // Model the old stream as ended so playback stays meaningful.
      this.finishStream(this.openStream)
    }
    let key = msg.streamId
    if (this.usedIds.has(msg.streamId)) {
      this.violation('stream-id-reused', `streamId ${JSON.stringify(msg.streamId)} was already used in this conversation`, m)
      let n = 2
      while (this.streamKeys.has(`${msg.streamId}#${n}`)) n++
      key = `${msg.streamId}#${n}`
    }
    this.usedIds.add(msg.streamId)
    if (!isAcMediaFormat(msg.mediaFormat) || !this.offeredFormats.includes(msg.mediaFormat)) {
      this.violation('format-not-offered', `playStream.start mediaFormat ${JSON.stringify(msg.mediaFormat)} was not offered (${this.offeredFormats.join(', ')})`, m)
    }
    const s = new BotStream(key, msg.streamId, msg.mediaFormat, msg.altText, now, this.socketNo)
    this.streamList.push(s)
    this.streamKeys.set(key, s)
    this.openStream = s
    this.model.open(key, now)
    if (!this.bargeInOn) this.pauseForBot('bot playback')
    this.afterModel()
  }

  private onPlayChunk(msg: Extract<BotMessage, { type: 'playStream.chunk' }>, now: number): void {
    this.opts.tap?.received?.(msg.audioChunk, performance.now())
    const m = msg as unknown as Record<string, unknown>
    const s = this.openStream
    if (!s) {
      const known = this.streamList.some((x) => x.id === msg.streamId)
      this.violation(
        'chunk-before-start',
        known ? `playStream.chunk for stream ${JSON.stringify(msg.streamId)} after its playStream.stop` : `playStream.chunk for stream ${JSON.stringify(msg.streamId)} without playStream.start`,
        m,
      )
      return
    }
    if (s.id !== msg.streamId) {
      this.violation('stream-id-mismatch', `playStream.chunk for ${JSON.stringify(msg.streamId)} while the open stream is ${JSON.stringify(s.id)}`, m)
      return
    }
    if (!STRICT_BASE64.test(msg.audioChunk)) {
      this.violation('bad-audio', 'playStream.chunk audioChunk is not valid (non-empty, padded, standard) base64', { ...m, audioChunk: `${msg.audioChunk.slice(0, 60)}…` })
      return
    }
    const r = s.push(base64ToBytes(msg.audioChunk), now)
    if (r.problem) this.violation('bad-audio', `stream ${JSON.stringify(s.id)}: ${r.problem}`, { ...m, audioChunk: `<${msg.audioChunk.length} b64 chars>` })
    this.model.audio(s.key, r.ms, now)
    this.afterModel()
  }

  private onPlayStop(msg: Extract<BotMessage, { type: 'playStream.stop' }>, now: number): void {
    const m = msg as unknown as Record<string, unknown>
    const s = this.openStream
    if (!s) {
      this.violation('out-of-order', `playStream.stop for ${JSON.stringify(msg.streamId)} with no stream open`, m)
      return
    }
    if (s.id !== msg.streamId) {
      this.violation('stream-id-mismatch', `playStream.stop for ${JSON.stringify(msg.streamId)} while the open stream is ${JSON.stringify(s.id)}`, m)
      return
    }
    s.stoppedAt = now
    this.finishStream(s)
  }

  /** The stream gets no more audio (stop, lost, superseded): its text is final; the model plays out what is queued. */
  private finishStream(s: BotStream): void {
    s.close()
    if (this.openStream === s) this.openStream = undefined
    this.model.stop(s.key, this.now())
    this.afterModel()
  }

  private cutPlayback(reason: CutReason, now: number): void {
    if (!this.model.playing(now)) {
      this.collectFinished()
      return
    }
    for (const c of this.model.cut(reason, now)) {
      const s = this.streamKeys.get(c.id)
      this.note(this.socketNo, reason, `stream ${JSON.stringify(s?.id ?? c.id)} cut after ${c.heardMs.toFixed(0)} ms heard${s ? ` (${JSON.stringify(s.textWithin(c.heardMs))})` : ''}`)
    }
    this.afterModel()
  }

  /** Barge-in off: VAIC withholds caller audio during the bot's turn. */
  private pauseForBot(why: string): void {
    if (this.pausedForBot) return
    if (this.us === 'closed') return
    this.pausedForBot = true
    this.note(this.socketNo, 'user-stream-paused', why)
    void this.stopUserStream()
  }

  private collectFinished(): void {
    for (const f of this.model.takeFinished()) {
      const s = this.streamKeys.get(f.id)
      if (!s) continue
      s.finishedAt = f.at
      this.note(this.socketNo, 'play-finished', `stream ${JSON.stringify(s.id)}: heard ${f.heardMs.toFixed(0)} of ${s.durationMs.toFixed(0)} ms${f.cut ? ` (cut by ${f.cut})` : ''}`)
      if (this.eventEnabled('playFinished') && this.phase === 'active') {
        this.sendEvent('playFinished', { value: { streamId: s.id }, parameters: { streamId: s.id } })
      }
    }
    if (this.pausedForBot && this.phase === 'active' && this.openStream === undefined && this.model.idle(this.now())) {
      this.pausedForBot = false
      this.note(this.socketNo, 'user-stream-resumed', 'bot playback finished')
      void this.startUserStream()
    }
  }

  /** After any change to the playback model: report finished streams and arm the timer for the next one. */
  private afterModel(): void {
    this.collectFinished()
    if (this.finishTimer) clearTimeout(this.finishTimer)
    this.finishTimer = undefined
    const at = this.model.nextFinishAt()
    if (at === undefined || this.phase === 'ended') return
    this.finishTimer = setTimeout(
      () => {
        this.finishTimer = undefined
        this.model.advance(this.now())
        this.afterModel()
        this.events.notify()
      },
      Math.max(0, at - this.now()) + 1,
    )
  }

  private onActivity(a: BotActivity, m: Readonly<Record<string, unknown>>): void {
    const check = checkActivity(a)
    if (!check.ok) {
      this.violation('activity', check.reason, m)
      return
    }
    if (a.sessionParams) this.applySessionParams(a.sessionParams)
    if (a.type === 'message') {
      const spoken = this.opts.tts === true
      this.textList.push({ t: this.now(), socket: this.socketNo, text: a.text ?? '', spoken })
      if (spoken) this.note(this.socketNo, 'tts-spoken', a.text ?? '')
      else this.warn('message-activity', 'text message activity in voice-streaming mode (whether VAIC speaks it is unknown; send audio)', m)
      return
    }
    if (!check.known) {
      this.warn('unknown-event', `unknown bot event ${JSON.stringify(a.name)}`, m)
      return
    }
    const params = a.activityParams ?? {}
    switch (a.name) {
      case 'hangup': {
        const reason = typeof params.hangupReason === 'string' ? params.hangupReason : 'bot hangup'
        this.note(this.socketNo, 'bot-hangup', reason)
        if ((this.opts.onBotHangup ?? 'end') === 'end') this.endCall('bot-hangup', this.opts.reasonCodes?.botHangup ?? 'bot-disconnected', reason)
        return
      }
      case 'transfer':
      case 'handover': {
        const target = String(params.transferTarget)
        this.note(this.socketNo, 'bot-transfer', target)
        const reply = this.opts.onTransfer ?? 'end'
        if (reply === 'end') this.endCall('transfer', this.opts.reasonCodes?.transfer ?? 'transferred', `transferred to ${target}`)
        else this.transferStatus(reply.status, reply.reasonCode, reply.reason)
        return
      }
      case 'config':
        return // already recorded as session-params
      case 'playUrl':
        this.warn('play-url', `playUrl ${String(params.playUrlUrl).slice(0, 100)} is not played by the simulator`, m)
        return
      default:
        this.note(this.socketNo, `bot-${a.name ?? 'event'}`)
    }
  }

  private applySessionParams(p: Readonly<Record<string, unknown>>): void {
    this.params = { ...this.params, ...p }
    if (typeof p.bargeIn === 'boolean' && (this.opts.followConfigBargeIn ?? true)) this.bargeInOn = p.bargeIn
    this.note(this.socketNo, 'session-params', JSON.stringify(p))
  }

  private eventEnabled(name: string): boolean {
    const list = this.params.sendEventsToBot
    return Array.isArray(list) && list.includes(name)
  }

  private onSocketClose(ws: WebSocket, socket: number, code: number, reason: string): void {
    const ours = this.closingByUs || ws !== this.ws
    if (ws === this.ws) this.ws = undefined
    this.note(socket, 'closed', `${code}${reason ? ` ${reason}` : ''}${ours ? '' : ' (by the bot)'}`)
    if (ours) return
    for (const w of this.waiters.splice(0)) w.resolve(undefined)
    if (this.phase === 'active' || this.phase === 'initiating') {
      this.violation('bot-closed', `the bot closed the socket (${code}) during the call; a bot ends a call with a hangup activity, and VAIC would reconnect with session.resume`)
      this.stopCaller()
      if (this.openStream) {
        this.openStream.lost = true
        this.finishStream(this.openStream)
      }
      this.phase = 'ended'
      this.endedInfo = { by: 'bot-closed', t: this.now(), closeCode: code, ...(reason ? { reason } : {}) }
    } else if (this.phase === 'validating') {
      this.violation('bot-closed', `the bot closed the socket (${code}) before connection.validated`)
    }
  }

  // ---- small helpers -----------------------------------------------------------------------------------------------

  private get language(): string {
    return this.opts.language ?? 'en-US'
  }

  private get connectTimeoutMs(): number {
    return this.opts.connectTimeoutMs ?? 10_000
  }

  /** Where a resume sent the call's socket (another server), if not `opts.url`. */
  private movedTo: string | undefined

  private url(): string {
    const base = this.movedTo ?? this.opts.url
    const q = this.opts.query
    if (!q || Object.keys(q).length === 0) return base
    const u = new URL(base)
    for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v)
    return u.toString()
  }

  private startDetails(): StartDetails {
    const caller = this.opts.caller ?? '+14155550123'
    return {
      caller,
      callerHost: this.opts.callerHost ?? 'sip.carrier.example',
      callerDisplayName: this.opts.callerDisplayName ?? caller,
      callee: this.opts.callee ?? '+18005550100',
      calleeHost: this.opts.calleeHost ?? '10.0.0.10',
      ...(this.opts.dialoutMetadata !== undefined ? { dialoutMetadata: this.opts.dialoutMetadata } : {}),
      ...(this.opts.startParameters !== undefined ? { custom: this.opts.startParameters } : {}),
    }
  }

  private findStream(streamId: string): BotStream | undefined {
    return this.streamKeys.get(streamId) ?? this.streamList.find((s) => s.id === streamId)
  }

  private record(s: BotStream, now: number): StreamRecord {
    const heardMs = this.model.heardMs(s.key, now)
    const cut = this.model.cutOf(s.key)
    return {
      id: s.id,
      format: s.format,
      altText: s.altText,
      socket: s.socket,
      startedAt: s.startedAt,
      firstChunkAt: s.firstChunkAt,
      stoppedAt: s.stoppedAt,
      finishedAt: s.finishedAt,
      open: this.openStream === s,
      lost: s.lost,
      chunks: s.chunks,
      bytes: s.bytes,
      durationMs: s.durationMs,
      heardMs,
      text: s.text(),
      heardText: s.textWithin(heardMs),
      interrupted: cut !== undefined,
      interruptedBy: cut?.reason,
      interruptedAt: cut?.at,
    }
  }
}

function normalise(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9 ]+/g, '').replace(/\s+/g, ' ').trim()
}

/**
 * The validation probe on its own: connect, `connection.validate`, require `connection.validated{success:true}`.
 *
 * @example
 * const r = await connectionValidate('ws://127.0.0.1:8080/audiocodes', 'secret')
 * expect(r.ok).toBe(true)
 */
export async function connectionValidate(
  url: string,
  token: string | undefined,
  options: { readonly replyTimeoutMs?: number } = {},
): Promise<{ ok: boolean; status: number | undefined; violations: readonly Violation[]; log: string }> {
  const sim = new VaicSimulator({ url, ...(token !== undefined ? { token } : {}), ...(options.replyTimeoutMs !== undefined ? { replyTimeoutMs: options.replyTimeoutMs } : {}) })
  try {
    const r = await sim.validate()
    return { ok: r.ok && sim.violations.length === 0, status: r.status, violations: sim.violations, log: sim.formatLog() }
  } finally {
    sim.dispose()
  }
}
