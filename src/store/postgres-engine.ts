/**
 * @module store/postgres-engine
 * The cluster engine: PostgreSQL through Bun's built-in client (`Bun.SQL`, a connection pool) behind the same
 * {@link Sql} contract as SQLite, so the repositories are shared. Several FastAgent instances use one database.
 *
 * - Named parameters (`$name`) become positional ones (`$1…`), once per statement text.
 * - BIGINT columns (epoch milliseconds, identities) arrive as JS numbers (exact below 2^53).
 * - A unique violation (SQLSTATE 23505) becomes {@link UniqueViolation}.
 * - Migrations run at start in one transaction under an advisory lock: instances starting together migrate once, the
 *   others wait and find the schema current.
 * - Every commit is durable (PostgreSQL's default `synchronous_commit`); `durable` changes nothing here.
 */
import { SQL } from 'bun'
import { migrationsFor } from './migrations'
import { UniqueViolation, type Engine, type Param, type Params, type RawRow, type Sql, type TxOptions } from './sql'

/** Any fixed 64-bit key: "FastAgent migrations" (other advisory locks use other keys). */
const MIGRATION_LOCK = 7_346_100_001

export class DatabaseUnreachable extends Error {
  constructor(readonly where: string, cause: string) {
    super(`cannot reach the PostgreSQL database at ${where} (DATABASE_URL): ${cause}`)
    this.name = 'DatabaseUnreachable'
  }
}

/** `host:port/database` of a URL, never its user or password: what logs and errors may say. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`
  } catch {
    return '(unparseable DATABASE_URL)'
  }
}

type Compiled = { readonly text: string; readonly names: readonly string[] }
type Client = Pick<SQL, 'unsafe'>

export type PostgresOptions = {
  /** Pool size (default 10). */
  readonly max?: number
  /** Give up connecting after this long (default 10 s). */
  readonly connectTimeoutSeconds?: number
}

export class PostgresEngine implements Engine {
  readonly kind = 'postgres' as const
  private readonly compiled = new Map<string, Compiled>()
  private closed = false

  private constructor(
    readonly client: SQL,
    readonly where: string,
  ) {}

  /** Connects (failing with {@link DatabaseUnreachable} when it cannot) and applies the migrations. */
  static async connect(url: string, opts: PostgresOptions = {}): Promise<PostgresEngine> {
    const where = describeUrl(url)
    const secret = passwordOf(url)
    const reason = (err: unknown) => (secret ? describe(err).replaceAll(secret, '***') : describe(err))
    let client: SQL
    try {
      client = new SQL(url, { bigint: true, max: opts.max ?? 10, connectionTimeout: opts.connectTimeoutSeconds ?? 10, idleTimeout: 60 })
    } catch (err) {
      throw new DatabaseUnreachable(where, reason(err))
    }
    const engine = new PostgresEngine(client, where)
    try {
      await client.unsafe('SELECT 1')
    } catch (err) {
      await client.close({ timeout: 0 }).catch(() => undefined)
      throw new DatabaseUnreachable(where, reason(err))
    }
    try {
      await engine.migrate()
    } catch (err) {
      await client.close({ timeout: 0 }).catch(() => undefined)
      throw err
    }
    return engine
  }

  all(text: string, params?: Params): Promise<RawRow[]> {
    return this.exec(this.client, text, params)
  }

  async get(text: string, params?: Params): Promise<RawRow | undefined> {
    return (await this.exec(this.client, text, params))[0]
  }

  async run(text: string, params?: Params): Promise<number> {
    return this.count(this.client, text, params)
  }

  async tx<T>(fn: (sql: Sql) => Promise<T>, _opts: TxOptions = {}): Promise<T> {
    return translate(() => this.client.begin((t) => fn(this.handle(t))) as Promise<T>)
  }

  async schemaVersion(): Promise<number> {
    const r = await this.get('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')
    return Number(r?.v ?? 0)
  }

  async integrityCheck(): Promise<string> {
    const r = await this.get('SELECT 1 AS ok')
    return r?.ok === 1 ? 'ok' : 'no answer'
  }

  /**
   * LISTEN on `channel`: `fn` gets each notification's payload (untrusted text: validate it). All registrations share
   * one dedicated connection, re-subscribed after a reconnect. Resolves with what removes the registration.
   */
  async listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    const sub = await this.client.listen(channel, (payload) => {
      // A throwing listener would be an uncaught exception: contain it here.
      try {
        fn(payload)
      } catch {
        /* the listener logs its own failures */
      }
    })
    return () => sub.unlisten()
  }

  /** NOTIFY `channel` with `payload` (delivered to every instance listening, this one included). */
  async notify(channel: string, payload: string): Promise<void> {
    await this.client.notify(channel, payload)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.client.close({ timeout: 5 })
  }

  /** A handle on one transaction's connection: statements join it, `tx` on it joins it too. */
  private handle(t: Client): Sql {
    const inner: Sql = {
      kind: 'postgres',
      all: (text, params) => this.exec(t, text, params),
      get: async (text, params) => (await this.exec(t, text, params))[0],
      run: (text, params) => this.count(t, text, params),
      tx: (fn) => fn(inner),
    }
    return inner
  }

  /** The named-to-positional translation only: the server prepares a statement per connection on its first run. */
  prepare(text: string): void {
    this.compile(text)
  }

  private compile(text: string): Compiled {
    let c = this.compiled.get(text)
    if (!c) {
      const names: string[] = []
      const positional = text.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
        let i = names.indexOf(name)
        if (i < 0) i = names.push(name) - 1
        return `$${i + 1}`
      })
      c = { text: positional, names }
      this.compiled.set(text, c)
    }
    return c
  }

  private values(c: Compiled, params: Params | undefined): Param[] {
    return c.names.map((n) => {
      const v = params?.[n]
      if (v === undefined) throw new Error(`missing SQL parameter $${n}`)
      return v
    })
  }

  private async exec(client: Client, text: string, params?: Params): Promise<RawRow[]> {
    const c = this.compile(text)
    const rows = await translate(() => client.unsafe(c.text, this.values(c, params)) as Promise<Record<string, unknown>[]>)
    return rows.map(plain)
  }

  private async count(client: Client, text: string, params?: Params): Promise<number> {
    const c = this.compile(text)
    const r = await translate(() => client.unsafe(c.text, this.values(c, params)) as Promise<{ count: number | bigint | null }>)
    return Number(r.count ?? 0)
  }

  private async migrate(): Promise<void> {
    const steps = migrationsFor('postgres')
    await this.client.begin(async (t) => {
      await t.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
      await t.unsafe('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)')
      const [row] = (await t.unsafe('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')) as { v: number | bigint }[]
      const from = Number(row?.v ?? 0)
      if (from > steps.length) throw new Error(`database schema version ${from} is newer than this build knows (${steps.length}); refusing to touch it`)
      for (let v = from; v < steps.length; v++) {
        await t.unsafe(steps[v] ?? '')
        await t.unsafe('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, Date.now()])
      }
    })
  }
}

/** A row as a plain object, BIGINTs as numbers. */
function plain(row: Record<string, unknown>): RawRow {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(row)) {
    const v = row[k]
    out[k] = typeof v === 'bigint' ? Number(v) : v
  }
  return out
}

async function translate<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    const e = err as { errno?: unknown; constraint?: unknown; message?: unknown } | null
    if (e?.errno === '23505') throw new UniqueViolation(typeof e.constraint === 'string' ? e.constraint : String(e.message))
    throw err
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password)
  } catch {
    return ''
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : undefined
  const msg = typeof e?.message === 'string' ? e.message : String(err)
  return code ? `${msg} (${code})` : msg
}
