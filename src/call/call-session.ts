/**
 * @module call/call-session
 * One phone call: joins the phone leg (VoiceAI Connect) and the model leg (Realtime), and runs the call's lifecycle.
 *
 * Audio: caller chunks go straight to `input_audio_buffer.append` and model deltas straight to `playStream.chunk`;
 * for the passthrough formats the base64 string is moved untouched, otherwise one stateful converter per direction
 * transcodes. Nothing else happens on that path — no await, no DB write, no log line.
 *
 * Around it: barge-in (stop playback, truncate at what the caller heard, drop the rest of that response), tool calls
 * to the task runtime, task results spoken when the line is idle, the greeting (or welcome back), the closing
 * ("anything else?" → summary → hang up after playback), transfer, DTMF, silence and the call-length limit.
 */
import type { Config } from '../config/schema'
import type { Business } from '../config/business/business'
import { describeBusinessHours } from '../config/business-hours'
import { createCallConverters, type CallConverters } from '../audio/transcoder'
import type { Logger } from '../ops/log'
import type { Activity } from '../telephony/audiocodes/messages'
import type { LegEnd, PhoneLeg, PhoneLegHandler, StartParams, TransferStatus } from '../telephony/audiocodes/phone-leg'
import { ModelLeg, type FunctionCall, type ModelLegHandler, type RealtimeMetrics } from '../realtime/model-leg'
import { buildInstructions } from '../realtime/instructions'
import { buildSession, type ToolSpec } from '../realtime/session-config'
import type { ReplayItem } from '../realtime/protocol'
import type { TaskPort, TaskUpdate } from './task-port'
import { closingLine, LIFECYCLE_TOOLS, type CallEndReason } from './lifecycle'
import type { CallMetrics } from './metrics'
import { PlaybackController, type InterruptCause } from './playback-controller'
import type { ResponseUsage } from './call-events'

/** Marks for watchers (console, latency histograms): timestamps are added by the receiver; never awaited. */
export type SessionMark =
  | { readonly type: 'speech-started' | 'speech-stopped' | 'bot-audio'; readonly itemId: string }
  | { readonly type: 'barge-in' }
  | { readonly type: 'usage'; readonly responseId: string; readonly usage: ResponseUsage }

export type Greeting = { readonly text: string; readonly asksAnythingElse: boolean }

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
  /** Earlier conversation (a resumed call): replayed into the model before the greeting. */
  readonly priorHistory: readonly ReplayItem[]
  readonly record: (role: 'caller' | 'bot' | 'tool' | 'agent' | 'system', text: string, meta?: Record<string, unknown>) => void
  readonly onStartParams: (params: StartParams) => void
  readonly onEnded: (outcome: CallOutcome) => void
  readonly mark?: (m: SessionMark) => void
}

const BOT_HISTORY_LIMIT = 200

export class CallSession implements PhoneLegHandler, ModelLegHandler {
  private readonly model: ModelLeg
  private readonly conv: CallConverters
  private readonly passthrough: boolean
  private readonly playback: PlaybackController
  private readonly log: Logger
  private readonly responseReasons = new Map<string, string>()
  private readonly history: ReplayItem[] = []
  private readonly updates: TaskUpdate[] = []
  private over = false
  private greeted = false
  private callerSpeaking = false
  // lifecycle
  private askedAnythingElse = false
  private mentionedOpenTasks = false
  private closing: 'none' | 'requested' | 'speaking' | 'hanging-up' = 'none'
  private endReason: CallEndReason | undefined
  private hangupTimer: ReturnType<typeof setTimeout> | undefined
  private transferPending: { target: string; reason: string } | undefined
  private silenceCount = 0
  private lastSilenceAt = 0
  private readonly maxTimer: ReturnType<typeof setTimeout>

  constructor(private readonly d: CallSessionDeps) {
    this.log = d.log
    const format = d.leg.mediaFormat
    this.conv = createCallConverters(format)
    this.passthrough = this.conv.plan.passthrough
    this.history.push(...d.priorHistory)
    this.model = new ModelLeg({
      url: d.config.OPENAI_REALTIME_URL,
      model: d.config.OPENAI_REALTIME_MODEL,
      apiKey: d.config.OPENAI_API_KEY ?? '',
      session: () => this.sessionConfig(),
      history: () => this.replayHistory(),
      handler: this,
      log: d.log,
      metrics: d.realtimeMetrics,
      now: d.now,
      rotateAfterMs: d.config.SESSION_ROTATE_MINUTES * 60_000,
      isQuiet: () => !this.callerSpeaking && !this.playback.audible(),
      // With server_vad the session has an idle timeout, so the server can never be silent much longer than it.
      ...(d.config.TURN_DETECTION === 'server_vad' ? { quietLimitMs: d.config.SILENCE_TIMEOUT_SECONDS * 1000 + 10_000 } : {}),
    })
    this.playback = new PlaybackController({
      leg: d.leg,
      model: this.model,
      format,
      converter: this.passthrough ? undefined : this.conv.toCaller,
      playoutDelayMs: d.config.PLAYOUT_DELAY_MS,
      // Played time is tracked in the model's output audio: μ-law 8 bytes/ms, PCM16 24 kHz 48 bytes/ms.
      bytesPerMs: this.conv.plan.openai.type === 'audio/pcmu' ? 8 : 48,
      now: d.now,
      ...(d.mark ? { onItemStart: (itemId: string) => d.mark?.({ type: 'bot-audio', itemId }) } : {}),
    })
    this.maxTimer = setTimeout(() => this.endForLimit(), d.config.MAX_CALL_MINUTES * 60_000)
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
    this.model.start()
  }

  get isEnded(): boolean {
    return this.over
  }

  // ================================================================================================================
  // phone leg → us
  // ================================================================================================================

  audio(b64: string): void {
    if (this.passthrough) {
      this.model.append(b64)
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
    if (out.length > 0) this.model.append(out)
  }

  start(params: StartParams): void {
    this.d.onStartParams(params)
  }

  userStream(): void {}

  dtmf(digits: string): void {
    this.d.record('caller', `[DTMF ${digits}]`)
    this.resetSilence()
    const digit = digits.slice(-1)
    void this.d.tasks
      .confirmByDigit(digit)
      .then((r) => {
      if (this.over) return
      if (!r) {
        this.model.userText(`(The caller pressed ${digits} on the keypad.)`)
        this.model.request({ kind: 'free', reason: 'dtmf' })
        return
      }
      // The confirmation went straight to the task; the model learns of the key press and speaks the result like
      // any other task update.
      this.d.record('tool', r.output, { via: 'dtmf', taskId: r.taskId })
      this.model.systemNote(`The caller pressed ${digit} (${digit === '1' ? 'yes' : 'no'}) on the keypad to answer task ${r.taskId}; the task agent already has it.`)
      const o = parseOutput(r.output)
      this.taskUpdate({ taskId: r.taskId, kind: o.task ?? 'task', ...(o.say ? { say: o.say } : {}), ...(o.ask ? { ask: o.ask } : {}) })
      })
      .catch((err: unknown) => {
        // Only this key press is lost; the caller can say it instead. Never a rejection that could reach the process.
        this.log.error('call.dtmf_failed', { err })
        this.d.metrics.failures.inc({ where: 'dtmf' })
      })
  }

  noUserInput(): void {
    this.onSilence('vaic')
  }

  playFinished(streamId: string | undefined): void {
    this.playback.finished(streamId)
    if (this.closing === 'hanging-up' && (streamId === undefined || streamId === this.finalStreamId)) this.finishAfterPlayback()
  }

  transferStatus(s: TransferStatus): void {
    this.log.info('call.transfer_status', { status: s.status, reasonCode: s.reasonCode })
    if (/fail|error|busy|no.?answer|reject/i.test(s.status)) {
      this.d.leg.transferFailed()
      this.transferPending = undefined
      this.closing = 'none'
      this.endReason = undefined
      this.d.record('system', `transfer failed: ${s.status}`)
      this.say("I'm sorry, I couldn't reach anyone right now. Is there anything else I can help you with?", 'transfer-failed')
    }
  }

  activity(a: Activity): void {
    this.log.debug('call.activity', { type: a.type, name: a.name })
  }

  connectionLost(): void {
    // The caller may still be there: VAIC reconnects with session.resume. Stop talking into the void and keep the
    // model's memory true to what was heard.
    this.interruptPlayback('connection-lost')
    this.d.record('system', 'phone connection lost')
  }

  resumed(): void {
    this.d.record('system', 'phone connection resumed')
    if (!this.over && this.greeted) {
      this.model.systemNote('The phone connection dropped for a moment and is back. Briefly pick up where you left off.')
      this.model.request({ kind: 'free', reason: 'phone-resumed' })
    }
  }

  ended(end: LegEnd): void {
    this.finish(end)
  }

  // ================================================================================================================
  // model leg → us
  // ================================================================================================================

  ready(kind: 'initial' | 'reconnect' | 'rotation'): void {
    if (this.over) return
    if (kind === 'initial' || !this.greeted) {
      this.greeted = true
      void this.d.greeting().then((g) => {
        if (this.over) return
        if (g.asksAnythingElse) this.askedAnythingElse = true
        this.say(g.text, 'greeting')
      })
    } else if (kind === 'reconnect') {
      // The new session knows the conversation but not what was cut off. An open task re-asks its question (built
      // from its state, so nothing is invented); otherwise the model picks up where it left off.
      const pending = this.d.tasks.openTasks().filter((t) => t.pending !== undefined)
      if (pending.length > 0) {
        this.model.systemNote('The connection was interrupted for a moment; the caller may not have heard your last words.')
        for (const t of pending) this.updates.push({ taskId: t.id, kind: t.kind, ask: t.pending?.ask ?? '' })
      } else {
        this.model.systemNote('The connection was interrupted for a moment. If you were in the middle of something, pick up where you left off.')
        this.model.request({ kind: 'free', reason: 'reconnected' })
      }
    }
    this.flushUpdates()
  }

  speechStarted(_audioStartMs: number, itemId: string): void {
    this.d.mark?.({ type: 'speech-started', itemId })
    this.callerSpeaking = true
    this.resetSilence()
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
    this.pushHistory({ role: 'user', text: t })
    // The item id ties the line to when it was spoken (its speech-started mark): transcripts arrive late.
    this.d.record('caller', t, { itemId })
  }

  responseCreated(responseId: string, reason: string | undefined): void {
    this.callerSpeaking = false
    if (reason !== undefined) this.responseReasons.set(responseId, reason)
    if (reason?.split(',').includes('closing')) this.closing = 'speaking'
  }

  responseDone(responseId: string, status: string, _reason?: string, usage?: ResponseUsage): void {
    if (usage) this.d.mark?.({ type: 'usage', responseId, usage })
    const reason = this.responseReasons.get(responseId)
    this.responseReasons.delete(responseId)
    this.playback.responseDone(responseId)
    if (reason?.split(',').some((r) => r === 'closing' || r === 'transfer' || r === 'goodbye')) {
      // The last words are out (or were cut short): hang up once they have been played.
      this.closing = 'hanging-up'
      this.armHangup()
    }
    if (status !== 'completed' && status !== 'cancelled') this.log.warn('call.response_not_completed', { status })
    this.flushUpdates()
  }

  audioDelta(responseId: string, itemId: string, _contentIndex: number, b64: string): void {
    if (!this.over) this.playback.delta(responseId, itemId, b64)
  }

  audioDone(_responseId: string, itemId: string): void {
    this.playback.itemDone(itemId)
  }

  botTranscript(_responseId: string, itemId: string, text: string): void {
    const heard = this.playback.heardTranscript(itemId, text)
    if (heard === undefined) return
    this.pushHistory({ role: 'assistant', text: heard.text })
    this.d.record('bot', heard.text, heard.interrupted ? { itemId, interrupted: true } : { itemId })
  }

  functionCall(call: FunctionCall): void {
    this.log.info('call.tool_call', { name: call.name, arguments: call.arguments.slice(0, 500) })
    this.d.record('tool', `${call.name}(${call.arguments})`, { callId: call.callId })
    void this.runTool(call)
  }

  idleTimeout(): void {
    this.onSilence('vad')
  }

  reconnecting(reason: string): void {
    this.d.metrics.upstreamGaps.inc()
    this.d.record('system', `model connection lost (${reason}); reconnecting`)
    // What was playing is cut: the new session will only know what the caller heard.
    this.interruptPlayback('upstream-lost')
  }

  fatal(code: string, message: string): void {
    this.log.error('call.model_fatal', { code, message })
    this.d.record('system', `model unavailable: ${code}`)
    this.endReason = 'failed'
    const target = this.d.config.TRANSFER_TARGET
    if (target) this.d.leg.transfer(target, `assistant unavailable (${code})`, this.sipHeaders())
    else this.d.leg.hangup('assistant-unavailable')
  }

  // ================================================================================================================
  // tools and task results
  // ================================================================================================================

  private async runTool(call: FunctionCall): Promise<void> {
    let output: string
    try {
      output = LIFECYCLE_TOOLS.has(call.name)
        ? this.lifecycleTool(call.name, call.arguments)
        : this.d.tasks.handles(call.name)
          ? await this.d.tasks.call(call.name, call.arguments)
          : JSON.stringify({ error: 'unknown_tool', message: `There is no tool named ${call.name}.` })
    } catch (err) {
      this.log.error('call.tool_failed', { tool: call.name, err })
      output = JSON.stringify({ error: 'tool_failed', message: 'Something went wrong on our side; apologise and offer to try again.' })
    }
    if (this.over) return
    this.d.record('tool', output, { callId: call.callId, result: true })
    this.log.info('call.tool_result', { name: call.name, output: output.slice(0, 500) })
    this.model.functionOutput(call.callId, output)
    if (!LIFECYCLE_TOOLS.has(call.name)) {
      this.askedAnythingElse = false
      this.model.request({ kind: 'free', reason: `tool:${call.name}` })
      this.refreshInstructions()
      this.afterTaskProgress()
    }
  }

  private doneCount = 0

  /**
   * When the last open task has just completed, the bot asks the closing question once the result was said
   * (scenario 1: "Appointment booked!" → "Is there anything else I can help you with today?").
   */
  private afterTaskProgress(): void {
    const done = this.d.tasks.doneSummaries().length
    const completedNow = done > this.doneCount
    this.doneCount = done
    if (!completedNow || this.d.tasks.openTasks().length > 0 || this.closing !== 'none' || this.askedAnythingElse) return
    this.askedAnythingElse = true
    this.say('Is there anything else I can help you with today?', 'anything-else')
  }

  private lifecycleTool(name: string, argsJson: string): string {
    if (name === 'transfer_to_human') {
      const target = this.d.config.TRANSFER_TARGET
      if (!target) return JSON.stringify({ error: 'not_available', message: 'Transfers are not available; offer to take a message instead.' })
      const reason = safeReason(argsJson)
      this.transferPending = { target, reason }
      this.endReason = 'transferred'
      this.say("Of course. I'll connect you with a colleague now. Please hold.", 'transfer')
      return JSON.stringify({ status: 'transferring', note: 'The caller is being transferred; say nothing more.' })
    }
    // end_call
    const open = this.d.tasks.openTasks()
    if (open.length > 0 && !this.mentionedOpenTasks) {
      this.mentionedOpenTasks = true
      const what = open.map((t) => t.title).join(' and ')
      const ask = `We haven't finished ${what} yet. Shall we finish it now?`
      this.say(ask, 'open-tasks')
      return JSON.stringify({ status: 'tasks_open', note: 'Open tasks remain; the caller is being asked whether to finish them.' })
    }
    if (!this.askedAnythingElse) {
      this.askedAnythingElse = true
      this.say('Is there anything else I can help you with today?', 'anything-else')
      return JSON.stringify({ status: 'asking_anything_else', note: 'If the caller says no, call end_call again.' })
    }
    this.closing = 'requested'
    this.endReason = 'completed'
    this.say(closingLine(this.d.tasks.doneSummaries(), this.d.business.name), 'closing')
    return JSON.stringify({ status: 'closing', note: 'The closing line is being said; say nothing more.' })
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
      const parts = [`Task ${u.taskId} (${u.kind}) update.`]
      if (u.say) parts.push(`Tell the caller: "${u.say}"`)
      if (u.ask) parts.push(`Then ask: "${u.ask}"`)
      const note = parts.join(' ')
      this.model.systemNote(note)
      this.d.record('agent', [u.say, u.ask].filter(Boolean).join(' '), { taskId: u.taskId })
    }
    this.model.request({ kind: 'free', reason: 'task-update' })
    this.afterTaskProgress()
  }

  refreshInstructions(): void {
    if (this.over || !this.model.ready) return
    this.model.updateSession({ instructions: this.instructions() })
  }

  // ================================================================================================================
  // lifecycle
  // ================================================================================================================

  private say(text: string, reason: string): void {
    this.model.request({ kind: 'say', text, reason })
  }

  private finalStreamId: string | undefined

  private armHangup(): void {
    // The closing response is done; its stream (if any) is the last one. Wait for VAIC's playFinished, with a
    // fallback computed from the audio sent (VAIC may not send playFinished).
    const tail = this.playback.tail()
    this.finalStreamId = tail.streamId
    if (this.hangupTimer) clearTimeout(this.hangupTimer)
    this.hangupTimer = setTimeout(() => this.finishAfterPlayback(), tail.remainingMs + 1500)
  }

  private finishAfterPlayback(): void {
    if (this.over || this.closing !== 'hanging-up') return
    if (this.hangupTimer) clearTimeout(this.hangupTimer)
    this.hangupTimer = undefined
    if (this.transferPending) {
      const t = this.transferPending
      this.d.leg.transfer(t.target, t.reason, this.sipHeaders())
      return
    }
    this.d.leg.hangup(this.endReason === 'shutdown' ? (this.shutdownReason ?? 'server-shutdown') : this.endReason === 'completed' ? 'conversation-complete' : (this.endReason ?? 'conversation-complete'))
  }

  private onSilence(source: 'vad' | 'vaic'): void {
    const now = this.d.now()
    // Both timers may fire for one silence; count it once.
    if (now - this.lastSilenceAt < 2000 || this.closing !== 'none') return
    this.lastSilenceAt = now
    this.silenceCount++
    this.log.info('call.silence', { source, count: this.silenceCount })
    if (this.silenceCount > this.d.config.SILENCE_REPROMPTS) {
      if (source === 'vad') {
        // The server already started its automatic re-prompt: cancel it and say goodbye instead.
        this.model.cancelResponse()
        this.playback.discardCurrent()
      }
      this.closing = 'requested'
      this.endReason = 'silence'
      this.say("I haven't heard from you, so I'll end the call now. Feel free to call us again. Goodbye!", 'goodbye')
    } else if (source === 'vaic') {
      // With server_vad the model re-prompts by itself on its idle timeout; VAIC's timer needs our line.
      this.say('Are you still there?', 'silence')
    }
  }

  private resetSilence(): void {
    this.silenceCount = 0
  }

  private endForLimit(): void {
    if (this.over || this.closing !== 'none') return
    this.closing = 'requested'
    this.endReason = 'max-duration'
    this.say("We've reached the time limit for this call. Thank you for calling, and goodbye!", 'goodbye')
  }

  /**
   * Ends the call from our side (a deploy's drain ran out): a short goodbye if the model can still speak, then the
   * usual hang-up after playback; a hard hang-up after `graceMs` whatever happens. State is already saved.
   */
  shutdown(reason: string, graceMs = 6000): void {
    if (this.over) return
    this.endReason = 'shutdown'
    this.shutdownReason = reason
    const hard = setTimeout(() => {
      if (!this.over) this.d.leg.hangup(reason)
    }, graceMs)
    hard.unref?.()
    if (!this.model.ready || this.closing !== 'none') {
      this.d.leg.hangup(reason)
      return
    }
    this.closing = 'requested'
    const open = this.d.tasks.openTasks().length > 0
    this.say(
      open
        ? "I'm sorry, I have to end the call now. Everything we discussed is saved, and we'll text you so we can pick up where we left off."
        : "I'm sorry, I have to end the call now. Please call us again. Goodbye!",
      'goodbye',
    )
  }
  private shutdownReason: string | undefined

  // ================================================================================================================
  // playback and barge-in
  // ================================================================================================================

  private interruptPlayback(why: InterruptCause): void {
    const cuts = this.playback.interrupt()
    for (const c of cuts) this.log.info('call.truncated', { why, itemId: c.itemId, heardMs: c.heardMs, sentMs: c.sentMs })
    if (cuts.length > 0 && why === 'barge-in') {
      this.d.metrics.bargeIns.inc()
      this.d.mark?.({ type: 'barge-in' })
    }
  }

  // ================================================================================================================
  // model session inputs
  // ================================================================================================================

  private openingHours: string | undefined

  private instructions(): string {
    return buildInstructions({
      businessName: this.d.business.name,
      now: this.d.now(),
      timeZone: this.d.business.timeZone,
      openingHours: (this.openingHours ??= describeBusinessHours(this.d.business.hours)),
      faq: this.d.business.faq,
      openTasks: this.d.tasks.statusLines(),
      transferAvailable: this.d.config.TRANSFER_TARGET !== undefined,
    })
  }

  private tools(): ToolSpec[] {
    const lifecycle: ToolSpec[] = [
      {
        name: 'end_call',
        description: 'The caller is done (says goodbye, that is all, nothing else). Call it when they signal the end; the first call makes you ask whether there is anything else, call it again if they say no.',
        parameters: { type: 'object', properties: {}, additionalProperties: false },
      },
    ]
    if (this.d.config.TRANSFER_TARGET) {
      lifecycle.push({
        name: 'transfer_to_human',
        description: 'Transfer the caller to a person when they ask for one or you cannot help.',
        parameters: { type: 'object', properties: { reason: { type: 'string', description: 'why, in a few words' } }, required: ['reason'], additionalProperties: false },
      })
    }
    return [...this.d.tasks.tools(), ...lifecycle]
  }

  private sessionConfig() {
    return buildSession({
      config: this.d.config,
      format: this.conv.plan.openai,
      instructions: this.instructions(),
      tools: this.tools(),
      ...(this.d.business.voice ? { voice: this.d.business.voice } : {}),
      ...(this.d.config.TURN_DETECTION === 'server_vad' ? { idleTimeoutMs: this.d.config.SILENCE_TIMEOUT_SECONDS * 1000 } : {}),
    })
  }

  private pushHistory(item: ReplayItem): void {
    this.history.push(item)
    if (this.history.length > BOT_HISTORY_LIMIT) this.history.splice(0, this.history.length - BOT_HISTORY_LIMIT)
  }

  /** The conversation for a new model session: the last turns verbatim, older ones folded into one summary note. */
  private replayHistory(): ReplayItem[] {
    const keep = 24
    const items = this.history
    const open = this.d.tasks.statusLines()
    const note: ReplayItem[] = open.length > 0 ? [{ role: 'system', text: `Open tasks continue:\n${open.join('\n')}` }] : []
    if (items.length <= keep) return [...items, ...note]
    const older = items.slice(0, items.length - keep)
    const summary = older.map((i) => `${i.role === 'user' ? 'Caller' : i.role === 'assistant' ? 'You' : 'Note'}: ${i.text}`).join('\n')
    return [{ role: 'system', text: `Earlier in this call:\n${summary.slice(-6000)}` }, ...items.slice(-keep), ...note]
  }

  private sipHeaders(): { name: string; value: string }[] {
    return [{ name: 'X-FastAgent-Call-Id', value: this.d.callId }]
  }

  // ================================================================================================================
  // end
  // ================================================================================================================

  private finish(end: LegEnd): void {
    if (this.over) return
    this.over = true
    clearTimeout(this.maxTimer)
    if (this.hangupTimer) clearTimeout(this.hangupTimer)
    this.model.close()
    const reason: CallEndReason =
      end.by === 'transfer'
        ? 'transferred'
        : end.by === 'bot' || end.by === 'server'
          ? (this.endReason ?? (end.by === 'server' ? 'shutdown' : 'completed'))
          : end.by === 'caller'
            ? this.endReason === 'completed' && this.closing !== 'none'
              ? 'completed'
              : 'caller-hangup'
            : end.by === 'lost'
              ? 'lost'
              : 'vaic-error'
    this.log.info('call.ended', { reason, by: end.by, reasonCode: end.reasonCode })
    this.d.onEnded({ callId: this.d.callId, reason, leg: end, closed: this.closing !== 'none' && this.endReason === 'completed' })
  }
}

function parseOutput(json: string): { task?: string; say?: string; ask?: string } {
  try {
    const v = JSON.parse(json) as Record<string, unknown>
    const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined)
    const task = str('task')
    const say = str('say')
    const ask = str('ask')
    return { ...(task ? { task } : {}), ...(say ? { say } : {}), ...(ask ? { ask } : {}) }
  } catch {
    return {}
  }
}

function safeReason(argsJson: string): string {
  try {
    const v = JSON.parse(argsJson) as { reason?: unknown }
    return typeof v.reason === 'string' ? v.reason.slice(0, 200) : 'caller asked for a person'
  } catch {
    return 'caller asked for a person'
  }
}
