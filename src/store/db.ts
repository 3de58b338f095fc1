/**
 * @module store/db
 * Opens the SQLite file (creating its folder), sets the pragmas, applies migrations, and closes it cleanly.
 *
 * Durability policy: WAL with `synchronous=NORMAL` for ordinary writes (a committed transaction survives a process
 * crash; a power cut may roll back the last few commits), and `synchronous=FULL` around writes that are promises to
 * the caller (booking confirmed, SMS scheduled, resume offered) via {@link Db.durable}, so those survive a power cut
 * too. Transactions are synchronous: bun:sqlite commits an async callback at its first `await` (stack-notes C3).
 */
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations'

export class Db {
  readonly sqlite: Database
  private closed = false

  private constructor(sqlite: Database) {
    this.sqlite = sqlite
  }

  /** `path` may be `:memory:` (tests). */
  static open(path: string): Db {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const sqlite = new Database(path, { create: true, strict: true })
    sqlite.run('PRAGMA journal_mode = WAL')
    sqlite.run('PRAGMA synchronous = NORMAL')
    sqlite.run('PRAGMA busy_timeout = 5000')
    sqlite.run('PRAGMA foreign_keys = ON')
    const db = new Db(sqlite)
    db.migrate()
    return db
  }

  get schemaVersion(): number {
    const row = this.sqlite.query<{ user_version: number }, []>('PRAGMA user_version').get()
    return row?.user_version ?? 0
  }

  private migrate(): void {
    const from = this.schemaVersion
    if (from > MIGRATIONS.length) {
      throw new Error(`database schema version ${from} is newer than this build knows (${MIGRATIONS.length}); refusing to touch it`)
    }
    for (let v = from; v < MIGRATIONS.length; v++) {
      const sql = MIGRATIONS[v] ?? ''
      this.sqlite.transaction(() => {
        this.sqlite.run(sql)
        this.sqlite.run(`PRAGMA user_version = ${v + 1}`)
      })()
    }
  }

  /** Runs `fn` in one synchronous transaction. */
  tx<T>(fn: () => T): T {
    return this.sqlite.transaction(fn)()
  }

  /** Like {@link tx}, but the commit is fsynced before it returns: for promises made to the caller. */
  durable<T>(fn: () => T): T {
    this.sqlite.run('PRAGMA synchronous = FULL')
    try {
      return this.sqlite.transaction(fn)()
    } finally {
      this.sqlite.run('PRAGMA synchronous = NORMAL')
    }
  }

  integrityCheck(): string {
    const row = this.sqlite.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()
    return row?.integrity_check ?? 'unknown'
  }

  /** Checkpoints the WAL into the main file and closes. Safe to call twice. */
  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      this.sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)')
    } finally {
      this.sqlite.close(false)
    }
  }
}
