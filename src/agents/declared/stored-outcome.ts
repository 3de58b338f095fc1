/**
 * @module agents/declared/stored-outcome
 * A submission's outcome for a task no live call holds (the caller hung up, or the process restarted since): applied
 * to the stored snapshot in one checkpoint, and what the task would have said is texted to the caller instead (once,
 * through the outbox, unless they opted out). A task that already finished ignores it (a re-sent submission).
 */
import type { AnyTaskDefinition } from '../task-definition'
import type { Store } from '../../store/store'
import type { Logger } from '../../ops/log'
import { applyTaskEvent, restoreTask } from '../task-steps'
import { packFor } from '../../i18n/packs'
import type { Outcome } from './submissions'

export type StoredOutcomeDeps = {
  readonly store: Store
  readonly log: Logger
  readonly now: () => number
  /** A task kind's definition as the tenant's business declares it. */
  readonly definition: (kind: string, tenant: string) => AnyTaskDefinition | undefined
  /** An SMS was enqueued. */
  readonly wakeSms: () => void
}

export function storedOutcome(d: StoredOutcomeDeps): (taskId: string, key: string, event: Outcome) => Promise<void> {
  return async (taskId, key, event) => {
    const row = await d.store.tasks.get(taskId)
    if (!row || row.status !== 'open') return
    // Everything from here is the task's business's: its step, its text (tenant id, sender, opt-outs) and its wording.
    const store = d.store.forTenant(row.tenant_id)
    const def = d.definition(row.kind, row.tenant_id)
    if (!def?.declared) {
      d.log.warn('task.outcome_unknown_task', { taskId, kind: row.kind })
      return
    }
    let context: unknown
    try {
      context = JSON.parse(row.context)
    } catch {
      return
    }
    const restored = restoreTask(def, { machine: row.machine, version: row.version, state: row.state, context, seq: row.seq })
    if (!restored.ok) {
      d.log.error('task.outcome_invalid_snapshot', { taskId, error: restored.error })
      return
    }
    const step = applyTaskEvent(def, restored.snapshot, event)
    if (!step.ok || !step.handled) return
    const desc = def.describe(step.snapshot, d.now())
    const said = step.effects.flatMap((e) => (e.kind === 'say' ? [e.text] : [])).join(' ')
    const call = await store.calls.get(row.call_id)
    const to = call?.caller ?? undefined
    const lang = (step.snapshot.context as { lang?: 'en' | 'de' | 'es' }).lang ?? 'en'
    const text = said !== '' && to !== undefined && to !== null && !(await store.sms.isOptedOut(to))
    await store.tasks.commit(
      {
        taskId,
        callId: row.call_id,
        kind: row.kind,
        machine: step.snapshot.machine,
        version: step.snapshot.version,
        state: step.snapshot.state,
        context: step.snapshot.context,
        seq: step.snapshot.seq,
        status: desc.status,
        prevSeq: row.seq,
        event: step.event,
        effects: text ? [{ idemKey: `${key}:sms`, kind: 'sms', payload: { to, body: packFor(lang).forms.sms(def.declared.title, said), callId: row.call_id } }] : [],
        timers: { set: [], clear: [] },
        at: d.now(),
      },
      true,
    )
    d.log.info('task.step', { taskId, kind: row.kind, from: row.state, to: step.snapshot.state, on: event.type, seq: step.snapshot.seq, texted: text })
    if (text) d.wakeSms()
  }
}
