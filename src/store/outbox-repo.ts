/**
 * @module store/outbox-repo
 * Effects that must happen exactly once as far as the outside world can tell (a booking, an SMS, a dial-out):
 * written in the same transaction as the state change that caused them, executed afterwards, marked done with
 * their result. The unique `idem_key` makes enqueueing idempotent; executors check it before acting again.
 */
import { inList, type Sql } from './sql'
import { OutboxRow, rowChecker } from './rows'
import { DEFAULT_TENANT } from './tenant'

const rows = rowChecker('outbox', OutboxRow)

export type NewOutboxRow = { idemKey: string; kind: string; payload: unknown; callId?: string; taskId?: string; at: number; runAt?: number; held?: boolean }

export class OutboxRepo {
  constructor(
    private readonly sql: Sql,
    private readonly tenant?: string,
  ) {}

  /** False when a row with that idempotency key already exists (nothing changes). */
  async enqueue(e: NewOutboxRow): Promise<boolean> {
    const n = await this.sql.run(
      `INSERT INTO outbox (idem_key, kind, payload, call_id, task_id, status, attempts, next_attempt_at, created_at, updated_at, tenant_id)
       VALUES ($key, $kind, $payload, $callId, $taskId, $status, 0, $runAt, $at, $at, $tenant) ON CONFLICT (idem_key) DO NOTHING`,
      {
        key: e.idemKey,
        kind: e.kind,
        payload: JSON.stringify(e.payload),
        callId: e.callId ?? null,
        taskId: e.taskId ?? null,
        status: e.held ? 'held' : 'pending',
        runAt: e.runAt ?? e.at,
        at: e.at,
        tenant: this.tenant ?? DEFAULT_TENANT,
      },
    )
    return n === 1
  }

  async byKey(idemKey: string): Promise<OutboxRow | undefined> {
    return rows.maybe(await this.sql.get('SELECT * FROM outbox WHERE idem_key = $key', { key: idemKey }))
  }

  /** Pending rows of the given kinds due at `now`, oldest first. */
  async due(kinds: readonly string[], now: number, limit = 50): Promise<OutboxRow[]> {
    // Kinds are filtered in SQL: two runners (SMS, calendar) must not fill each other's page with rows they skip.
    const k = inList('kind', kinds)
    const list = await this.sql.all(`SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= $now AND kind IN (${k.sql}) ORDER BY next_attempt_at, id LIMIT $limit`, {
      ...k.params,
      now,
      limit,
    })
    return rows.many(list)
  }

  /**
   * Claims up to `limit` pending rows of the given kinds due at `now` for instance `by` until `now + claimMs`, oldest
   * first: exactly one claimer gets each row (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent claimers take
   * different rows without waiting; SQLite: the single writer runs the UPDATE whole). A row whose claim ran out (its
   * claimer died mid-send) can be claimed again; its attempts count tells the executor to reconcile first.
   */
  async claim(kinds: readonly string[], now: number, by: string, claimMs: number, limit = 10): Promise<OutboxRow[]> {
    const k = inList('kind', kinds)
    const lock = this.sql.kind === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''
    const list = await this.sql.all(
      `UPDATE outbox SET claimed_by = $by, claim_until = $until WHERE id IN (
         SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $now AND kind IN (${k.sql}) AND (claim_until IS NULL OR claim_until <= $now)
         ORDER BY next_attempt_at, id LIMIT $limit${lock}
       ) RETURNING *`,
      { ...k.params, now, by, until: now + claimMs, limit },
    )
    return rows.many(list).sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id)
  }

  async pendingForTask(taskId: string): Promise<OutboxRow[]> {
    return rows.many(await this.sql.all(`SELECT * FROM outbox WHERE task_id = $taskId AND status = 'pending' ORDER BY id`, { taskId }))
  }

  async forCall(callId: string): Promise<OutboxRow[]> {
    return rows.many(await this.sql.all('SELECT * FROM outbox WHERE call_id = $callId ORDER BY id', { callId }))
  }

  /** Soonest pending deadline, for arming the runner's timer. */
  async nextDue(kinds: readonly string[]): Promise<number | undefined> {
    const k = inList('kind', kinds)
    // A row another instance is executing is due again only when its claim runs out.
    const r = await this.sql.get(
      `SELECT MIN(CASE WHEN claim_until IS NOT NULL AND claim_until > next_attempt_at THEN claim_until ELSE next_attempt_at END) AS next FROM outbox WHERE status = 'pending' AND kind IN (${k.sql})`,
      k.params,
    )
    return r?.next === null || r?.next === undefined ? undefined : Number(r.next)
  }

  /**
   * Counts an attempt BEFORE the outside world is touched: after a crash mid-attempt the row shows attempts > 0, so
   * the executor knows to check whether the first try already took effect.
   */
  async begin(id: number, at: number): Promise<void> {
    await this.sql.run(`UPDATE outbox SET attempts = attempts + 1, last_error = 'in flight', updated_at = $at WHERE id = $id`, { id, at })
  }

  async done(id: number, result: unknown, at: number): Promise<void> {
    await this.sql.run(`UPDATE outbox SET status = 'done', result = $result, last_error = NULL, claim_until = NULL, updated_at = $at WHERE id = $id`, { id, result: JSON.stringify(result ?? null), at })
  }

  async retry(id: number, error: string, nextAt: number, at: number): Promise<void> {
    await this.sql.run(`UPDATE outbox SET last_error = $error, next_attempt_at = $nextAt, claim_until = NULL, updated_at = $at WHERE id = $id`, { id, error, nextAt, at })
  }

  async fail(id: number, error: string, at: number): Promise<void> {
    await this.sql.run(`UPDATE outbox SET status = 'failed', last_error = $error, claim_until = NULL, updated_at = $at WHERE id = $id`, { id, error, at })
  }

  /**
   * Keeps a claimed row untouched until `until` (its bookkeeping failed before anything was sent): it is due again then,
   * for this claimer or any other, instead of only when the claim lease runs out, and nothing polls it meanwhile
   * (`nextDue` reports `until`). Only the claimer's own row.
   */
  async deferClaim(id: number, by: string, until: number): Promise<void> {
    await this.sql.run(`UPDATE outbox SET claim_until = $until WHERE id = $id AND claimed_by = $by AND status = 'pending'`, { id, by, until })
  }

  /**
   * Frees the claims of a claimer that is gone (a dead instance, or — on SQLite, one instance per database — any
   * previous process): its rows are due at once for a survivor, which reconciles what it may have half sent, instead
   * of waiting out the claim lease.
   */
  async releaseClaims(of: { readonly claimer: string } | 'all'): Promise<number> {
    const who = of === 'all' ? '' : ' AND claimed_by = $claimer'
    return this.sql.run(`UPDATE outbox SET claim_until = NULL WHERE status = 'pending' AND claim_until IS NOT NULL${who}`, of === 'all' ? {} : { claimer: of.claimer })
  }

  /** Kept but not sent (no SMS provider configured, or the number opted out). */
  async hold(id: number, why: string, at: number): Promise<void> {
    await this.sql.run(`UPDATE outbox SET status = 'held', last_error = $why, claim_until = NULL, updated_at = $at WHERE id = $id`, { id, why, at })
  }
}

