/**
 * @module call/call-session
 * One phone call: joins the phone leg (VoiceAI Connect) and the model leg (Realtime), and runs the call's lifecycle.
 *
 * Audio: caller chunks go straight to `input_audio_buffer.append` and model deltas straight to `playStream.chunk`;
 * for the passthrough formats the base64 string is moved untouched, otherwise one stateful converter per direction
 * transcodes. Nothing else happens on that path — no await, no DB write, no log line.
 *
 * Around it, three parts with one job each:
 * - playback and barge-in: {@link PlaybackController} (stream ids, the played-time estimate, truncation);
 * - the call's flow: {@link callLifecycle}, a pure table (greeting → conversing → anything else? → closing →
 *   hanging up, transfer, silence, limits, shutdown). This class is its thin driver: it turns what the legs report into
 *   typed events and carries out the effects the table returns (`dispatch` / `run`);
 * - the conversation: tool calls to the task runtime, task results spoken when the line is idle, DTMF, history.
 */
import type { Config } from '../config/schema'
import type { Business } from '../config/business/business'
import { createCallConverters, type CallConverters } from '../audio/transcoder'
import type { Logger } from '../ops/log'
import type { Activity } from '../telephony/audiocodes/messages'
import type { LegEnd, PhoneLeg, PhoneLegHandler, StartParams, TransferStatus } from '../telephony/audiocodes/phone-leg'
import { ModelLeg, type FunctionCall, type ModelLegHandler, type RealtimeMetrics } from '../realtime/model-leg'
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime'
import type { WarmSession } from '../realtime/session-pool'
import { packFor } from '../i18n/packs'
import { callInstructions, callSessionConfig } from './call-session-config'
import { replayItemEvent, type ReplayItem } from '../realtime/protocol'
import type { TaskPort, TaskUpdate, ToolAnswer } from './task-port'
import { initialSnapshot, transition, type Snapshot } from '../fsm/fsm'
import { LIFECYCLE_TOOLS, type CallEndReason } from './lifecycle'
import { CallHistory } from './call-history'
import { clipChunks, type FallbackClip } from './fallback-audio'
import {
  callLifecycle,
  initialLifecycleContext,
  type LifecycleContext,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
  type ResponsePurpose,
} from './lifecycle-machine'
import type { CallMetrics } from './metrics'
import { PlaybackController, type InterruptCause } from './playback-controller'
import type { ResponseUsage } from './call-events'
import { callerText, isFixed, type SpokenLine } from './spoken-line'
import { phraseKey, type CallPhrases } from './phrase-cache'
import type { ResponseRequest, SayRequest } from '../realtime/response-sequencer'
import { randomBytes } from 'node:crypto'
import { mapDrop, mapPut } from '../ops/sparse-map'

/** Marks for watchers (console, latency histograms): timestamps are added by the receiver; never awaited. */
export type SessionMark =
  | { readonly type: 'speech-started' | 'speech-stopped' | 'bot-audio'; readonly itemId: string }
  | { readonly type: 'barge-in' }
  /** The call's lifecycle state changed (connecting, greeting, conversing, closing, …). */
  | { readonly type: 'phase'; readonly phase: string }
  | { readonly type: 'usage'; readonly responseId: string; readonly usage: ResponseUsage }

export type Greeting = { readonly line: SpokenLine; readonly asksAnythingElse: boolean }

export type CallOutcome = {
  readonly callId: string
  readonly reason: CallEndReason
  readonly leg: LegEnd
  /** The closing flow ran (the caller was told goodbye). */
  readonly closed: boolean
}

export type CallSessionDeps = {
  readonly callId: string
  readonly conversationId: string
  readonly leg: PhoneLeg
  readonly config: Config
  readonly log: Logger
  readonly now: () => number
  readonly tasks: TaskPort
  /** The business this call is for, fixed for the whole call (a reload affects new calls only). */
  readonly business: Business
  readonly realtimeMetrics: RealtimeMetrics
  readonly metrics: CallMetrics
  /** The first line: the configured greeting, or "Welcome back! …" when this call resumes a dropped one. */
  readonly greeting: () => Promise<Greeting>
  /**
   * The earlier conversation of a call this one resumes, when the return was verified (see continuity/resume-trust):
   * replayed into the model's first session, before the greeting, and into every later one. Empty otherwise.
   */
  readonly priorHistory: readonly ReplayItem[]
  /**
   * An outbound call (our dial-out): VAIC opens the socket while the phone still rings and sends the `start` event
   * when the callee answers. Until then the model is not started and nothing is said; `onStartParams` runs first
   * (it identifies the callback and fills `priorHistory`).
   */
  readonly waitForStart?: boolean
  /** Activities the session does not handle itself (e.g. VAIC's machine-detection result). */
  readonly onActivity?: (a: Activity) => void
  readonly record: (role: 'caller' | 'bot' | 'tool' | 'agent' | 'system', text: string, meta?: Record<string, unknown>) => void
  /** The start event; an outbound call's model starts once what this returns has settled (the callback identified). */
  readonly onStartParams: (params: StartParams) => void | Promise<unknown>
  readonly onEnded: (outcome: CallOutcome) => void
  readonly mark?: (m: SessionMark) => void
  /** Call recording: each caller chunk and each bot chunk sent, in the model's format. O(1), never blocks. */
  readonly tap?: { caller(b64: string): void; bot(b64: string): void }
  /** The recorded apology played when the model cannot speak (no clip: straight to the transfer or hang-up). */
  readonly fallback?: FallbackClip
  /** A warm session for this call's config from the pool, if one is ready (REALTIME_POOL_SIZE). */
  readonly takeWarm?: (session: RealtimeSessionCreateRequest) => WarmSession | undefined
  /** The phrase cache for this call's voice, model and format (absent: every line is spoken by the model). */
  readonly phrases?: CallPhrases
}

/** A fixed line being spoken by the model whose audio is kept once the response completes intact. */
type Capture = {
  readonly responseId: string
  readonly text: string
  itemId: string | undefined
  readonly chunks: string[]
  spoiled: boolean
  /** The model's transcript matched the line (it said exactly that). */
  matched: boolean
}

/** The same event for every call (events are read, never changed). */
const LIMIT_REACHED: LifecycleEvent = Object.freeze({ type: 'limitReached' })

/** Words only, for comparing what the model said with the line it was asked to say. */
const words = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()

/** Transfer statuses that mean the transfer did not happen and the caller is still ours. */
const TRANSFER_FAILED = /fail|error|busy|no.?answer|reject/i

export class CallSession implements PhoneLegHandler, ModelLegHandler<ResponsePurpose> {
  private readonly model: ModelLeg<ResponsePurpose>
  private readonly conv: CallConverters
  private readonly passthrough: boolean
  /** The recording tap, flat on the session for the per-frame path (the deps record is one more object to reach). */
  private readonly tap: CallSessionDeps['tap']
  private readonly playback: PlaybackController
  private readonly log: Logger
  private readonly history: CallHistory
  private readonly updates: TaskUpdate[] = []
  /** Set by the lifecycle's `end` effect; read on the audio path, so a plain boolean. */
  private over = false
  private callerSpeaking = false
  private lifecycle: Snapshot<LifecycleState, LifecycleContext>
  private readonly inbox: LifecycleEvent[] = []
  private dispatching = false
  /** One field per timer (a record, not a Map: a map's table would stay allocated for the whole call). */
  private readonly timers: Record<'hangup' | 'shutdown' | 'limit', ReturnType<typeof setTimeout> | undefined> = { hangup: undefined, shutdown: undefined, limit: undefined }
  /** Read on the audio path: a plain field, undefined unless a fixed line is being captured. */
  private capture: Capture | undefined
  /** Cached lines played in this call: item id → its text (a barge-in re-creates the item cut at what was heard). */
  private localItems: Map<string, string> | undefined

  constructor(private readonly d: CallSessionDeps) {
    this.log = d.log
    const format = d.leg.mediaFormat
    this.conv = createCallConverters(format)
    this.passthrough = this.conv.plan.passthrough
    this.tap = d.tap
    this.history = new CallHistory(d.waitForStart ? [] : d.priorHistory)
    this.lifecycle = initialSnapshot(
      callLifecycle,
      initialLifecycleContext({ businessName: d.business.name, silenceReprompts: d.config.SILENCE_REPROMPTS, transferTarget: d.config.TRANSFER_TARGET, language: d.business.language, wording: d.business.wording[d.business.language] }),
    )
    this.model = new ModelLeg<ResponsePurpose>({
      url: d.config.OPENAI_REALTIME_URL,
      model: d.config.OPENAI_REALTIME_MODEL,
      apiKey: d.config.OPENAI_API_KEY ?? '',
      session: () => this.sessionConfig(),
      history: () => this.history.replay(this.d.tasks.statusLines()),
      handler: this,
      log: d.log,
      metrics: d.realtimeMetrics,
      now: d.now,
      rotateAfterMs: d.config.SESSION_ROTATE_MINUTES * 60_000,
      isQuiet: () => !this.callerSpeaking && !this.playback.audible(),
      // With server_vad the session has an idle timeout, so the server can never be silent much longer than it.
      ...(d.config.TURN_DETECTION === 'server_vad' ? { quietLimitMs: d.config.SILENCE_TIMEOUT_SECONDS * 1000 + 10_000 } : {}),
      ...(d.phrases?.cache.enabled ? { playLocal: (r: SayRequest<ResponsePurpose>) => this.playCached(r) } : {}),
    })
    this.playback = new PlaybackController({
      leg: d.leg,
      // A cached line is a text item on the model's side: it cannot be audio-truncated (see cutLocal).
      model: {
        truncate: (itemId, ms) => (this.localItems?.has(itemId) ? this.cutLocal(itemId, ms) : this.model.truncate(itemId, ms)),
        deleteItem: (itemId) => {
          this.localItems = mapDrop(this.localItems, itemId)
          this.model.deleteItem(itemId)
        },
      },
      format,
      converter: this.passthrough ? undefined : this.conv.toCaller,
      playoutDelayMs: d.config.PLAYOUT_DELAY_MS,
      // Played time is tracked in the model's output audio: μ-law 8 bytes/ms, PCM16 24 kHz 48 bytes/ms.
      bytesPerMs: this.conv.plan.openai.type === 'audio/pcmu' ? 8 : 48,
      now: d.now,
      ...(d.mark ? { onItemStart: (itemId: string) => d.mark?.({ type: 'bot-audio', itemId }) } : {}),
      ...(d.tap ? { tap: (b64: string) => d.tap?.bot(b64) } : {}),
    })
    this.arm('limit', d.config.MAX_CALL_MINUTES * 60_000, LIMIT_REACHED)
  }

  /** `session.accepted` is out: tell VAIC what this call needs and start the model leg. */
  accepted(): void {
    this.d.leg.configure({
      bargeIn: true,
      sendDTMF: true,
      sendEventsToBot: ['playFinished', 'noUserInput'],
      // semantic_vad has no idle timeout: VAIC's no-input timer drives the "are you still there?" prompts then.
      ...(this.d.config.TURN_DETECTION === 'semantic_vad' ? { userNoInputTimeoutMS: this.d.config.SILENCE_TIMEOUT_SECONDS * 1000 } : {}),
    })
    if (!this.d.waitForStart) this.startModel()
  }

  private modelStarted = false

  private startModel(): void {
    if (this.modelStarted || this.over) return
    this.modelStarted = true
    // An outbound call learnt whom it resumes only now (the start event): its earlier conversation goes in first.
    if (this.d.waitForStart) for (const item of this.d.priorHistory) this.history.push(item)
    this.model.start(this.d.takeWarm?.(this.sessionConfig()))
  }

  /**
   * A machine answered our callback: cut whatever is playing, leave the short message (built by the caller of this
   * from the saved state, never improvised) and hang up once it has played.
   */
  leaveVoicemail(text: string): void {
    if (this.over) return
    this.d.record('system', 'answering machine: leaving a voicemail')
    this.dispatch({ type: 'machineAnswered', text })
  }

  get isEnded(): boolean {
    return this.over
  }

  // ================================================================================================================
  // the relay: two socket callbacks
  // ================================================================================================================

  audio(b64: string): void {
    if (this.passthrough) {
      this.model.append(b64)
      this.tap?.caller(b64)
      return
    }
    let out: string
    try {
      out = this.conv.fromCaller.convert(b64)
    } catch (err) {
      // A WAV header that contradicts the negotiated format: drop that chunk, keep the call.
      this.d.metrics.badAudio.inc()
      this.log.warn('call.bad_audio_chunk', { err })
      return
    }
    if (out.length > 0) {
      this.model.append(out)
      this.tap?.caller(out)
    }
  }

  audioDelta(responseId: string, itemId: string, _contentIndex: number, b64: string, at: number): void {
    if (this.over) return
    this.playback.delta(responseId, itemId, b64, at)
    const cap = this.capture
    if (cap !== undefined && cap.responseId === responseId) {
      if (cap.itemId === undefined) cap.itemId = itemId
      else if (cap.itemId !== itemId) cap.spoiled = true
      cap.chunks.push(b64)
    }
  }

  // ================================================================================================================
  // phone leg → us
  // ================================================================================================================

  start(params: StartParams): void {
    const identified = this.d.onStartParams(params)
    if (this.d.waitForStart) void Promise.resolve(identified).finally(() => this.startModel())
  }

  userStream(): void {}

  dtmf(digits: string): void {
    this.d.record('caller', `[DTMF ${digits}]`)
    this.dispatch({ type: 'callerSpoke' })
    const digit = digits.slice(-1)
    void this.d.tasks
      .confirmByDigit(digit)
      .then((r) => {
        if (this.over) return
        if (!r) {
          this.model.userText(callerText(`(The caller pressed ${digits} on the keypad.)`))
          this.model.request({ kind: 'free', purpose: 'dtmf' })
          return
        }
        // The confirmation went straight to the task; the model learns of the key press and speaks the result like
        // any other task update.
        this.d.record('tool', r.output, { via: 'dtmf', taskId: r.taskId })
        this.model.systemNote(`The caller pressed ${digit} (${digit === '1' ? 'yes' : 'no'}) on the keypad to answer task ${r.taskId}; the task agent already has it.`)
        this.taskUpdate({ taskId: r.taskId, kind: r.kind, ...(r.say ? { say: r.say } : {}), ...(r.ask ? { ask: r.ask } : {}), output: r.output })
      })
      .catch((err: unknown) => {
        // Only this key press is lost; the caller can say it instead. Never a rejection that could reach the process.
        this.log.error('call.dtmf_failed', { err })
        this.d.metrics.failures.inc({ where: 'dtmf' })
      })
  }

  noUserInput(): void {
    this.dispatch({ type: 'silence', source: 'vaic', at: this.d.now() })
  }

  playFinished(streamId: string | undefined): void {
    this.playback.finished(streamId)
    this.dispatch({ type: 'playFinished', streamId })
  }

  transferStatus(s: TransferStatus): void {
    this.log.info('call.transfer_status', { status: s.status, reasonCode: s.reasonCode })
    if (TRANSFER_FAILED.test(s.status)) this.dispatch({ type: 'transferFailed', status: s.status })
  }

  activity(a: Activity): void {
    this.log.debug('call.activity', { type: a.type, name: a.name })
    this.d.onActivity?.(a)
  }

  connectionLost(): void {
    // The caller may still be there: VAIC reconnects with session.resume. Stop talking into the void and keep the
    // model's memory true to what was heard.
    this.interruptPlayback('connection-lost')
    this.d.record('system', 'phone connection lost')
  }

  resumed(): void {
    this.d.record('system', 'phone connection resumed')
    if (!this.over && this.lifecycle.state !== 'connecting') {
      this.model.systemNote('The phone connection dropped for a moment and is back. Briefly pick up where you left off.')
      this.model.request({ kind: 'free', purpose: 'phone-resumed' })
    }
  }

  ended(end: LegEnd): void {
    this.legEnd = end
    this.dispatch({ type: 'legEnded', by: end.by })
  }
  private legEnd: LegEnd | undefined

  // ================================================================================================================
  // model leg → us
  // ================================================================================================================

  ready(kind: 'initial' | 'reconnect' | 'rotation'): void {
    this.d.metrics.upstream.ok()
    if (this.over) return
    // The first session greets (the lifecycle handles modelReady only while connecting); later ones resume.
    if (!this.dispatch({ type: 'modelReady' }) && kind === 'reconnect') {
      // The new session knows the conversation but not what was cut off. An open task re-asks its question (built
      // from its state, so nothing is invented); otherwise the model picks up where it left off.
      const pending = this.d.tasks.pendingQuestions()
      if (pending.length > 0) {
        this.model.systemNote('The connection was interrupted for a moment; the caller may not have heard your last words.')
        this.updates.push(...pending)
      } else {
        this.model.systemNote('The connection was interrupted for a moment. If you were in the middle of something, pick up where you left off.')
        this.model.request({ kind: 'free', purpose: 'reconnected' })
      }
    }
    this.flushUpdates()
  }

  speechStarted(_audioStartMs: number, itemId: string): void {
    this.d.mark?.({ type: 'speech-started', itemId })
    this.callerSpeaking = true
    this.dispatch({ type: 'callerSpoke' })
    this.d.leg.speechStarted()
    if (this.playback.audible()) {
      this.d.leg.bargeIn()
      this.interruptPlayback('barge-in')
    }
  }

  speechStopped(_audioEndMs: number, itemId: string): void {
    this.d.mark?.({ type: 'speech-stopped', itemId })
    this.d.leg.speechStopped()
  }

  committed(): void {
    this.callerSpeaking = false
    this.d.leg.speechCommitted()
  }

  callerTranscript(itemId: string, text: string): void {
    const t = text.trim()
    if (t === '') return
    this.d.leg.recognition(t, 0.9)
    this.history.push({ role: 'user', text: callerText(t) })
    // The item id ties the line to when it was spoken (its speech-started mark): transcripts arrive late.
    this.d.record('caller', t, { itemId })
  }

  responseCreated(responseId: string): void {
    this.callerSpeaking = false
    // A fixed line the cache lacks: keep the model's audio of it if the response completes intact.
    const pc = this.d.phrases
    const line = pc?.cache.enabled ? this.model.sequencer.sayLineOf(responseId) : undefined
    this.capture =
      pc !== undefined && line !== undefined && isFixed(line) && !pc.cache.has(phraseKey(pc.scope(line.text)))
        ? { responseId, text: line.text, itemId: undefined, chunks: [], spoiled: false, matched: false }
        : undefined
  }

  responseDone(responseId: string, status: string, purposes: readonly ResponsePurpose[], usage?: ResponseUsage): void {
    if (usage) this.d.mark?.({ type: 'usage', responseId, usage })
    const cap = this.capture
    if (cap !== undefined && cap.responseId === responseId) {
      this.capture = undefined
      // Only audio of exactly this line, whole: completed, one item, no barge-in or loss, the words it was asked to say.
      if (status === 'completed' && !cap.spoiled && cap.matched && cap.chunks.length > 0) this.d.phrases?.cache.keep(this.d.phrases.scope(cap.text), cap.chunks)
    }
    this.playback.responseDone(responseId)
    this.dispatch({ type: 'responseDone', purposes, tail: this.playback.tail() })
    if (status !== 'completed' && status !== 'cancelled') this.log.warn('call.response_not_completed', { status })
    this.flushUpdates()
  }

  audioDone(_responseId: string, itemId: string): void {
    this.playback.itemDone(itemId)
  }

  botTranscript(responseId: string, itemId: string, text: string): void {
    const cap = this.capture
    if (cap !== undefined && cap.responseId === responseId) cap.matched = cap.itemId === itemId && words(text) === words(cap.text)
    const heard = this.playback.heardTranscript(itemId, text)
    if (heard === undefined) return
    this.history.push({ role: 'assistant', text: heard.text })
    this.d.record('bot', heard.text, heard.interrupted ? { itemId, interrupted: true } : { itemId })
  }

  functionCall(call: FunctionCall): void {
    this.log.info('call.tool_call', { name: call.name, arguments: call.arguments.slice(0, 500) })
    this.d.record('tool', `${call.name}(${call.arguments})`, { callId: call.callId })
    if (LIFECYCLE_TOOLS.has(call.name)) this.lifecycleTool(call)
    else void this.runTool(call)
  }

  idleTimeout(): void {
    this.dispatch({ type: 'silence', source: 'vad', at: this.d.now() })
  }

  reconnecting(reason: string): void {
    this.capture = undefined
    this.d.metrics.upstreamGaps.inc()
    this.d.record('system', `model connection lost (${reason}); reconnecting`)
    // What was playing is cut: the new session will only know what the caller heard.
    this.interruptPlayback('upstream-lost')
  }

  fatal(code: string, message: string): void {
    this.log.error('call.model_fatal', { code, message })
    this.d.record('system', `model unavailable: ${code}`)
    this.d.metrics.upstreamUnavailable.inc({ code })
    this.d.metrics.upstream.degraded(code)
    this.dispatch({ type: 'upstreamLost', code })
  }

  /**
   * Ends the call from our side (a deploy's drain ran out): a short goodbye if the model can still speak, then the
   * usual hang-up after playback; a hard hang-up after `graceMs` whatever happens. State is already saved.
   */
  shutdown(reason: string, graceMs = 6000): void {
    this.dispatch({ type: 'shutdown', reason, graceMs, modelReady: this.model.ready, openTasks: this.d.tasks.openTasks().length })
  }

  // ================================================================================================================
  // the lifecycle driver
  // ================================================================================================================

  /**
   * Feeds one event to the lifecycle table and runs its effects. An event raised while effects run (a timer firing
   * synchronously, a leg calling back) is queued, so effects always run in table order. Returns whether the table
   * handled the event (for a queued one: true).
   */
  private dispatch(ev: LifecycleEvent): boolean {
    if (this.over) return false
    if (this.dispatching) {
      this.inbox.push(ev)
      return true
    }
    this.dispatching = true
    let handled = false
    try {
      const r = transition(callLifecycle, this.lifecycle, ev)
      handled = r.handled
      this.step(ev, r.snapshot, r.effects)
      for (let next = this.inbox.shift(); next !== undefined && !this.over; next = this.inbox.shift()) {
        const q = transition(callLifecycle, this.lifecycle, next)
        this.step(next, q.snapshot, q.effects)
      }
    } finally {
      this.dispatching = false
      this.inbox.length = 0
    }
    return handled
  }

  private step(ev: LifecycleEvent, next: Snapshot<LifecycleState, LifecycleContext>, effects: readonly LifecycleEffect[]): void {
    const from = this.lifecycle.state
    this.lifecycle = next
    if (next.state !== from) {
      this.log.debug('call.lifecycle', { event: ev.type, from, to: next.state })
      this.d.mark?.({ type: 'phase', phase: next.state })
    }
    for (const fx of effects) this.run(fx)
  }

  private run(fx: LifecycleEffect): void {
    switch (fx.kind) {
      case 'fetchGreeting':
        void this.d
          .greeting()
          .then((g) => this.dispatch({ type: 'greet', line: g.line, asksAnythingElse: g.asksAnythingElse }))
          .catch((err: unknown) => this.log.error('call.greeting_failed', { err }))
        return
      case 'apologise':
        return this.apologise()
      case 'say':
        this.model.request({ kind: 'say', line: fx.line, purpose: fx.purpose })
        return
      case 'toolOutput':
        this.toolOutput(fx.callId, fx.output)
        return
      case 'cancelReprompt':
        this.model.cancelResponse()
        this.playback.discardCurrent()
        return
      case 'interrupt':
        this.interruptPlayback(fx.why)
        return
      case 'timer':
        this.arm(fx.name, fx.afterMs, fx.name === 'hangup' ? { type: 'hangupTimer' } : { type: 'shutdownTimer' })
        return
      case 'hangup':
        this.clear('hangup')
        this.d.leg.hangup(fx.reason)
        return
      case 'transfer':
        this.clear('hangup')
        this.d.leg.transfer(fx.target, fx.reason, this.sipHeaders())
        return
      case 'transferFailed':
        this.d.leg.transferFailed()
        this.d.record('system', `transfer failed: ${fx.status}`)
        return
      case 'log':
        this.log.info(fx.message, fx.fields)
        return
      case 'end':
        return this.finish(fx.reason, fx.closed)
    }
  }

  /**
   * The model cannot speak: the recorded apology, in the call's format, as one play stream with its words as altText —
   * or, with FALLBACK_APOLOGY_MODE=text (VoiceAI Connect has TTS of its own), those words as a `message` activity.
   */
  private apologise(): void {
    this.interruptPlayback('upstream-lost')
    const clip = this.d.fallback
    // The clip is English; what VoiceAI Connect shows or speaks (and the transcript keeps) is in the call's language.
    const lang = this.d.business.language
    const words = lang === 'en' && clip ? clip.altText : packFor(lang).call.technicalTrouble
    if (this.d.config.FALLBACK_APOLOGY_MODE === 'text') {
      this.d.leg.say(words)
      this.d.record('bot', words, { fallback: true, via: 'vaic-tts' })
      // No playFinished comes for a text: give VAIC's TTS the time the words take (about 70 ms a character).
      return void this.dispatch({ type: 'apologyStarted', streamId: undefined, remainingMs: words.length * 70 + this.d.config.PLAYOUT_DELAY_MS })
    }
    if (clip === undefined) return void this.dispatch({ type: 'apologyStarted', streamId: undefined, remainingMs: 0 })
    const format = this.d.leg.mediaFormat
    const { chunks, durationMs } = clipChunks(clip, format)
    const altText = words
    const streamId = this.d.leg.startPlay(format, altText)
    for (const c of chunks) this.d.leg.playChunk(c)
    this.d.leg.stopPlay()
    this.d.record('bot', altText, { fallback: true })
    this.dispatch({ type: 'apologyStarted', streamId, remainingMs: durationMs + this.d.config.PLAYOUT_DELAY_MS })
  }

  private arm(name: 'hangup' | 'shutdown' | 'limit', afterMs: number, ev: LifecycleEvent): void {
    this.clear(name)
    const t = setTimeout(() => {
      this.timers[name] = undefined
      this.dispatch(ev)
    }, afterMs)
    // The shutdown deadline must not keep a draining process alive on its own.
    if (name === 'shutdown') t.unref?.()
    this.timers[name] = t
  }

  private clear(name: 'hangup' | 'shutdown' | 'limit'): void {
    const t = this.timers[name]
    if (t !== undefined) clearTimeout(t)
    this.timers[name] = undefined
  }

  private finish(reason: CallEndReason, closed: boolean): void {
    if (this.over) return
    this.over = true
    for (const name of ['hangup', 'shutdown', 'limit'] as const) this.clear(name)
    this.model.close()
    const end = this.legEnd ?? { by: 'server' as const }
    this.log.info('call.ended', { reason, by: end.by, reasonCode: end.reasonCode })
    this.d.onEnded({ callId: this.d.callId, reason, leg: end, closed })
  }

  // ================================================================================================================
  // tools and task results
  // ================================================================================================================

  /** end_call and transfer_to_human belong to the lifecycle: its table answers them. */
  private lifecycleTool(call: FunctionCall): void {
    const ev: LifecycleEvent =
      call.name === 'transfer_to_human'
        ? { type: 'transferRequested', callId: call.callId, reason: safeReason(call.arguments) }
        : { type: 'endCall', callId: call.callId, openTasks: this.d.tasks.openTasks().map((t) => t.title), summaries: this.d.tasks.doneSummaries() }
    // Unhandled: the call is already ending; the model still gets an answer to its call.
    if (!this.dispatch(ev)) this.toolOutput(call.callId, JSON.stringify({ status: 'ending', note: 'The call is ending; say nothing more.' }))
  }

  private toolOutput(callId: string, output: string): void {
    if (this.over) return
    this.d.record('tool', output, { callId, result: true })
    this.log.info('call.tool_result', { callId, output: output.slice(0, 500) })
    this.model.functionOutput(callId, output)
  }

  private async runTool(call: FunctionCall): Promise<void> {
    let answer: ToolAnswer
    try {
      answer = this.d.tasks.handles(call.name)
        ? await this.d.tasks.answer(call.name, call.arguments)
        : { output: JSON.stringify({ error: 'unknown_tool', message: `There is no tool named ${call.name}.` }) }
    } catch (err) {
      this.log.error('call.tool_failed', { tool: call.name, err })
      answer = { output: JSON.stringify({ error: 'tool_failed', message: 'Something went wrong on our side; apologise and offer to try again.' }) }
    }
    if (this.over) return
    this.toolOutput(call.callId, answer.output)
    this.model.request(this.afterResult(answer.question, 'tool-result'))
    this.refreshInstructions()
    this.taskProgress(true)
  }

  /** Tells the lifecycle how the tasks stand: the last open task completing makes the bot ask "anything else?". */
  private taskProgress(byTool: boolean): void {
    this.dispatch({ type: 'taskProgress', done: this.d.tasks.doneSummaries().length, open: this.d.tasks.openTasks().length, byTool })
  }

  /** A background task result: spoken once, when nobody is talking, coalesced with others pending. */
  taskUpdate(u: TaskUpdate): void {
    if (this.over) return
    this.updates.push(u)
    this.refreshInstructions()
    this.flushUpdates()
  }

  private flushUpdates(): void {
    if (this.updates.length === 0 || this.over || !this.model.ready) return
    if (!this.model.sequencer.idle || this.callerSpeaking) return
    const batch = this.updates.splice(0)
    for (const u of batch) {
      // As a tool result (task_input with the task's id: "how is it going?"), never a system note: a look-up's answer
      // is the business system's text, and whatever a result holds reaches the model as data.
      this.model.toolResult('task_input', JSON.stringify({ task_id: u.taskId }), u.output)
      this.d.record('agent', [u.say?.text, u.ask?.text].filter(Boolean).join(' '), { taskId: u.taskId })
    }
    this.model.request({ kind: 'free', purpose: 'task-update' })
    this.taskProgress(false)
  }

  /**
   * What to ask of the model once a tool's answer is in the conversation (the model has it either way: status, need,
   * task id). A fixed question that is all the answer says is a fixed line like the greeting: played from the phrase
   * cache when it has it (the model told what was said, no response), else said by the model as that exact line so
   * its audio is kept. Anything else — and everything without the cache — is the model's own answer to the output.
   * (Later task results, a question re-asked after a reconnect included, stay the model's answer.)
   */
  private afterResult(question: SpokenLine | undefined, purpose: 'tool-result'): ResponseRequest<ResponsePurpose> {
    return question !== undefined && isFixed(question) && this.d.phrases?.cache.enabled ? { kind: 'say', line: question, purpose } : { kind: 'free', purpose }
  }

  refreshInstructions(): void {
    if (this.over || !this.model.ready) return
    this.model.updateSession({ instructions: this.instructions() })
  }

  // ================================================================================================================
  // the phrase cache
  // ================================================================================================================

  /**
   * A fixed line is due (its turn in the sequencer): when the cache has its audio, play it at once as one play stream
   * and tell the model what was said — an assistant text item, as history replay does — with no response.create.
   */
  private playCached(r: SayRequest<ResponsePurpose>): boolean {
    const pc = this.d.phrases
    if (pc === undefined || !isFixed(r.line) || this.over || !this.model.ready) return false
    const hit = pc.cache.lookup(phraseKey(pc.scope(r.line.text)))
    if (hit === undefined) return false
    const text = r.line.text
    const itemId = localItemId()
    this.localItems = mapPut(this.localItems, itemId, text)
    this.model.send(replayItemEvent({ role: 'assistant', text }, { id: itemId }))
    const responseId = `local_${itemId}`
    for (const chunk of hit.chunks) this.playback.delta(responseId, itemId, chunk)
    this.playback.itemDone(itemId)
    this.playback.responseDone(responseId)
    this.history.push({ role: 'assistant', text })
    this.d.record('bot', text, { itemId, cached: true })
    this.log.debug('call.line_cached', { purpose: r.purpose, itemId, bytes: hit.bytes })
    this.dispatch({ type: 'responseDone', purposes: [r.purpose], tail: this.playback.tail() })
    return true
  }

  /**
   * A barge-in on a cached line: the model's item is text, which cannot be audio-truncated, so it is re-created right
   * after itself with the words the caller heard (cut back to a word boundary), then deleted.
   */
  private cutLocal(itemId: string, heardMs: number): void {
    const text = this.localItems?.get(itemId) ?? ''
    this.localItems = mapDrop(this.localItems, itemId)
    const sentMs = this.playback.sentMs(itemId)
    const heard = heardPrefix(text, sentMs > 0 ? heardMs / sentMs : 0)
    if (heard !== '') {
      const cutId = localItemId()
      this.model.send(replayItemEvent({ role: 'assistant', text: heard }, { id: cutId, after: itemId }))
    }
    this.model.deleteItem(itemId)
  }

  // ================================================================================================================
  // barge-in
  // ================================================================================================================

  private interruptPlayback(why: InterruptCause): void {
    const cuts = this.playback.interrupt()
    const cap = this.capture
    if (cap !== undefined && cuts.some((c) => c.itemId === cap.itemId)) cap.spoiled = true
    for (const c of cuts) this.log.info('call.truncated', { why, itemId: c.itemId, heardMs: c.heardMs, sentMs: c.sentMs })
    if (cuts.length > 0 && why === 'barge-in') {
      this.d.metrics.bargeIns.inc()
      this.d.mark?.({ type: 'barge-in' })
    }
  }

  // ================================================================================================================
  // model session inputs
  // ================================================================================================================

  private instructions(): string {
    return callInstructions({ config: this.d.config, business: this.d.business, now: this.d.now(), openTasks: this.d.tasks.statusLines() })
  }

  private sessionConfig(): RealtimeSessionCreateRequest {
    return callSessionConfig({
      config: this.d.config,
      business: this.d.business,
      format: this.conv.plan.openai,
      now: this.d.now(),
      openTasks: this.d.tasks.statusLines(),
      taskTools: this.d.tasks.tools(),
    })
  }

  private sipHeaders(): { name: string; value: string }[] {
    return [{ name: 'X-FastAgent-Call-Id', value: this.d.callId }]
  }
}

/** Our id for a cached line's item (the API takes client ids of up to 32 characters). */
const localItemId = () => `fa_line_${randomBytes(10).toString('hex')}`

/** The words of `text` within the first `fraction` of it, cut back to a word boundary. */
export function heardPrefix(text: string, fraction: number): string {
  const n = Math.round(text.length * Math.min(1, Math.max(0, fraction)))
  if (n >= text.length) return text
  const cut = /\s/.test(text.charAt(n)) ? n : text.lastIndexOf(' ', n)
  return cut <= 0 ? '' : text.slice(0, cut).trimEnd()
}

function safeReason(argsJson: string): string {
  try {
    const v = JSON.parse(argsJson) as { reason?: unknown }
    return typeof v.reason === 'string' ? v.reason.slice(0, 200) : 'caller asked for a person'
  } catch {
    return 'caller asked for a person'
  }
}
