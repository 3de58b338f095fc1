/**
 * @module call/call-manager
 * Accepts conversations from the phone endpoint and builds a call session for each: the call row, the task runtime,
 * the model leg — and, when the caller is coming back after a drop (our dial-out, or the same number calling within
 * the resume window), the saved tasks and transcript with a "Welcome back" greeting. Tracks live calls for the
 * concurrency gauge and for shutdown.
 */
import { randomUUID } from 'node:crypto'
import type { Config } from '../config/schema'
import type { BusinessDirectory } from '../config/business/directory'
import type { Logger } from '../ops/log'
import type { Store } from '../store/store'
import type { CallAcceptor, IncomingCall } from '../telephony/audiocodes/endpoint'
import type { PhoneLeg, PhoneLegHandler } from '../telephony/audiocodes/phone-leg'
import type { CallRow } from '../store/rows'
import type { RealtimeMetrics } from '../realtime/model-leg'
import type { ReplayItem } from '../realtime/protocol'
import type { TaskRegistry } from '../agents/task-definition'
import type { DomainExecutor } from '../agents/domain-executor'
import { TaskRuntime } from '../agents/runtime'
import { registryFor } from '../agents/declared/registry'
import type { Submissions } from '../agents/declared/submissions'
import { CallSession, type CallOutcome, type Greeting, type SessionMark } from './call-session'
import { isDrop } from './lifecycle'
import { callLinesFor, packFor, taskWordsIn, welcomeBackDoneText, welcomeBackText } from '../i18n/packs'
import type { Language } from '../i18n/languages'
import { missFromEnd, verdictInActivity, verdictInStart } from './callback-answer'
import type { StartParams } from '../telephony/audiocodes/phone-leg'
import type { CallMetrics } from './metrics'
import type { Continuity, ResumeSource } from '../continuity/continuity'
import { priorConversation } from '../continuity/resume-trust'
import type { CallEventBus } from './call-events'
import type { Recordings } from '../recording/recordings'
import type { FallbackClip } from './fallback-audio'
import { fixedLine, personalLine } from './spoken-line'
import { isAcMediaFormat, relayPlan, type AcMediaFormat } from '../audio/formats'
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime'
import type { Business } from '../config/business/business'
import { tenantCallerId } from '../config/business/tenants'
import { grantAllows, type Grant } from '../telephony/audiocodes/auth'
import { poolKey, type SessionPool } from '../realtime/session-pool'
import { freshCallTarget } from './call-session-config'
import { callPhrases, phraseKey, type PhraseCache } from './phrase-cache'
import { businessFixedTexts } from './fixed-texts'
import { WriteQueue } from '../store/write-queue'
import type { StoreHealth } from '../store/store-health'

/**
 * How long the configured greeting waits, once the model is ready, for its audio while the store read of it is still
 * in flight (not in memory, not a miss remembered: no wait at all): a store answering in a few milliseconds still plays
 * it from the cache; a slower or failed read leaves the greeting to the model (a miss, as before the line was first
 * spoken).
 */
export const GREETING_PHRASE_WAIT_MS = 30

export type CallManagerDeps = {
  readonly config: Config
  readonly log: Logger
  readonly store: Store
  readonly tasks: TaskRegistry
  readonly domain: DomainExecutor
  /** The businesses served; each call takes the current version's business when it starts and keeps it. */
  readonly businesses: BusinessDirectory
  readonly realtimeMetrics: RealtimeMetrics
  readonly metrics: CallMetrics
  /** The recorded apology for a call whose model cannot speak. */
  readonly fallback?: FallbackClip
  readonly continuity: Continuity
  readonly now: () => number
  /** This instance (INSTANCE_ID): the owner recorded on its calls. */
  readonly instanceId?: string
  /** A call moved here from instance `owner`: tell it to let the call go (PostgreSQL NOTIFY). */
  readonly released?: (owner: string, callId: string) => void
  /** Our dial-outs' caller id (E.164): a conversation showing it is our callback ringing out. */
  readonly dialoutCallerId?: string
  /** Test hook: how long a tool call waits for its task before answering "working on it". */
  readonly settleMs?: number
  /** Where the call's events go (console, latency histograms). */
  readonly events?: CallEventBus
  /** Call recording (RECORD_CALLS): a recorder per call, or none. */
  readonly recordings?: Recordings
  /** Warm Realtime sessions (REALTIME_POOL_SIZE): a new call takes one when its key matches. */
  readonly pool?: SessionPool
  /** The model's audio of fixed lines, replayed with no model round trip. */
  readonly phrases?: PhraseCache
  /** Declared tasks' webhook outcomes, and the runner that sends them. */
  readonly submissions?: Submissions
  readonly wakeWebhooks?: () => void
  /** Where each call's write queue reports that the database is away and back (`/readyz`). */
  readonly health?: StoreHealth
}

export class CallManager implements CallAcceptor {
  private readonly sessions = new Map<string, CallSession>()
  /** Each live call's phone leg (a call taken over elsewhere is released through it). */
  private readonly legs = new Map<string, PhoneLeg>()
  /** Each call's ordered writes, until its ending is recorded (shutdown abandons those stuck in an outage). */
  private readonly queues = new Set<WriteQueue>()
  private stopping = false

  constructor(private readonly d: CallManagerDeps) {}

  get live(): number {
    return this.sessions.size
  }

  async accept(call: IncomingCall, moved?: CallRow): Promise<{ ok: true; handler: PhoneLegHandler } | { ok: false; reason: string }> {
    const d = this.d
    const pool = d.pool
    // The business is chosen here, at session.initiate, before anything is created or any model session is taken:
    // the call (and the warm session it takes) is that business's from the start.
    // A call taken over from another instance stays its business's.
    const mine = moved ? d.businesses.byId(moved.tenant_id) : undefined
    const chosen = mine ? { ok: true as const, business: mine } : d.businesses.select({ botName: call.botName, callee: call.callee, caller: call.callerRaw })
    if (!chosen.ok) {
      d.log.warn('call.unknown_tenant', { conversationId: call.conversationId, botName: call.botName?.slice(0, 60), reason: chosen.reason })
      return { ok: false, reason: 'unknown tenant: no business answers this bot name or number' }
    }
    const business = chosen.business
    if (!grantAllows(call.grant, business.id, business.tenant.botToken !== undefined)) {
      d.log.warn('call.token_not_for_tenant', { conversationId: call.conversationId, tenant: business.id })
      return { ok: false, reason: 'unknown tenant: no business answers this bot name or number' }
    }
    // Everything this call reads and writes is its business's (store/tenant): rows, resumes, texts, callbacks.
    const store = d.store.forTenant(business.id)
    const continuity = d.continuity.forTenant(business.id, business)
    // A call taken over from another instance keeps its id, row, tasks and transcript: only its sockets moved.
    const callId = moved?.id ?? randomUUID()
    const now = d.now()
    const log = d.log.child({ callId, conversationId: call.conversationId, tenant: business.id })
    let found: ResumeSource | undefined
    try {
      if (!moved) found = await continuity.findResume(call.conversationId, call.caller)
    } catch (err) {
      log.error('call.resume_lookup_failed', { err })
      return { ok: false, reason: 'could not start the call' }
    }
    // Our dial-out: VAIC may open the socket before its HTTP answer told us the conversation id, but the call shows
    // our own caller id. It is identified (and greeted) only when the callee answers: the `start` event.
    const ourCallerId = d.dialoutCallerId === undefined ? undefined : tenantCallerId(business, d.dialoutCallerId)
    const outbound = found?.via === 'dialout' || (ourCallerId !== undefined && call.caller === ourCallerId)
    let resume: ResumeSource | undefined = outbound ? undefined : found
    // On our dial-out, VAIC's `caller` is our own number: the person is the one we dialled (known once identified).
    let caller = outbound ? found?.number : call.caller
    try {
      if (!moved)
        await store.calls.create({
        id: callId,
        conversationId: call.conversationId,
        direction: outbound ? 'outbound' : 'inbound',
        caller,
        botName: call.botName,
        mediaFormat: call.leg.mediaFormat,
        resumesCallId: found?.via === 'dialout' ? found.callId : resume?.callId,
        at: now,
        language: business.language,
        ...(d.instanceId !== undefined ? { owner: d.instanceId } : {}),
      })
    } catch (err) {
      log.error('call.create_failed', { err })
      return { ok: false, reason: 'could not start the call' }
    }
    const events = d.events
    events?.emit({ type: 'started', callId, at: now, mediaFormat: call.leg.mediaFormat, direction: resume?.via === 'dialout' ? 'outbound' : 'inbound', caller, resumes: resume?.callId, tenant: business.id })
    const recorder = d.recordings?.start(callId, call.leg.mediaFormat, now)
    let session: CallSession | undefined
    // The call's writes (steps, effects, transcript lines, details, its ending), in order, retried through an outage.
    const health = d.health
    const writes: WriteQueue = new WriteQueue({
      onState: (s, err) => {
        health?.report(writes, s === 'ok')
        if (s === 'retrying') {
          log.warn('call.store_unavailable', { err, pending: writes.pending })
          d.metrics.failures.inc({ where: 'store-unavailable' })
          if (this.stopping) writes.abandon()
        } else log.info('call.store_back', { pending: writes.pending })
      },
      onLost: (label, why, err) => {
        if (why === 'dropped') d.metrics.failures.inc({ where: 'transcript-dropped' })
        log.error(why === 'dropped' ? 'call.write_dropped' : `call.${label}_write_failed`, { err })
      },
    })
    this.queues.add(writes)
    // The built-in tasks plus this business's declared forms and look-ups.
    const tasks = registryFor(d.tasks, business)
    const runtime = new TaskRuntime({
      callId,
      caller,
      registry: tasks,
      store,
      domain: d.domain,
      writes,
      storeWaitMs: d.config.STORE_WAIT_SECONDS * 1000,
      log,
      now: d.now,
      tz: business.timeZone,
      hours: business.hours,
      slotMinutes: business.services[0]?.minutes ?? d.config.SLOT_MINUTES,
      business,
      onUpdate: (u) => session?.taskUpdate(u),
      onChange: () => session?.refreshInstructions(),
      onOutbox: () => continuity.wakeOutbox(),
      onFailure: (where) => d.metrics.failures.inc({ where }),
      ...(events ? { onStep: (s: { taskId: string; kind: string; from: string; to: string; on: string; status: string }) => events.emit({ type: 'task-step', callId, at: d.now(), ...s }) } : {}),
      ...(d.settleMs !== undefined ? { settleMs: d.settleMs } : {}),
      ...(d.submissions ? { submissions: d.submissions } : {}),
      ...(d.wakeWebhooks ? { onWebhook: d.wakeWebhooks } : {}),
    })
    // Every fixed line of this call, in its business's language with the business's own wording.
    const lines = callLinesFor(business.language, business.name, business.wording[business.language])
    // The configured greeting is the same for every caller; a welcome back is built from the caller's saved tasks.
    const configured = fixedLine(lines.greeting)
    const phrases = d.phrases?.enabled
      ? callPhrases(d.phrases, { voice: business.voice ?? d.config.OPENAI_VOICE, model: d.config.OPENAI_REALTIME_MODEL, format: relayPlan(call.leg.mediaFormat).openai.type })
      : undefined
    // This call's fixed lines come into memory (another instance may have spoken them): the line, when due, is read
    // from memory, never from the store. The read runs beside the call's start, not in its way: a slow or failing
    // store only means a line not yet in memory is spoken by the model.
    if (phrases) void phrases.cache.prefetch([...businessFixedTexts(business)].map((t) => phraseKey(phrases.scope(t))))
    const priorHistory: ReplayItem[] = []
    const takeOver = async (r: ResumeSource) => {
      try {
        await runtime.adopt(await store.tasks.openForCall(r.callId))
        // The earlier conversation only for a verified return (our dial-out, VAIC's resume); caller ID can be spoofed.
        if (r.trust === 'verified') priorHistory.push(...priorConversation(r.trust, await store.transcript.list(r.callId)))
        await continuity.markResumed(r.callId, callId)
      } catch (err) {
        // The new call goes on as a fresh one; the dropped call stays resumable for another try.
        log.error('call.resume_failed', { err, from: r.callId })
      }
      log.info('call.resuming', { from: r.callId, via: r.via, trust: r.trust, tasks: runtime.openTasks().length, priorLines: priorHistory.length })
    }
    if (resume) await takeOver(resume)
    if (moved) {
      // VAIC resumed this call here: the conversation so far goes into the new model session (a verified return).
      try {
        await runtime.adopt(await d.store.tasks.openForCall(callId))
        priorHistory.push(...priorConversation('verified', await d.store.transcript.list(callId)))
      } catch (err) {
        log.error('call.takeover_restore_failed', { err })
      }
      log.info('call.taken_over', { from: moved.owner, tasks: runtime.openTasks().length, priorLines: priorHistory.length })
    }
    /** An outbound call: answered (the start event) and by whom. */
    const answer = { answered: false, machine: false }
    const words = packFor(business.language)
    const nounOf = (kind: string) => {
      const def = tasks.get(kind)
      return def ? taskWordsIn(business.language, kind, def).noun : words.call.request
    }
    const noun = () => [...new Set(runtime.openTasks().map((t) => nounOf(t.kind)))].join(` ${words.dates.and} `) || words.call.request
    const machineAnswered = () => {
      if (answer.machine) return
      answer.machine = true
      log.info('call.callback_machine', { callbackOf: resume?.callId })
      session?.leaveVoicemail(continuity.voicemailText(noun(), lines))
    }
    /** The callee picked up: which callback this is (HTTP answer or dial-out metadata, whichever came first). */
    const answered = async (p: StartParams) => {
      if (!outbound || answer.answered) return
      answer.answered = true
      const r = await continuity.identifyCallback(call.conversationId, p.dialoutMetadata)
      if (!r) {
        log.warn('call.outbound_unknown', { hasMetadata: p.dialoutMetadata !== undefined })
        return
      }
      resume = r
      caller = r.number
      if (r.number !== undefined) {
        runtime.identify(r.number)
        await store.calls.identify(callId, r.number, r.callId, d.now())
      }
      await takeOver(r)
      if (verdictInStart(p) === 'machine') machineAnswered()
    }
    /** Decided when the model is ready to speak, after effects the dropped call left in flight have settled. */
    const greeting = async (): Promise<Greeting> => {
      if (!resume && !moved) return configuredGreeting()
      await runtime.settleAdopted(1500)
      const r = runtime.takeResume()
      if (r && r.open.length > 0) return { line: personalLine(welcomeBackText(lines, r.open.map((l) => l.text), packFor(business.language).dates.and)), asksAnythingElse: false }
      if (r && r.completed.length > 0) return { line: personalLine(welcomeBackDoneText(lines, r.completed.map((l) => l.text))), asksAnythingElse: true }
      return configuredGreeting()
    }
    /** The configured greeting, a fixed line: its audio may still be on its way from the store, worth a moment's wait. */
    const configuredGreeting = async (): Promise<Greeting> => {
      const read = phrases?.cache.pending(phraseKey(phrases.scope(configured.text)))
      if (read) await Promise.race([read, Bun.sleep(GREETING_PHRASE_WAIT_MS)])
      return { line: configured, asksAnythingElse: false }
    }
    // The call's own writes (transcript lines, details) reach the store in the order they happened, in the call's
    // queue, off the audio path: nobody waits for them, and a failed write is logged, never thrown into the call.
    const record = (role: 'caller' | 'bot' | 'tool' | 'agent' | 'system', text: string, meta?: Record<string, unknown>) => {
      const at = d.now()
      writes.offer('transcript', () => store.transcript.add(callId, role, text, at, meta))
      events?.emit({ type: 'line', callId, at, role, text, meta })
    }
    session = new CallSession({
      callId,
      conversationId: call.conversationId,
      leg: call.leg,
      config: d.config,
      log,
      now: d.now,
      tasks: runtime,
      business,
      realtimeMetrics: d.realtimeMetrics,
      metrics: d.metrics,
      ...(d.fallback ? { fallback: d.fallback } : {}),
      ...(phrases ? { phrases } : {}),
      greeting,
      priorHistory,
      record,
      onStartParams: (p) => {
        const pick = (k: string) => (typeof p[k] === 'string' ? (p[k] as string).slice(0, 200) : undefined)
        const details: Record<string, unknown> = {}
        for (const k of ['callee', 'calleeHost', 'callerHost', 'callerDisplayName', 'outboundTarget']) if (pick(k) !== undefined) details[k] = pick(k)
        if (p.dialoutMetadata && typeof p.dialoutMetadata === 'object') details.dialoutMetadata = p.dialoutMetadata
        const at = d.now()
        writes.offer('details', () => store.calls.setDetails(callId, pick('callee'), details, at))
        // An outbound call's model waits for this: identify the callback and take its tasks over first.
        return answered(p).catch((err: unknown) => log.error('call.callback_identify_failed', { err }))
      },
      waitForStart: outbound,
      onActivity: (a) => {
        if (outbound && verdictInActivity(a) === 'machine') machineAnswered()
      },
      onEnded: (o) => {
        // A callback that never reached a person is that callback's outcome, not a new drop (no second SMS).
        const miss = !outbound ? undefined : answer.machine ? 'machine' : !answer.answered ? (missFromEnd(o.leg.reasonCode) ?? 'not-answered') : undefined
        const missed = async () => {
          if (miss === undefined) return
          if (resume) await runtime.release(resume.callId)
          await continuity.callbackMissed(call.conversationId, resume, miss)
        }
        const outcome: CallOutcome = miss !== undefined ? { ...o, reason: 'unanswered' } : o
        events?.emit({ type: 'ended', callId, at: d.now(), reason: outcome.reason })
        if (recorder) d.recordings?.finish(recorder)
        // A hang-up on silence says so: the caller was not cut off, they went quiet.
        const sms = outcome.reason === 'silence' ? lines.smsSilence : lines.smsDropped
        this.ended(outcome, runtime, continuity, caller, sms, business.language, writes, async () => {
          await writes.idle()
          await missed()
        })
      },
      ...(events || recorder
        ? {
            mark: (m: SessionMark) => {
              const at = d.now()
              // A barge-in cuts the recording's bot channel where the caller stopped hearing it.
              if (m.type === 'barge-in') recorder?.cut(at)
              events?.emit({ ...m, callId, at })
            },
          }
        : {}),
      ...(recorder ? { tap: recorder } : {}),
      ...(pool ? { takeWarm: (s: RealtimeSessionCreateRequest) => this.takeWarm(pool, s, business, call.leg.mediaFormat) } : {}),
    })
    this.sessions.set(callId, session)
    this.legs.set(callId, call.leg)
    return { ok: true, handler: session }
  }

  /**
   * A warm session for a call whose session is `s`, or none. Finding none, the pool warms for this call's kind from
   * then on (its business and format): the next call like it finds one.
   */
  private takeWarm(pool: SessionPool, s: RealtimeSessionCreateRequest, business: Business, format: AcMediaFormat) {
    const key = poolKey(s)
    const warm = pool.take(key)
    if (!warm) {
      const target = freshCallTarget({ config: this.d.config, tasks: this.d.tasks, now: this.d.now }, business, relayPlan(format).openai)
      // Same key by construction (the key leaves out instructions and tools); checked so an odd config never retargets.
      if (target.key === key) pool.retarget(target)
    }
    return warm
  }

  /**
   * `session.resume` for a call another instance of the cluster holds (VAIC's new socket reached this one): the call
   * moves here if it is still live there (one conditional UPDATE), the old owner is told to let its model leg go
   * (`released`; it records no ending: the call is not its any more), and a session with the saved tasks and the
   * conversation replayed goes on with it.
   */
  async takeOver(conversationId: string, grant: Grant, legFor: (mediaFormat: AcMediaFormat, streamIdsAbove: number) => PhoneLeg): Promise<{ leg: PhoneLeg; handler: PhoneLegHandler } | undefined> {
    const d = this.d
    if (d.instanceId === undefined || d.store.engine !== 'postgres') return undefined
    const row = await d.store.calls.byConversation(conversationId)
    if (!row || row.state !== 'live' || row.owner === d.instanceId || !row.media_format || !isAcMediaFormat(row.media_format)) return undefined
    if (!(await d.store.calls.move(row.id, row.owner, d.instanceId, d.now()))) return undefined
    if (row.owner !== null) d.released?.(row.owner, row.id)
    // Ids above the milliseconds the call has lasted: more than the play streams any earlier owner can have opened.
    const leg = legFor(row.media_format, Math.max(0, d.now() - row.started_at))
    const call: IncomingCall = { conversationId, leg, caller: row.caller ?? undefined, callerRaw: undefined, callee: row.callee ?? undefined, botName: row.bot_name ?? undefined, expectAudioMessages: true, offeredFormats: [row.media_format], options: {}, grant }
    const r = await this.accept(call, row)
    if (!r.ok) {
      d.log.error('call.takeover_refused', { callId: row.id, reason: r.reason })
      return undefined
    }
    return { leg, handler: r.handler }
  }

  /** Another instance took this call over: its socket is there now. Let the model leg go; record nothing. */
  release(callId: string): boolean {
    const leg = this.legs.get(callId)
    if (!leg) return false
    this.d.log.info('call.released', { callId })
    leg.terminate('the call moved to another instance')
    return true
  }

  /** Politely ends every live call (shutdown): each hangs up; their state is already saved. */
  shutdownAll(reason: string): void {
    for (const s of this.sessions.values()) s.shutdown(reason)
  }

  /**
   * The process is stopping: writes waiting for an unavailable database are given up (now, and any queue that
   * starts waiting from now on), so the shutdown ends. None of them was acknowledged to a caller.
   */
  abandonStalledWrites(): void {
    this.stopping = true
    for (const q of this.queues) if (q.retrying) q.abandon()
  }

  private ended(o: CallOutcome, runtime: TaskRuntime, continuity: Continuity, caller: string | undefined, smsTemplate: string | undefined, language: Language, queue: WriteQueue, writes: () => Promise<void>): void {
    this.sessions.delete(o.callId)
    this.legs.delete(o.callId)
    const p = (async () => {
      // Let work in flight finish first (a booking request sent just before the caller hung up; a step waiting for
      // the database to come back).
      runtime.stop()
      await runtime.settle(5000)
      await writes()
      await this.outcome(o, runtime, continuity, caller, smsTemplate, language, queue)
    })()
      .catch((err: unknown) => this.d.log.error('call.end_failed', { callId: o.callId, err }))
      .finally(() => {
        this.pending.delete(p)
        this.queues.delete(queue)
        this.d.health?.forget(queue)
      })
    this.pending.add(p)
  }

  /** Call endings still being recorded (shutdown waits for them). */
  private readonly pending = new Set<Promise<void>>()

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  private async outcome(o: CallOutcome, runtime: TaskRuntime, continuity: Continuity, caller: string | undefined, smsTemplate: string | undefined, language: Language, queue: WriteQueue): Promise<void> {
    const open = runtime.openTasks()
    const dropped = isDrop(o.reason, open.length)
    this.d.metrics.outcomes.inc({ reason: o.reason, dropped: String(dropped) })
    // The ending (and its drop SMS) waits out an outage like the steps before it, in the same order; ending a call is
    // conditional on it being live, so a retry after an ambiguous failure records it once.
    await queue.run('call-end', () => continuity.callEnded({ callId: o.callId, reason: o.reason, caller, openTasks: open, dropped, language, ...(smsTemplate ? { smsTemplate } : {}) }))
  }
}
