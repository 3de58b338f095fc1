/**
 * @module store/sqlite-engine
 * The embedded engine: one bun:sqlite connection (the single writer of one instance) behind the async {@link Sql}
 * contract. Opens the file (creating its folder), sets the pragmas, applies migrations, and closes it cleanly.
 *
 * Statements run synchronously; their promises are already settled when returned, so no caller waits on I/O threads.
 * A transaction holds the connection: bun:sqlite would commit an async callback at its first `await` (stack-notes C3),
 * so `tx` issues BEGIN/COMMIT itself and every statement from outside the transaction waits until it is over.
 *
 * Durability policy: WAL with `synchronous=NORMAL` for ordinary writes (a committed transaction survives a process
 * crash; a power cut may roll back the last few commits), and `synchronous=FULL` around transactions that are
 * promises to the caller (`durable`), so those survive a power cut too.
 */
import { Database, type Statement } from 'bun:sqlite'
import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { migrationsFor } from './migrations'
import { UniqueViolation, type Engine, type Params, type RawRow, type Sql, type TxOptions } from './sql'

/** Which engine's transaction the current async context is inside (to catch use of the outer handle in a tx). */
const inTx = new AsyncLocalStorage<SqliteEngine>()

export class SqliteEngine implements Engine {
  readonly kind = 'sqlite' as const
  private readonly statements = new Map<string, Statement>()
  /** Settles when the transaction holding the connection ends. */
  private held: Promise<void> | undefined
  private closed = false
  /** The handle a transaction's callback uses: straight to the connection, joining the open transaction. */
  private readonly inner: Sql

  private constructor(readonly db: Database) {
    const self = this
    this.inner = {
      kind: 'sqlite',
      all: async (text, params) => self.allNow(text, params),
      get: async (text, params) => self.allNow(text, params)[0],
      run: async (text, params) => self.runNow(text, params),
      tx: (fn) => fn(self.inner),
    }
  }

  /** `path` may be `:memory:` (tests). */
  static open(path: string): SqliteEngine {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const db = new Database(path, { create: true, strict: true })
    db.run('PRAGMA journal_mode = WAL')
    db.run('PRAGMA synchronous = NORMAL')
    db.run('PRAGMA busy_timeout = 5000')
    db.run('PRAGMA foreign_keys = ON')
    const engine = new SqliteEngine(db)
    try {
      engine.migrate()
    } catch (err) {
      db.close(false)
      throw err
    }
    return engine
  }

  // Each waits in a loop and then acts in the same synchronous stretch: a waiter woken by the end of a transaction
  // must not run after another one has already taken the connection.

  async all(text: string, params?: Params): Promise<RawRow[]> {
    for (let b = this.blocked(); b; b = this.blocked()) await b
    return this.allNow(text, params)
  }

  async get(text: string, params?: Params): Promise<RawRow | undefined> {
    for (let b = this.blocked(); b; b = this.blocked()) await b
    return this.allNow(text, params)[0]
  }

  async run(text: string, params?: Params): Promise<number> {
    for (let b = this.blocked(); b; b = this.blocked()) await b
    return this.runNow(text, params)
  }

  async tx<T>(fn: (sql: Sql) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    for (let b = this.blocked(); b; b = this.blocked()) await b
    let release = () => {}
    this.held = new Promise<void>((r) => (release = r))
    if (opts.durable) this.db.run('PRAGMA synchronous = FULL')
    try {
      this.db.run('BEGIN')
      let result: T
      try {
        result = await inTx.run(this, () => fn(this.inner))
      } catch (err) {
        if (this.db.inTransaction) this.db.run('ROLLBACK')
        throw err
      }
      this.db.run('COMMIT')
      return result
    } finally {
      if (opts.durable) this.db.run('PRAGMA synchronous = NORMAL')
      this.held = undefined
      release()
    }
  }

  async schemaVersion(): Promise<number> {
    return this.userVersion()
  }

  async integrityCheck(): Promise<string> {
    const row = this.allNow('PRAGMA integrity_check')[0]
    return typeof row?.integrity_check === 'string' ? row.integrity_check : 'unknown'
  }

  /** Checkpoints the WAL into the main file and closes. Safe to call twice. */
  async close(): Promise<void> {
    while (this.held && !this.closed) await this.held
    if (this.closed) return
    this.closed = true
    // Finalize every statement first: a live statement makes close report "database is locked" (stack-notes C3).
    for (const s of this.statements.values()) s.finalize()
    this.statements.clear()
    try {
      this.db.run('PRAGMA wal_checkpoint(TRUNCATE)')
    } finally {
      this.db.close(false)
    }
  }

  /** What to wait for before using the connection; undefined when it is free now. */
  private blocked(): Promise<void> | undefined {
    if (this.held && inTx.getStore() === this) throw new Error('store used through its outer handle inside a transaction (use the handle the transaction gives you)')
    if (!this.held && this.closed) throw new Error('the database is closed')
    return this.held
  }

  prepare(text: string): void {
    translate(() => this.statement(text))
  }

  private statement(text: string): Statement {
    let s = this.statements.get(text)
    if (!s) {
      s = this.db.prepare(text)
      this.statements.set(text, s)
    }
    return s
  }

  private allNow(text: string, params?: Params): RawRow[] {
    return translate(() => this.statement(text).all(params ?? {}) as RawRow[])
  }

  private runNow(text: string, params?: Params): number {
    return translate(() => this.statement(text).run(params ?? {}).changes)
  }

  private userVersion(): number {
    const row = this.db.query<{ user_version: number }, []>('PRAGMA user_version').get()
    return row?.user_version ?? 0
  }

  /** Applies the migrations this file lacks, each in its own transaction with its version (`PRAGMA user_version`). */
  private migrate(): void {
    const steps = migrationsFor('sqlite')
    const from = this.userVersion()
    if (from > steps.length) {
      throw new Error(`database schema version ${from} is newer than this build knows (${steps.length}); refusing to touch it`)
    }
    for (let v = from; v < steps.length; v++) {
      const sql = steps[v] ?? ''
      this.db.transaction(() => {
        this.db.run(sql)
        this.db.run(`PRAGMA user_version = ${v + 1}`)
      })()
    }
  }
}

function translate<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof Error && /UNIQUE constraint failed/i.test(err.message)) throw new UniqueViolation(err.message.replace(/^.*UNIQUE constraint failed:\s*/i, ''))
    throw err
  }
}
