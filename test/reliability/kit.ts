/**
 * @module test/reliability/kit
 * Shared pieces of the reliability suite (and of `scripts/soak.ts`): a seeded PRNG so every "random" run replays, a
 * raw VoiceAI Connect socket that records every frame the bot sends and how the socket closed, the upgrade status
 * probe, polling waits with deadlines, and row counts of the database (what a refused input must not change).
 * Not a test file: the tests and the soak script import it.
 */
import type { Sql } from '../../src/store/sql'
import { mulberry32 } from '../../src/sim/prng'

/** Business settings that make "tomorrow at 10 AM" always bookable, and a short greeting so calls go quickly. */
export const BOOKING_ENV: Readonly<Record<string, string>> = {
  BUSINESS_HOURS: 'Mon-Sun 08:00-20:00',
  BUSINESS_TIMEZONE: 'UTC',
  GREETING: 'How can I help?',
}

/** Seeded choices (mulberry32) to pick fuzz cases and kill points reproducibly. */
export function prng(seed: number): Rng {
  const next = mulberry32(seed)
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => {
      const x = xs[Math.floor(next() * xs.length)]
      if (x === undefined) throw new Error('pick from an empty list')
      return x
    },
    chance: (p) => next() < p,
  }
}

export type Rng = {
  next(): number
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number
  pick<T>(xs: readonly T[]): T
  chance(p: number): boolean
}

/** Polls `probe` every 10 ms until it returns something truthy; rejects after `ms` naming `what`. */
export async function waitUntil<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v) return v
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await Bun.sleep(10)
  }
}

/** Resident set size in MiB after a full collection (what "memory stays bounded" is measured with). */
export function rssAfterGcMb(): number {
  Bun.gc(true)
  Bun.gc(true)
  return process.memoryUsage().rss / 1048576
}

export type RawFrame = { readonly t: number; readonly data: string | Uint8Array }

/** A bare WebSocket to `/audiocodes` that records what the bot sends; nothing is interpreted. */
export type RawSocket = {
  readonly ws: WebSocket
  readonly frames: RawFrame[]
  readonly opened: boolean
  readonly closed: { code: number; reason: string } | undefined
  send(data: string | Uint8Array): boolean
  waitFor(pred: (msg: Record<string, unknown>) => boolean, ms: number, what: string): Promise<Record<string, unknown>>
  waitClosed(ms: number): Promise<{ code: number; reason: string }>
  close(): void
}

/** Opens a raw socket; resolves once open (or with `opened: false` when the upgrade was refused). */
export async function rawSocket(url: string, token: string | undefined, opts: { readonly tls?: boolean } = {}): Promise<RawSocket> {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` }
  const ws = new WebSocket(url, { headers, ...(opts.tls ? { tls: { rejectUnauthorized: false } } : {}) })
  ws.binaryType = 'arraybuffer'
  const frames: RawFrame[] = []
  let closed: { code: number; reason: string } | undefined
  let opened = false
  ws.onmessage = (e) => frames.push({ t: Date.now(), data: typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer) })
  await new Promise<void>((resolve) => {
    ws.onopen = () => {
      opened = true
      resolve()
    }
    ws.onclose = (e) => {
      closed = { code: e.code, reason: e.reason }
      resolve()
    }
  })
  ws.onclose = (e) => {
    closed = { code: e.code, reason: e.reason }
  }
  const parsed = () =>
    frames.flatMap((f) => {
      if (typeof f.data !== 'string') return []
      try {
        const v: unknown = JSON.parse(f.data)
        return v !== null && typeof v === 'object' && !Array.isArray(v) ? [v as Record<string, unknown>] : []
      } catch {
        return []
      }
    })
  return {
    ws,
    frames,
    get opened() {
      return opened
    },
    get closed() {
      return closed
    },
    send(data) {
      if (ws.readyState !== WebSocket.OPEN) return false
      ws.send(data)
      return true
    },
    waitFor: (pred, ms, what) => waitUntil(() => parsed().find(pred), ms, what),
    waitClosed: (ms) => waitUntil(() => closed, ms, 'the socket to close'),
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, 'done')
    },
  }
}

/**
 * The HTTP status of a WebSocket upgrade request with exactly these extra headers (Bun's WebSocket client reports a
 * refusal only as an error event; `fetch` with the upgrade headers returns the status).
 */
export async function upgradeStatus(url: string, headers: Readonly<Record<string, string>>): Promise<number> {
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')
  const res = await fetch(url.replace(/^ws/, 'http'), {
    headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', ...headers },
  })
  void res.body?.cancel().catch(() => undefined)
  return res.status
}

const TABLES = ['calls', 'transcript_items', 'tasks', 'task_events', 'timers', 'outbox', 'appointments', 'sms_messages', 'callbacks', 'messages', 'opt_outs'] as const

/** Rows per table: a refused input must leave these unchanged. */
export async function rowCounts(db: Sql): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const t of TABLES) counts[t] = Number((await db.get(`SELECT count(*) AS n FROM ${t}`))?.n)
  return counts
}

/** Every row of the tables a webhook could touch, as text: a refused request must leave it byte-identical. */
export async function dumpTables(db: Sql, tables: readonly string[] = TABLES): Promise<string> {
  const out: string[] = []
  for (const t of tables) out.push(`${t}:${JSON.stringify(await db.all(`SELECT * FROM ${t} ORDER BY rowid`))}`)
  return out.join('\n')
}

/** Runs `fn` over `items` with at most `limit` at a time; resolves with the results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let nextIndex = 0
  const worker = async () => {
    for (;;) {
      const i = nextIndex++
      if (i >= items.length) return
      results[i] = await fn(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** Records unhandled rejections and uncaught errors while installed (a fuzz run must produce none). */
export function watchProcessErrors(): { readonly errors: string[]; dispose(): void } {
  const errors: string[] = []
  const onRejection = (reason: unknown) => errors.push(`unhandledRejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`)
  const onException = (err: unknown) => errors.push(`uncaughtException: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    errors,
    dispose() {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
    },
  }
}
