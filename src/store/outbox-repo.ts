/**
 * @module store/outbox-repo
 * Effects that must happen exactly once as far as the outside world can tell (a booking, an SMS, a dial-out):
 * written in the same transaction as the state change that caused them, executed afterwards, marked done with
 * their result. The unique `idem_key` makes enqueueing idempotent; executors check it before acting again.
 */
import type { Database } from 'bun:sqlite'
import { OutboxRow, rowChecker } from './rows'

const rows = rowChecker('outbox', OutboxRow)

export class OutboxRepo {
  constructor(private readonly db: Database) {}

  enqueue(e: { idemKey: string; kind: string; payload: unknown; callId?: string; taskId?: string; at: number; runAt?: number; held?: boolean }): boolean {
    const r = this.db
      .query(
        `INSERT INTO outbox (idem_key, kind, payload, call_id, task_id, status, attempts, next_attempt_at, created_at, updated_at)
         VALUES ($key, $kind, $payload, $callId, $taskId, $status, 0, $runAt, $at, $at) ON CONFLICT (idem_key) DO NOTHING`,
      )
      .run({ key: e.idemKey, kind: e.kind, payload: JSON.stringify(e.payload), callId: e.callId ?? null, taskId: e.taskId ?? null, status: e.held ? 'held' : 'pending', runAt: e.runAt ?? e.at, at: e.at })
    return r.changes === 1
  }

  byKey(idemKey: string): OutboxRow | undefined {
    return rows.maybe(this.db.query('SELECT * FROM outbox WHERE idem_key = $key').get({ key: idemKey }))
  }

  /** Pending rows of the given kinds due at `now`, oldest first. */
  due(kinds: readonly string[], now: number, limit = 50): OutboxRow[] {
    // Kinds are filtered in SQL: two runners (SMS, calendar) must not fill each other's page with rows they skip.
    const list = this.db
      .query(`SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= $now AND kind IN (SELECT value FROM json_each($kinds)) ORDER BY next_attempt_at, id LIMIT $limit`)
      .all({ now, limit, kinds: JSON.stringify(kinds) })
    return rows.many(list)
  }

  pendingForTask(taskId: string): OutboxRow[] {
    return rows.many(this.db.query(`SELECT * FROM outbox WHERE task_id = $taskId AND status = 'pending' ORDER BY id`).all({ taskId }))
  }

  forCall(callId: string): OutboxRow[] {
    return rows.many(this.db.query('SELECT * FROM outbox WHERE call_id = $callId ORDER BY id').all({ callId }))
  }

  /** Soonest pending deadline, for arming the runner's timer. */
  nextDue(kinds: readonly string[]): number | undefined {
    const r = this.db
      .query(`SELECT MIN(next_attempt_at) AS next FROM outbox WHERE status = 'pending' AND kind IN (SELECT value FROM json_each($kinds))`)
      .get({ kinds: JSON.stringify(kinds) }) as { next: number | null } | null
    return r?.next ?? undefined
  }

  /**
   * Counts an attempt BEFORE the outside world is touched: after a crash mid-attempt the row shows attempts > 0, so
   * the executor knows to check whether the first try already took effect.
   */
  begin(id: number, at: number): void {
    this.db.query(`UPDATE outbox SET attempts = attempts + 1, last_error = 'in flight', updated_at = $at WHERE id = $id`).run({ id, at })
  }

  done(id: number, result: unknown, at: number): void {
    this.db.query(`UPDATE outbox SET status = 'done', result = $result, last_error = NULL, updated_at = $at WHERE id = $id`).run({ id, result: JSON.stringify(result ?? null), at })
  }

  retry(id: number, error: string, nextAt: number, at: number): void {
    this.db.query(`UPDATE outbox SET last_error = $error, next_attempt_at = $nextAt, updated_at = $at WHERE id = $id`).run({ id, error, nextAt, at })
  }

  fail(id: number, error: string, at: number): void {
    this.db.query(`UPDATE outbox SET status = 'failed', last_error = $error, updated_at = $at WHERE id = $id`).run({ id, error, at })
  }

  /** Kept but not sent (no SMS provider configured, or the number opted out). */
  hold(id: number, why: string, at: number): void {
    this.db.query(`UPDATE outbox SET status = 'held', last_error = $why, updated_at = $at WHERE id = $id`).run({ id, why, at })
  }
}
