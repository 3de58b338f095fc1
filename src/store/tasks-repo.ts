/**
 * @module store/tasks-repo
 * FSM checkpoints. One task step — the new snapshot, the event that caused it (journal), its timers and the effects
 * that must run after it (outbox) — is written in ONE transaction, guarded by the previous `seq`
 * (optimistic concurrency: a stale writer fails instead of overwriting). Effects run only after this commit, so a
 * crash at any instant either loses the whole step (nothing was acknowledged) or keeps it with its effects pending.
 */
import type { Sql } from './sql'
import { DEFAULT_TENANT } from './tenant'
import { TaskRow, rowChecker } from './rows'

const rows = rowChecker('tasks', TaskRow)

export type TaskStatus = TaskRow['status']

export type TaskStep = {
  readonly taskId: string
  readonly callId: string
  readonly kind: string
  readonly machine: string
  readonly version: number
  readonly state: string
  readonly context: unknown
  readonly seq: number
  readonly status: TaskStatus
  /** The seq this step replaces; `null` creates the task. */
  readonly prevSeq: number | null
  readonly event: unknown
  readonly effects: readonly { readonly idemKey: string; readonly kind: string; readonly payload: unknown }[]
  readonly timers: { readonly set: readonly { readonly id: string; readonly at: number }[]; readonly clear: readonly string[] }
  /** The outbox row whose result caused this step: marked done atomically with it. */
  readonly completes?: { readonly outboxId: number; readonly result: unknown }
  readonly at: number
}

export class StaleTaskError extends Error {
  constructor(taskId: string, expectedSeq: number | null) {
    super(`task ${taskId} changed underneath us (expected seq ${expectedSeq})`)
    this.name = 'StaleTaskError'
  }
}

export class TasksRepo {
  constructor(
    private readonly sql: Sql,
    private readonly tenant?: string,
  ) {}

  /** Writes one step atomically; `durable` fsyncs it (a promise to the caller). Throws {@link StaleTaskError}. */
  async commit(step: TaskStep, durable: boolean): Promise<void> {
    const write = async (sql: Sql) => {
      const p = {
        id: step.taskId,
        callId: step.callId,
        kind: step.kind,
        machine: step.machine,
        version: step.version,
        state: step.state,
        context: JSON.stringify(step.context),
        seq: step.seq,
        status: step.status,
        at: step.at,
        tenant: this.tenant ?? DEFAULT_TENANT,
      }
      if (step.prevSeq === null) {
        await sql.run(
            `INSERT INTO tasks (id, call_id, kind, machine, version, state, context, seq, status, created_at, updated_at, tenant_id)
             VALUES ($id, $callId, $kind, $machine, $version, $state, $context, $seq, $status, $at, $at, $tenant)`,
          p,
        )
      } else {
        const changes = await sql.run(
            `UPDATE tasks SET call_id = $callId, version = $version, state = $state, context = $context, seq = $seq, status = $status, updated_at = $at
             WHERE id = $id AND seq = $prevSeq`,
          { id: p.id, callId: p.callId, version: p.version, state: p.state, context: p.context, seq: p.seq, status: p.status, at: p.at, prevSeq: step.prevSeq },
        )
        if (changes !== 1) throw new StaleTaskError(step.taskId, step.prevSeq)
      }
      await sql.run('INSERT INTO task_events (task_id, seq, event, at) VALUES ($id, $seq, $event, $at)', { id: step.taskId, seq: step.seq, event: JSON.stringify(step.event), at: step.at })
      for (const id of step.timers.clear) await sql.run('DELETE FROM timers WHERE task_id = $task AND timer_id = $id', { task: step.taskId, id })
      for (const t of step.timers.set) {
        await sql.run('INSERT INTO timers (task_id, timer_id, due_at) VALUES ($task, $id, $at) ON CONFLICT (task_id, timer_id) DO UPDATE SET due_at = excluded.due_at', { task: step.taskId, id: t.id, at: t.at })
      }
      if (step.completes) {
        await sql.run(`UPDATE outbox SET status = 'done', result = $result, last_error = NULL, updated_at = $at WHERE id = $id`, { id: step.completes.outboxId, result: JSON.stringify(step.completes.result ?? null), at: step.at })
      }
      for (const e of step.effects) {
        await sql.run(
            `INSERT INTO outbox (idem_key, kind, payload, call_id, task_id, status, attempts, next_attempt_at, created_at, updated_at, tenant_id)
             VALUES ($key, $kind, $payload, $callId, $taskId, 'pending', 0, $at, $at, $at, $tenant) ON CONFLICT (idem_key) DO NOTHING`,
          { key: e.idemKey, kind: e.kind, payload: JSON.stringify(e.payload), callId: step.callId, taskId: step.taskId, at: step.at, tenant: p.tenant },
        )
      }
    }
    await this.sql.tx(write, { durable })
  }

  async get(id: string): Promise<TaskRow | undefined> {
    return rows.maybe(await this.sql.get('SELECT * FROM tasks WHERE id = $id', { id }))
  }

  async forCall(callId: string): Promise<TaskRow[]> {
    return rows.many(await this.sql.all('SELECT * FROM tasks WHERE call_id = $callId ORDER BY created_at, id', { callId }))
  }

  async openForCall(callId: string): Promise<TaskRow[]> {
    return rows.many(await this.sql.all(`SELECT * FROM tasks WHERE call_id = $callId AND status = 'open' ORDER BY created_at, id`, { callId }))
  }

  /** A call resuming a dropped one takes its open task over: later steps belong to the new call. */
  async adopt(taskId: string, callId: string, at: number): Promise<void> {
    await this.sql.run('UPDATE tasks SET call_id = $callId, updated_at = $at WHERE id = $id', { id: taskId, callId, at })
  }

  /** The journal of a task, oldest first (for audits and replay tests). */
  async journal(taskId: string): Promise<{ seq: number; event: unknown; at: number }[]> {
    const list = await this.sql.all('SELECT seq, event, at FROM task_events WHERE task_id = $id ORDER BY seq', { id: taskId })
    return list.map((r) => ({ seq: Number(r.seq), event: JSON.parse(String(r.event)) as unknown, at: Number(r.at) }))
  }

  async timers(taskId: string): Promise<{ id: string; at: number }[]> {
    const list = await this.sql.all('SELECT timer_id, due_at FROM timers WHERE task_id = $id ORDER BY due_at', { id: taskId })
    return list.map((r) => ({ id: String(r.timer_id), at: Number(r.due_at) }))
  }
}
