/**
 * @module continuity/continuity
 * Call continuity: a call that drops with a task open is marked resumable and gets exactly one SMS ("Reply CALL to
 * continue"); a CALL reply schedules a dial-out; the callback (or the caller ringing back within the window) finds
 * the saved call and resumes it. Decisions live here; I/O is in the outbox handlers (SMS, dial-out).
 *
 * The guarantees come from the store: the drop, its SMS and the callback request are written in one durable
 * transaction each (fsynced: they are promises to the caller), and the outbox's idempotency keys make "exactly one
 * SMS per dropped call" hold across retries, restarts and crashes.
 */
import type { Config } from '../config/schema'
import type { Logger } from '../ops/log'
import type { Counter, MetricsRegistry } from '../ops/metrics'
import type { Store } from '../store/store'
import type { CallRow } from '../store/rows'
import type { OpenTaskInfo } from '../call/task-port'
import type { CallEndReason } from '../call/lifecycle'
import { resumeTrust, type ResumeTrust, type ResumeVia } from './resume-trust'
import { isLanguage, type Language } from '../i18n/languages'
import type { Business } from '../config/business/business'
import type { CallLines } from '../i18n/pack'
import { fill } from '../i18n/pack'
import { callLinesFor, packFor } from '../i18n/packs'

export type ResumeSource = {
  readonly callId: string
  readonly via: ResumeVia
  /** What the new call may be shown of the dropped one: always `resumeTrust(via)` (see {@link resumeSource}). */
  readonly trust: ResumeTrust
  /** The number we dialled (a dial-out's own caller field is our number, not theirs). */
  readonly number?: string
  /** The callback row, for a dial-out. */
  readonly callbackId?: number
}

/** The one way a resume source is made: its trust follows from how it was recognised. */
export function resumeSource(callId: string, via: ResumeVia, more: { readonly number?: string; readonly callbackId?: number } = {}): ResumeSource {
  return { callId, via, trust: resumeTrust(via), ...more }
}

/** Why a callback did not reach a person: VAIC's session.end codes before an answer, or its machine detection. */
export type CallbackMiss = 'no-answer' | 'busy' | 'declined' | 'machine' | 'not-answered'

export type CallEnd = {
  readonly callId: string
  readonly reason: CallEndReason
  readonly caller: string | undefined
  readonly openTasks: readonly OpenTaskInfo[]
  readonly dropped: boolean
  /** The call's business's drop SMS ({task} = what was in progress); default SMS_DROP_TEXT. */
  readonly smsTemplate?: string
  /** The call's language: the words for {task} and the call-back sentence. */
  readonly language?: Language
}

export type SmsPayload = { readonly to: string; readonly body: string; readonly callId: string }
export type DialoutPayload = { readonly to: string; readonly callId: string; readonly callbackId: number }

export type ContinuityMetrics = { readonly drops: Counter; readonly smsScheduled: Counter; readonly callbacks: Counter; readonly resumes: Counter }

export function continuityMetrics(registry: MetricsRegistry): ContinuityMetrics {
  return {
    drops: registry.counter('fastagent_calls_dropped_total', 'calls that ended with a task open and no goodbye'),
    smsScheduled: registry.counter('fastagent_sms_scheduled_total', 'follow-up SMS scheduled after a drop'),
    callbacks: registry.counter('fastagent_callbacks_total', 'CALL replies by outcome', ['outcome']),
    resumes: registry.counter('fastagent_resumes_total', 'calls that resumed a dropped one, by how', ['via']),
  }
}

export type ContinuityDeps = {
  readonly config: Config
  readonly store: Store
  readonly log: Logger
  readonly now: () => number
  readonly metrics: ContinuityMetrics
  /** The noun a task's SMS mentions ("appointment"), by task kind, in the call's language, as its business names it. */
  readonly nounOf: (kind: string, language?: Language, tenant?: string) => string
  /** A business served now, by tenant id: a recovered call's drop SMS is in its wording (absent: the defaults). */
  readonly businessOf?: (tenant: string) => Pick<Business, 'name' | 'language' | 'wording'> | undefined
  /** The business's lines for replies to texts (the first business's, or the tenant's: forTenant; default: English with BUSINESS_NAME). */
  readonly lines?: () => CallLines
  /** Called after something was enqueued for the outbox runner. */
  readonly wake: () => void
  readonly dialoutEnabled: boolean
  /** The business the texts and the voicemail name (default BUSINESS_NAME); set by {@link Continuity.forTenant}. */
  readonly businessName?: string
  /** This instance (INSTANCE_ID): it records the ends of its own calls only (one that moved away is not its any more). */
  readonly instanceId?: string
}

/** Callback requests allowed per number per hour. */
const CALLBACKS_PER_HOUR = 3

export class Continuity {
  constructor(private readonly d: ContinuityDeps) {}

  /**
   * The same continuity for one business: its drops, resumes, texts and callbacks only (the store bound to the
   * tenant, see store/tenant), worded with its name. A callback of another business is never taken as this one's.
   */
  forTenant(tenant: string, business?: Pick<Business, 'name' | 'language' | 'wording'>): Continuity {
    // Stateless, so every call of a business (a version's business object) shares one, as they share its store.
    const cached = business ? this.byBusiness.get(business) : this.byTenant.get(tenant)
    if (cached !== undefined && cached.d.store.tenant === tenant) return cached
    const own = business && { businessName: business.name, lines: () => callLinesFor(business.language, business.name, business.wording[business.language]) }
    const bound = new Continuity({ ...this.d, store: this.d.store.forTenant(tenant), ...own })
    if (business) this.byBusiness.set(business, bound)
    else this.byTenant.set(tenant, bound)
    return bound
  }

  /** Bound continuities: by business object (a reload's new version brings new ones), or by tenant alone. */
  private readonly byBusiness = new WeakMap<object, Continuity>()
  private readonly byTenant = new Map<string, Continuity>()

  private get businessName(): string {
    return this.d.businessName ?? this.d.config.BUSINESS_NAME
  }

  /** A callback row this continuity may act on: any when unbound, else only its own tenant's. */
  private mine(cb: { tenant_id: string } | undefined): boolean {
    return cb !== undefined && (this.d.store.tenant === undefined || cb.tenant_id === this.d.store.tenant)
  }

  private get windowMs(): number {
    return this.d.config.RESUME_WINDOW_HOURS * 3_600_000
  }

  /** Something else (a task's text message) was enqueued for the outbox runner. */
  wakeOutbox(): void {
    this.d.wake()
  }

  private lines(language?: Language): CallLines {
    return language !== undefined ? packFor(language).call : (this.d.lines?.() ?? callLinesFor('en', this.d.config.BUSINESS_NAME, undefined))
  }

  smsText(openTasks: readonly { kind: string }[], template: string = this.d.config.SMS_DROP_TEXT, language?: Language): string {
    const words = packFor(language ?? 'en')
    const nouns = [...new Set(openTasks.map((t) => this.d.nounOf(t.kind, language, this.d.store.tenant)))]
    const noun = nouns.length === 0 ? words.call.request : nouns.join(` ${words.dates.and} `)
    let text = template.replaceAll('{task}', noun)
    // The sentence that says to reply CALL (in any language the keyword stays CALL) becomes "call us back".
    if (!this.d.dialoutEnabled) text = text.replace(/(^|\s)[^.!?]*\bCALL\b[^.!?]*[.!?]/, `$1${words.call.smsCallUsBack}`)
    return text
  }

  /** Records how a call ended; a drop becomes resumable and schedules its one SMS (durably, atomically). */
  async callEnded(e: CallEnd): Promise<void> {
    const now = this.d.now()
    const log = this.d.log.child({ callId: e.callId })
    const owner = this.d.instanceId
    if (!e.dropped) {
      await this.d.store.calls.end(e.callId, e.reason, null, now, owner)
      // A completed resumed call closes the dropped call it continued.
      const row = await this.d.store.calls.get(e.callId)
      if (row?.resumes_call_id && e.reason === 'completed') await this.d.store.calls.setResumeStatus(row.resumes_call_id, 'closed', now)
      return
    }
    const to = e.caller
    const body = this.smsText(e.openTasks, e.smsTemplate, e.language)
    const sms = to !== undefined && !(await this.d.store.sms.isOptedOut(to))
    const ended = await this.d.store.tx(
      async (t) => {
        // Someone else ended it first (a survivor declared this instance dead: that ending had its own SMS), or the
        // call moved to another instance (VAIC resumed it there), which goes on with it.
        if (!(await t.calls.end(e.callId, e.reason, 'pending', now, owner))) return false
        if (sms) {
          const payload: SmsPayload = { to, body, callId: e.callId }
          await t.outbox.enqueue({ idemKey: `sms:drop:${e.callId}`, kind: 'sms', payload, callId: e.callId, at: now })
        }
        return true
      },
      { durable: true },
    )
    if (!ended) {
      log.info('continuity.drop_already_recorded', { reason: e.reason })
      return
    }
    this.d.metrics.drops.inc()
    log.info('continuity.drop', { reason: e.reason, openTasks: e.openTasks.length, sms, caller: to })
    if (sms) {
      this.d.metrics.smsScheduled.inc()
      this.d.wake()
    }
  }

  /**
   * Live calls whose instance died with them (this instance's previous run, or a cluster peer whose lease ran out),
   * already taken over by this instance: each is dropped now and gets its follow-up. Ending a call is conditional on
   * it still being live and its SMS has one idempotency key, so a call is declared dropped once across the cluster.
   */
  async recoverCalls(calls: readonly CallRow[], openTasksOf: (callId: string) => Promise<readonly OpenTaskInfo[]>, from: string): Promise<number> {
    for (const c of calls) {
      const open = await openTasksOf(c.id)
      // Worded as the live call would have: its business's SMS in the call's language (both from the call's row).
      const business = this.d.businessOf?.(c.tenant_id)
      const language = c.language !== null && isLanguage(c.language) ? c.language : business?.language
      const template = language === undefined ? undefined : business ? callLinesFor(language, business.name, business.wording[language]).smsDropped : packFor(language).call.smsDropped
      await this.forTenant(c.tenant_id, business).callEnded({
        callId: c.id,
        reason: 'crashed',
        caller: c.caller ?? undefined,
        openTasks: open,
        dropped: open.length > 0,
        ...(language !== undefined ? { language } : {}),
        ...(template !== undefined ? { smsTemplate: template } : {}),
      })
    }
    if (calls.length > 0) this.d.log.warn('continuity.recovered_crashed_calls', { count: calls.length, from })
    return calls.length
  }

  /** Is this new conversation a return of a dropped call? Our dial-out first, then the same number in the window. */
  async findResume(conversationId: string, caller: string | undefined): Promise<ResumeSource | undefined> {
    const dialout = await this.dialoutFor(conversationId)
    if (dialout) return dialout
    if (caller === undefined) return undefined
    const row = await this.d.store.calls.resumableFor(caller, this.d.now() - this.windowMs)
    return row ? resumeSource(row.id, 'callback-number') : undefined
  }

  /** Our dial-out whose HTTP answer named this conversation (it may come after the socket: see identifyCallback). */
  private async dialoutFor(conversationId: string): Promise<ResumeSource | undefined> {
    const cb = await this.d.store.callbacks.byConversation(conversationId)
    if (!cb || !this.mine(cb)) return undefined
    const call = await this.d.store.calls.get(cb.call_id)
    return call?.resume_status === 'pending' ? resumeSource(call.id, 'dialout', { number: cb.number, callbackId: cb.id }) : undefined
  }

  /**
   * An outbound call was answered (its `start` event): which callback is it? By the conversation id the dial-out's
   * HTTP answer gave, or by the ids we put in the dial-out metadata, which VAIC hands back as `dialoutMetadata` —
   * whichever arrived first. Both ids must match a callback still in flight for a call still waiting to resume.
   */
  async identifyCallback(conversationId: string, dialoutMetadata: unknown): Promise<ResumeSource | undefined> {
    const known = await this.dialoutFor(conversationId)
    if (known) return known
    if (dialoutMetadata === null || typeof dialoutMetadata !== 'object') return undefined
    const m = dialoutMetadata as Record<string, unknown>
    const id = typeof m.fastagentCallbackId === 'string' && /^\d{1,15}$/.test(m.fastagentCallbackId) ? Number(m.fastagentCallbackId) : undefined
    const cb = id === undefined ? undefined : await this.d.store.callbacks.get(id)
    if (!cb || !this.mine(cb) || cb.call_id !== m.fastagentCallId || (cb.status !== 'pending' && cb.status !== 'dialing')) return undefined
    const call = await this.d.store.calls.get(cb.call_id)
    if (call?.resume_status !== 'pending') return undefined
    // Remember the conversation: the dial-out's HTTP answer (if still to come) and VAIC's notifications find it.
    await this.d.store.callbacks.setStatus(cb.id, cb.status, this.d.now(), conversationId)
    return resumeSource(call.id, 'dialout', { number: cb.number, callbackId: cb.id })
  }

  /**
   * Our callback did not reach a person. That is the callback's outcome, not a new drop: no SMS; the callback is
   * failed; the dropped call stays resumable (a CALL reply or a call from the same number still continues it).
   * `source` is the callback when it was identified; otherwise the conversation id finds it (or the dial-out
   * handler does, when VAIC's HTTP answer comes after the call ended).
   */
  async callbackMissed(conversationId: string, source: ResumeSource | undefined, why: CallbackMiss): Promise<void> {
    const now = this.d.now()
    const cbId = source?.callbackId ?? (await this.d.store.callbacks.byConversation(conversationId))?.id
    const cb = cbId === undefined ? undefined : await this.d.store.callbacks.get(cbId)
    this.d.metrics.callbacks.inc({ outcome: `missed-${why}` })
    this.d.log.info('continuity.callback_missed', { why, droppedCallId: cb?.call_id, conversationId })
    if (!cb) return
    await this.d.store.tx(
      async (t) => {
        await t.callbacks.setStatus(cb.id, 'failed', now)
        const dropped = await t.calls.get(cb.call_id)
        if (dropped && (dropped.resume_status === 'resumed' || dropped.resume_status === 'pending')) await t.calls.setResumeStatus(dropped.id, 'pending', now)
      },
      { durable: true },
    )
  }

  /** What the answering machine hears: who called, why, and how to get the callback again. */
  voicemailText(noun: string, lines: CallLines = this.lines()): string {
    return fill(this.d.dialoutEnabled ? lines.voicemail : lines.voicemailNoDialout, { task: noun, business: this.businessName })
  }

  /** The dropped call is being resumed by `newCallId`: it cannot be resumed again, its callbacks are answered. */
  async markResumed(droppedCallId: string, newCallId: string): Promise<void> {
    const now = this.d.now()
    const callbacks = await this.d.store.tx(
      async (t) => {
        await t.calls.setResumeStatus(droppedCallId, 'resumed', now)
        const list = await t.callbacks.forCall(droppedCallId)
        for (const cb of list) {
          if (cb.status === 'pending' || cb.status === 'dialing') await t.callbacks.setStatus(cb.id, 'answered', now)
        }
        return list.length
      },
      { durable: true },
    )
    const via = callbacks > 0 ? 'dialout' : 'callback-number'
    this.d.metrics.resumes.inc({ via })
    this.d.log.info('continuity.resumed', { droppedCallId, newCallId })
  }

  /**
   * An inbound SMS (already signature-checked). Returns the reply text, or undefined for none.
   * CALL → a callback; STOP/START → opt-out/in (Twilio also handles these keywords itself); anything else → help.
   */
  async inboundSms(from: string, body: string, messageSid: string | undefined): Promise<string | undefined> {
    const now = this.d.now()
    const word = body.trim().toUpperCase()
    await this.d.store.sms.record({ direction: 'in', number: from, body: body.slice(0, 1600), ...(messageSid ? { sid: messageSid } : {}), status: 'received', at: now })
    if (/^(STOP|STOPALL|UNSUBSCRIBE|CANCEL|END|QUIT|OPTOUT)$/.test(word)) {
      await this.d.store.sms.optOut(from, now)
      return undefined
    }
    if (/^(START|UNSTOP|YES)$/.test(word)) {
      await this.d.store.sms.optIn(from)
      return undefined
    }
    if (word !== 'CALL') return this.lines().smsHelp
    const call = await this.d.store.calls.resumableFor(from, now - this.windowMs)
    if (!call) {
      this.d.metrics.callbacks.inc({ outcome: 'nothing-to-resume' })
      return fill(this.lines().smsNoCall, { business: this.businessName })
    }
    if (!this.d.dialoutEnabled) {
      this.d.metrics.callbacks.inc({ outcome: 'no-dialout' })
      return this.lines().smsNoDialout
    }
    if ((await this.d.store.callbacks.countSince(from, now - 3_600_000)) >= CALLBACKS_PER_HOUR) {
      this.d.metrics.callbacks.inc({ outcome: 'rate-limited' })
      return this.lines().smsRateLimited
    }
    const scheduled = await this.d.store.tx(
      async (t) => {
        const r = await t.callbacks.request(call.id, from, now)
        if (!r.ok) return false
        const payload: DialoutPayload = { to: from, callId: call.id, callbackId: r.id }
        await t.outbox.enqueue({ idemKey: `dialout:${r.id}`, kind: 'dialout', payload, callId: call.id, at: now })
        return true
      },
      { durable: true },
    )
    if (!scheduled) {
      this.d.metrics.callbacks.inc({ outcome: 'already-pending' })
      return this.lines().smsAlreadyCalling
    }
    this.d.metrics.callbacks.inc({ outcome: 'scheduled' })
    this.d.log.info('continuity.callback_scheduled', { callId: call.id, to: from })
    this.d.wake()
    return this.lines().smsCallingNow
  }

  /** Dial-out status from VoiceAI Connect's notify URL. */
  async dialoutStatus(conversationId: string, status: string): Promise<boolean> {
    const cb = await this.d.store.callbacks.byConversation(conversationId)
    if (!cb) return false
    const s = status.toLowerCase()
    const next = s === 'answered' ? 'answered' : s === 'completed' ? 'completed' : /fail|busy|no.?answer|declined|error/.test(s) ? 'failed' : undefined
    if (next && cb.status !== 'completed') await this.d.store.callbacks.setStatus(cb.id, next, this.d.now())
    return true
  }
}
