/**
 * @module bench/first-audio
 * How long the caller waits for the bot's first audio, through the real server (in process) and the simulators, with
 * the Realtime emulator taking about what the real API takes (REAL_API_TIMING: 300 ms upgrade → session.created,
 * 600 ms response.create → first audio):
 * - greeting: the VAIC `start` event → the first `playStream.chunk`;
 * - fixed line: the trigger (VAIC's `noUserInput` → "Are you still there?") → the first `playStream.chunk` of it;
 * - task question: the task's answer to the model (the `function_call_output` reaching the Realtime API, after the
 *   caller's "Book an appointment for tomorrow.") → the first `playStream.chunk` of "What time would you like?".
 *
 * Each row is one way of serving it (a fresh server with its own environment); adding a row is one line in
 * {@link LATENCY_ROWS}. Calls are one after another (a pooled row waits for the pool to refill between calls, so each
 * call is a pooled one), `warmupCalls` first and unmeasured (a cache to fill).
 */
import { REAL_API_TIMING } from '../../src/sim/realtime'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import type { LogEntry } from '../../src/sim/vaic/event-log'
import { phraseDemoRun } from '../../src/sim/phrase-demo'

export type LatencyMeasure = 'greeting' | 'fixed line' | 'task question'

export type LatencyRow = {
  readonly measure: LatencyMeasure
  /** How it is served: the table's second column. */
  readonly path: string
  /** The server's environment for this row (on top of the world's). */
  readonly env: Readonly<Record<string, string>>
  /** Calls made first and not measured (e.g. to fill a phrase cache). */
  readonly warmupCalls?: number
}

/** The model rows keep the phrase cache off (it would serve every call after the first); a cached row fills it first. */
const NO_CACHE = { PHRASE_CACHE_MB: '0' }

export const LATENCY_ROWS: readonly LatencyRow[] = [
  { measure: 'greeting', path: 'cold: connect, session.update, model', env: { REALTIME_POOL_SIZE: '0', ...NO_CACHE } },
  { measure: 'greeting', path: 'pooled: model only', env: { REALTIME_POOL_SIZE: '2', ...NO_CACHE } },
  { measure: 'greeting', path: 'cached, cold: connect, session.update', env: { REALTIME_POOL_SIZE: '0' }, warmupCalls: 1 },
  { measure: 'greeting', path: 'cached + pooled: nothing to wait for', env: { REALTIME_POOL_SIZE: '2' }, warmupCalls: 1 },
  { measure: 'fixed line', path: 'model ("Are you still there?")', env: { REALTIME_POOL_SIZE: '2', ...NO_CACHE } },
  { measure: 'fixed line', path: 'cached ("Are you still there?")', env: { REALTIME_POOL_SIZE: '2' }, warmupCalls: 1 },
  { measure: 'task question', path: 'model ("What time would you like?")', env: { REALTIME_POOL_SIZE: '2', ...NO_CACHE } },
  { measure: 'task question', path: 'cached ("What time would you like?")', env: { REALTIME_POOL_SIZE: '2' }, warmupCalls: 1 },
]

export type LatencyResult = {
  readonly measure: LatencyMeasure
  readonly path: string
  /** One figure per measured call, ms. */
  readonly samples: readonly number[]
  readonly p50: number
  readonly min: number
  readonly max: number
}

const ENV = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00' }

/** Runs every row, `calls` measured calls each. */
export async function measureFirstAudio(calls: number, rows: readonly LatencyRow[] = LATENCY_ROWS, log: (s: string) => void = () => undefined): Promise<LatencyResult[]> {
  const out: LatencyResult[] = []
  for (const row of rows) {
    log(`  ${row.measure} · ${row.path} …`)
    const world = await startWorld({ env: { ...ENV, ...row.env }, emulator: { ...REAL_API_TIMING }, logLevel: 'warn' })
    try {
      const samples: number[] = []
      for (let i = 0; i < (row.warmupCalls ?? 0) + calls; i++) {
        await poolFull(world)
        const ms = await oneCall(world, row.measure, i)
        if (i >= (row.warmupCalls ?? 0)) samples.push(ms)
      }
      const sorted = [...samples].sort((a, b) => a - b)
      out.push({ measure: row.measure, path: row.path, samples, p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN, min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN })
    } finally {
      await world.stop()
    }
  }
  return out
}

/** A pooled row measures pooled calls: wait until the pool is full again (it refills in about a connect). */
async function poolFull(w: World): Promise<void> {
  const p = w.server.pool
  if (!p) return
  const deadline = Date.now() + 15_000
  while (p.ready < p.size) {
    if (Date.now() > deadline) throw new Error(`the pool did not fill (${p.ready}/${p.size})`)
    await Bun.sleep(20)
  }
}

async function oneCall(w: World, measure: LatencyMeasure, i: number): Promise<number> {
  // Date.now() of each chunk the caller gets: the task question's trigger is stamped by the emulator on that clock.
  const chunkAt: number[] = []
  const call = w.call({ caller: `+1415555${String(1000 + i).padStart(4, '0')}`, tap: { received: () => chunkAt.push(Date.now()) } })
  try {
    const r = await call.startCall()
    if (!r.ok) throw new Error(`call refused: ${r.reason}`)
    await call.waitForBotSaid('how can i help', 20_000)
    if (measure === 'greeting') return between(call, isStart, 0)
    await call.waitForPlaybackIdle(20_000)
    if (measure === 'task question') {
      const from = call.streams.length
      await call.say('Book an appointment for tomorrow.')
      await call.waitForBotSaid('what time would you like', 20_000, { fromStream: from })
      const output = lastToolOutputAt(w)
      const first = chunkAt.find((t) => t >= output)
      if (first === undefined) throw new Error('no playStream.chunk after the function output')
      return first - output
    }
    const from = call.log.length
    if (!call.noUserInput(1)) throw new Error('noUserInput was not sent')
    await call.waitForBotSaid('are you still there', 20_000)
    return between(call, isNoUserInput, from)
  } finally {
    await call.hangup()
    call.dispose()
  }
}

/** When the emulator received the latest function_call_output (calls run one after another: this call's). */
function lastToolOutputAt(w: World): number {
  const at = w.emulator.sessions.flatMap((s) =>
    s.received.flatMap((r) => {
      const e = r.event.raw as { type?: string; item?: { type?: string } }
      return e.type === 'conversation.item.create' && e.item?.type === 'function_call_output' ? [r.at] : []
    }),
  )
  if (at.length === 0) throw new Error('no function_call_output reached the emulator')
  return Math.max(...at)
}

const isStart = (e: LogEntry) => e.dir === 'out' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('"name":"start"')
const isNoUserInput = (e: LogEntry) => e.dir === 'out' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('"name":"noUserInput"')

/** From the first entry matching `trigger` (at or after `from`) to the next `playStream.chunk` the simulator received. */
function between(call: VaicSimulator, trigger: (e: LogEntry) => boolean, from: number): number {
  const log = call.log
  const t = log.findIndex((e, i) => i >= from && trigger(e))
  if (t < 0) throw new Error('trigger not in the simulator log')
  const chunk = log.find((e, i) => i > t && e.dir === 'in' && e.type === 'playStream.chunk')
  if (!chunk) throw new Error('no playStream.chunk after the trigger')
  return chunk.t - (log[t]?.t ?? 0)
}

/** The markdown table. */
export function firstAudioTable(rows: readonly LatencyResult[]): string {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–')
  return [
    '| latency | served by | calls | p50 ms | min ms | max ms |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.measure} | ${r.path} | ${r.samples.length} | ${f(r.p50)} | ${f(r.min)} | ${f(r.max)} |`),
  ].join('\n')
}

type Rate = { readonly hits: number; readonly lookups: number; readonly questions: number }
export type HitRate = { readonly cold: Rate; readonly warm: Rate }

/**
 * The phrase cache's hit rate over the demo scenarios (each in its own world, as `fastagent demo` runs them): cold
 * (an empty cache, so only what one run repeats hits) and warm (the store starting with what the cold run kept: the
 * next day, or another instance on a shared PostgreSQL).
 */
export async function measureHitRate(): Promise<HitRate> {
  const cold = await phraseDemoRun([])
  const warm = await phraseDemoRun(cold.stored)
  const rate = (r: typeof cold): Rate => ({ hits: r.hits, lookups: r.hits + r.misses, questions: r.questions })
  return { cold: rate(cold), warm: rate(warm) }
}

export function hitRateLine(r: HitRate): string {
  const pct = (x: Rate) => (x.lookups === 0 ? '–' : `${Math.round((100 * x.hits) / x.lookups)} %`)
  return `Phrase cache over the demo scenarios (fixed lines due, task questions included → played from the cache): cold ${r.cold.hits} of ${r.cold.lookups} (${pct(r.cold)}), warm ${r.warm.hits} of ${r.warm.lookups} (${pct(r.warm)}); ${r.warm.questions} of the lines due are task questions.`
}
