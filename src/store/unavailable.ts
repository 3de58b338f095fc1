/**
 * @module store/unavailable
 * Whether a store error means "the database cannot take writes right now" (worth retrying the same statement
 * later) rather than "this write is wrong" (a constraint, a stale seq, a bug: retrying changes nothing). One
 * classification for both engines, so the write queue and the runtime stay engine-agnostic:
 * - PostgreSQL (Bun.SQL): connection refused/closed/timed out, the server shutting down or starting (57P01-57P03),
 *   connection exceptions (class 08), too many connections, disk full, a read-only standby after a failover,
 *   serialization failures and deadlocks (the transaction was rolled back whole).
 * - SQLite (bun:sqlite): the file busy or locked by another process, disk full, I/O errors, the file gone.
 * Plain socket errors (ECONNREFUSED …) are not counted: our engines never throw them raw, and a domain effect's own
 * peer (a CalDAV server) failing must reach the task as its failure, not be retried as the database's.
 */

const PG_SQLSTATE = /^(08|57P0[123]$|53[123]00$|25006$|40001$|40P01$)/
const PG_CODES = /^ERR_POSTGRES_(CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT|CONNECTION_TIMEOUT|NOT_TAGGED_CALL_TIMEOUT|QUERY_CANCELLED)/
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM)/

export function isUnavailable(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false
  if (err instanceof StoreUnavailable) return true
  const e = err as { code?: unknown; errno?: unknown }
  const code = typeof e.code === 'string' ? e.code : undefined
  const errno = typeof e.errno === 'string' ? e.errno : undefined
  if (errno !== undefined && PG_SQLSTATE.test(errno)) return true
  if (code === undefined) return false
  return PG_CODES.test(code) || SQLITE_CODES.test(code)
}

/** Raised by our own code for the same condition (a queue given up at shutdown, a test's injected outage). */
export class StoreUnavailable extends Error {
  constructor(message = 'the database is unavailable') {
    super(message)
    this.name = 'StoreUnavailable'
  }
}
