/**
 * @module store/store
 * The store: one engine (SQLite embedded, or PostgreSQL shared by a cluster) and its repositories, transactions over
 * them, and the retention purge. Every method returns a promise; nothing here runs on the per-frame audio path.
 */
import type { Engine, TxOptions } from './sql'
import { SqliteEngine } from './sqlite-engine'
import { repos, type Repos } from './repos'
import type { CallRow } from './rows'

export type { Repos } from './repos'

export class Store implements Repos {
  readonly calls: Repos['calls']
  readonly transcript: Repos['transcript']
  readonly tasks: Repos['tasks']
  readonly outbox: Repos['outbox']
  readonly appointments: Repos['appointments']
  readonly sms: Repos['sms']
  readonly callbacks: Repos['callbacks']
  readonly messages: Repos['messages']
  readonly console: Repos['console']
  readonly instances: Repos['instances']
  readonly phrases: Repos['phrases']

  /**
   * `sql` is the engine itself: raw statements for tests, scripts and engine-specific checks. `tenant` binds the
   * repositories to one business (see store/tenant); the store opened at start is bound to none.
   */
  constructor(
    readonly sql: Engine,
    readonly tenant?: string,
  ) {
    const r = repos(sql, tenant)
    this.calls = r.calls
    this.transcript = r.transcript
    this.tasks = r.tasks
    this.outbox = r.outbox
    this.appointments = r.appointments
    this.sms = r.sms
    this.callbacks = r.callbacks
    this.messages = r.messages
    this.console = r.console
    this.instances = r.instances
    this.phrases = r.phrases
  }

  /** SQLite at `path` (`:memory:` for tests). */
  static async open(path: string): Promise<Store> {
    return new Store(SqliteEngine.open(path))
  }

  /**
   * The same database, bound to one tenant: its repositories read only that business's rows and write its id. Cheap
   * (repositories are thin); a call takes one when it starts. Do not close it: it shares the engine.
   */
  forTenant(tenant: string): Store {
    if (tenant === this.tenant) return this
    // Every call binds one (its business's): the bound repositories hold nothing but the engine and the id, so one
    // per tenant serves every call instead of a dozen objects per call.
    let bound = this.bound.get(tenant)
    if (bound === undefined) this.bound.set(tenant, (bound = new Store(this.sql, tenant)))
    return bound
  }

  private readonly bound = new Map<string, Store>()

  get engine(): Engine['kind'] {
    return this.sql.kind
  }

  /** Runs `fn` in one transaction over the repositories it is given (use only those inside). */
  tx<T>(fn: (r: Repos) => Promise<T>, opts?: TxOptions): Promise<T> {
    return this.sql.tx((sql) => fn(repos(sql, this.tenant)), opts)
  }

  /**
   * Declares instance `dead` (its lease ran out) dead on behalf of `by`, and in the same transaction makes its live
   * calls `by`'s: the calls to declare dropped. Undefined when another survivor got there first.
   */
  claimDead(dead: string, by: string, at: number): Promise<CallRow[] | undefined> {
    return this.tx(async (t) => {
      if (!(await t.instances.markDead(dead, by, at))) return undefined
      await t.outbox.releaseClaims({ claimer: dead })
      return t.calls.takeOver(by, at, { owner: dead })
    })
  }

  schemaVersion(): Promise<number> {
    return this.sql.schemaVersion()
  }

  /**
   * Deletes personal data older than `before`, everywhere it was copied: transcripts, SMS bodies and numbers, left
   * messages, the numbers and details on ended calls, callers on past appointments (the slot stays booked, anonymised,
   * so it is never double-booked), callback numbers, the tasks of ended calls with their contexts, journal and timers
   * (names, messages, numbers), and outbox payloads, results and errors of every kind (a stale pending row is failed
   * first: a 30-day-old text is no longer worth sending). Opt-outs are kept: honouring STOP is the caller's request.
   * Returns how many rows were touched.
   */
  purge(before: number): Promise<number> {
    return this.sql.tx(async (sql) => {
      let n = 0
      n += await sql.run('DELETE FROM transcript_items WHERE at < $before', { before })
      n += await sql.run('DELETE FROM call_events WHERE at < $before', { before })
      n += await sql.run(`UPDATE sms_messages SET body = '[purged]', number = '[purged]' WHERE created_at < $before AND body != '[purged]'`, { before })
      n += await sql.run('DELETE FROM messages WHERE created_at < $before', { before })
      n += await sql.run(
        `UPDATE calls SET caller = NULL, callee = NULL, details = NULL WHERE ended_at IS NOT NULL AND ended_at < $before AND (caller IS NOT NULL OR callee IS NOT NULL OR details IS NOT NULL)`,
        { before },
      )
      n += await sql.run('UPDATE appointments SET caller = NULL, caller_name = NULL WHERE starts_at < $before AND (caller IS NOT NULL OR caller_name IS NOT NULL)', { before })
      n += await sql.run(`UPDATE callbacks SET number = '[purged]' WHERE updated_at < $before AND number != '[purged]'`, { before })
      n += await sql.run(
        `UPDATE outbox SET payload = '{}', result = NULL, last_error = CASE WHEN status = 'pending' THEN 'expired (retention)' ELSE NULL END,
           status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END
         WHERE updated_at < $before AND (payload != '{}' OR result IS NOT NULL OR last_error IS NOT NULL OR status = 'pending')`,
        { before },
      )
      // A task's context and journal hold what the caller said (names, messages, numbers). Tasks of ended calls that
      // are past retention cannot be resumed any more; their bookings live on in appointments.
      const oldTasks = `SELECT t.id FROM tasks t JOIN calls c ON c.id = t.call_id WHERE t.updated_at < $before AND c.state = 'ended'`
      n += await sql.run(`DELETE FROM task_events WHERE task_id IN (${oldTasks})`, { before })
      n += await sql.run(`DELETE FROM timers WHERE task_id IN (${oldTasks})`, { before })
      n += await sql.run(`DELETE FROM tasks WHERE id IN (${oldTasks})`, { before })
      // Instances long stopped or swept (default INSTANCE_IDs are new every start): their calls are all ended.
      n += await sql.run(`DELETE FROM instances WHERE state != 'live' AND heartbeat_at < $before`, { before })
      return n
    })
  }

  close(): Promise<void> {
    return this.sql.close()
  }
}
