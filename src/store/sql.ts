/**
 * @module store/sql
 * The one contract every storage engine implements: parameterised statements that return promises, and transactions.
 * Repositories are written once against it, so SQLite (one instance) and PostgreSQL (a cluster) run the same queries.
 *
 * Statements use named parameters (`$name`, bound from an object); each engine binds them its own way. The SQL is the
 * subset both engines speak (`ON CONFLICT … DO NOTHING`, `RETURNING`, `LIMIT`, `COALESCE`). A unique-constraint
 * violation surfaces as {@link UniqueViolation} whatever the engine, so repositories decide races without parsing
 * engine messages.
 */

export type Param = string | number | null
export type Params = Readonly<Record<string, Param>>
/** A row as the engine returns it; repositories validate it (store/rows) before anyone trusts it. */
export type RawRow = Readonly<Record<string, unknown>>

export type TxOptions = {
  /** The commit is a promise to the caller (booking confirmed, SMS scheduled): it must survive a power cut. */
  readonly durable?: boolean
}

export type EngineKind = 'sqlite' | 'postgres'

export interface Sql {
  readonly kind: EngineKind
  all(text: string, params?: Params): Promise<RawRow[]>
  get(text: string, params?: Params): Promise<RawRow | undefined>
  /** Returns the number of rows changed. */
  run(text: string, params?: Params): Promise<number>
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. Inside, use only the `Sql`
   * handed to `fn` (never the outer handle) and do no other I/O: on SQLite the connection is held until it returns.
   * Called on a transaction's handle it joins that transaction.
   */
  tx<T>(fn: (sql: Sql) => Promise<T>, opts?: TxOptions): Promise<T>
}

/** An open database: the statement interface plus what only the owner of the connection does. */
export interface Engine extends Sql {
  /** The applied migration count. */
  schemaVersion(): Promise<number>
  /** "ok" when the engine finds nothing wrong with its files (SQLite `integrity_check`; PostgreSQL: a round trip). */
  integrityCheck(): Promise<string>
  /** Waits for work in flight, then closes. Safe to call twice. */
  close(): Promise<void>
  /**
   * Compiles a statement now so its first use does not (the start-up warm-up, ops/warm-up): nothing runs. Optional
   * (a test's engine need not).
   */
  prepare?(text: string): void
}

/**
 * `IN (…)` over a short list with one named parameter per value (both engines; `json_each` is SQLite's alone).
 * `prefix` keeps the names apart from the statement's other parameters.
 */
export function inList(prefix: string, values: readonly Param[]): { sql: string; params: Record<string, Param> } {
  if (values.length === 0) return { sql: 'NULL', params: {} }
  const params: Record<string, Param> = {}
  values.forEach((v, i) => (params[`${prefix}${i}`] = v))
  return { sql: values.map((_, i) => `$${prefix}${i}`).join(', '), params }
}

export class UniqueViolation extends Error {
  constructor(detail: string) {
    super(`unique constraint violated: ${detail}`)
    this.name = 'UniqueViolation'
  }
}
