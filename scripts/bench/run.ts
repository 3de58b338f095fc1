/**
 * @module bench/run
 * `bun run bench`: relay latency, CPU per call and memory per call of the REAL server (the compiled `dist/fastagent` by
 * default), side by side with a minimal Node.js `ws` relay and a minimal Bun relay doing the same job, plus
 * micro-benchmarks and the binary's cold start. Prints markdown on stdout (progress on stderr) and writes
 * `bench-results/<timestamp>.json` and `bench-results/latest.json`.
 *
 * Processes (all on the same machine, sharing its cores — the output says so): this orchestrator; the fake upstream
 * (scripts/bench/fake-upstream.ts); one relay at a time (ours, node, bun-min); one load generator per run
 * (scripts/bench/loadgen.ts). Each (format, calls, phases) is measured against a direct-socket baseline (load
 * generator ⇄ fake upstream, same framing) in the same run, and each relay gets a fresh process, so its CPU and RSS
 * are its own.
 *
 * Flags: --calls 1,100,300,500 --seconds 8 --repeat 3 (runs per cell, relays interleaved: scripts/bench/repeat.ts) --warmup 2 --formats raw/mulaw,raw/lpcm16_24,raw/lpcm16
 * --targets ours,node,bun-min,bun-fast --burst-calls 100 --no-burst --no-overload --no-micro --micro (micro + cold start only)
 * --cold-start (cold start only) --no-cold-start --in-process (startServer in this process instead of the binary) --profile (ours from source under
 * `bun --cpu-prof`) --build (rebuild dist/fastagent first) --out-dir bench-results --quick (smoke: 2 calls × 2 s, one
 * format, ours only) --console (also run ours with the operator console open — a viewer polling the live list and a
 * call page, following one live transcript — and compare its p99 with ours in the same run). --first-audio (the
 * first-audio table only: greeting and fixed-line latency per way of serving them, scripts/bench/first-audio.ts)
 * --no-first-audio --first-audio-calls 10 (calls per row; 1 with --quick).
 * --no-store / --store (only): the store sections — FSM step + checkpoint on SQLite and PostgreSQL
 * (scripts/bench/store-engines.ts), and 2 instances × N calls on one PostgreSQL (scripts/bench/cluster-calls.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { analyseCell, compare, MAX_FOREIGN_CORES, nodeRatios, type CellResult, type Phases, type RelayName } from './analyse'
import { interleave, mergeRuns, withinNoise, type MergedCell, type PlanItem } from './repeat'
import { cpuTimes, machineCpu } from './proc'
import { BENCH_FORMATS, FORMAT_SPECS, isBenchFormat, PLATEAU_MAX_CALLS, type BenchFormat } from './frames'
import { framesPerCall, type LoadgenConfig, type LoadgenResult } from './loadgen'
import type { UpstreamCounters } from './fake-upstream'
import type { MicroResult } from './micro'
import { firstAudioTable, hitRateLine, measureFirstAudio, measureHitRate, type HitRate, type LatencyResult } from './first-audio'
import {
  coldStartTable,
  legend,
  machineBlock,
  microTable,
  overloadTable,
  perfTable,
  relayTable,
  summaryTable,
  verdictTable,
  type ColdStart,
  type MachineFacts,
  type Verdict,
} from './report'
import { recordPerfSplit, type PerfRecording, type PerfRow } from './perf-split'

const ROOT = resolve(import.meta.dir, '..', '..')
const BINARY = join(ROOT, 'dist', 'fastagent')
const TOKEN = 'bench-bot-token-0123456789'
const API_KEY = 'sk-bench-upstream-key'
const CONSOLE_TOKEN = 'bench-console-admin-token-0123'

export type Options = {
  readonly calls: readonly number[]
  readonly seconds: number
  readonly warmup: number
  readonly formats: readonly BenchFormat[]
  readonly targets: readonly Exclude<RelayName, 'direct'>[]
  readonly burst: boolean
  readonly burstCalls: number
  readonly overload: boolean
  readonly relays: boolean
  readonly micro: boolean
  readonly coldStart: boolean
  readonly inProcess: boolean
  readonly profile: boolean
  /** Split each relay run's CPU by thread and code kind with `perf` (see bench/perf-split). */
  readonly perf: boolean
  readonly build: boolean
  readonly outDir: string
  readonly quick: boolean
  /** Runs per relay cell, the relays interleaved (scripts/bench/repeat.ts); figures are the median with min – max. */
  readonly repeat: number
  /** Seconds to wait, before each run, for the machine to be quiet (other processes < 0.2 cores busy). */
  readonly quietWait: number
  /** Add the `ours-console` target: the same server with a console viewer on it during the run. */
  readonly console: boolean
  /** First audio (greeting, fixed lines) per way of serving it, this many calls a row (0: not measured). */
  readonly firstAudioCalls: number
  /** The store sections: step + checkpoint per engine, and 2 instances × N calls on one PostgreSQL. */
  readonly store: boolean
}

const USAGE = `usage: bun run bench [--calls 1,100,300,500] [--seconds 20] [--warmup 2] [--formats raw/mulaw,raw/lpcm16_24,raw/lpcm16]
       [--targets ours,node,bun-min,bun-fast] [--burst-calls 100] [--no-burst] [--no-overload] [--no-micro] [--micro] [--cold-start] [--no-cold-start]
       [--in-process] [--profile] [--perf] [--build] [--out-dir bench-results] [--quiet-wait 30] [--quick] [--console] [--repeat 3]
       [--first-audio] [--no-first-audio] [--first-audio-calls 10] [--no-store] [--store]`

const isTarget = (t: string): t is Exclude<RelayName, 'direct'> => t === 'ours' || t === 'ours-console' || t === 'node' || t === 'bun-min' || t === 'bun-fast'

export function parseOptions(argv: readonly string[]): Options {
  const has = (f: string) => argv.includes(f)
  const value = (f: string): string | undefined => {
    const i = argv.indexOf(f)
    if (i < 0) return undefined
    const v = argv[i + 1]
    if (v === undefined || v.startsWith('--')) throw new Error(`${f} needs a value\n${USAGE}`)
    return v
  }
  const known = new Set(['--calls', '--seconds', '--warmup', '--formats', '--targets', '--burst-calls', '--out-dir', '--quiet-wait', '--first-audio-calls', '--repeat'])
  const flags = new Set(['--first-audio', '--no-first-audio', '--console', '--no-burst', '--no-overload', '--no-micro', '--micro', '--cold-start', '--no-cold-start', '--in-process', '--profile', '--perf', '--build', '--quick', '--help', '--no-store', '--store'])
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    if (known.has(a)) i++
    else if (!flags.has(a)) throw new Error(`unknown argument ${a}\n${USAGE}`)
  }
  if (has('--help')) throw new Error(USAGE)
  const quick = has('--quick')
  const list = (s: string | undefined) => s?.split(',').map((x) => x.trim()).filter((x) => x !== '')
  const calls = (list(value('--calls')) ?? (quick ? ['2'] : ['1', '100', '300', '500'])).map(Number)
  if (calls.some((n) => !Number.isInteger(n) || n < 1 || n > PLATEAU_MAX_CALLS)) throw new Error(`--calls takes integers 1…${PLATEAU_MAX_CALLS}`)
  const formats = list(value('--formats')) ?? (quick ? ['raw/lpcm16_24'] : [...BENCH_FORMATS])
  for (const f of formats) if (!isBenchFormat(f)) throw new Error(`--formats: ${f} is not one of ${BENCH_FORMATS.join(', ')}`)
  const targets = list(value('--targets')) ?? (quick ? ['ours'] : ['ours', 'node', 'bun-min', 'bun-fast'])
  for (const t of targets) if (!isTarget(t)) throw new Error(`--targets: ${t} is not ours, ours-console, node, bun-min or bun-fast`)
  // --console: ours with the console open, measured right after ours in each cell.
  if (has('--console') && !targets.includes('ours-console')) targets.splice(targets.includes('ours') ? targets.indexOf('ours') + 1 : 0, 0, 'ours-console')
  // Three 8 s runs per cell (median, min – max) tell more than one 20 s run, for about 1.5× the time.
  const seconds = Number(value('--seconds') ?? (quick ? 2 : 8))
  const repeat = Number(value('--repeat') ?? (quick ? 1 : 3))
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) throw new Error('--repeat takes an integer 1…20')
  const warmup = Number(value('--warmup') ?? (quick ? 0.5 : 2))
  if (!(seconds > 0 && seconds <= 1200) || !(warmup >= 0 && warmup <= 60)) throw new Error('--seconds must be in (0, 1200] and --warmup in [0, 60]')
  // --micro: micro-benchmarks and cold start only; --cold-start: cold start only.
  // --first-audio: the first-audio table only; --store: the store sections only.
  const firstAudioOnly = has('--first-audio')
  const microOnly = has('--micro') && !firstAudioOnly
  const coldOnly = has('--cold-start') && !microOnly && !firstAudioOnly
  const storeOnly = has('--store') && !microOnly && !coldOnly && !firstAudioOnly
  const firstAudioCalls = has('--no-first-audio') || microOnly || coldOnly || storeOnly ? 0 : Number(value('--first-audio-calls') ?? (quick ? 1 : 10))
  if (!Number.isInteger(firstAudioCalls) || firstAudioCalls < 0 || firstAudioCalls > 1000) throw new Error('--first-audio-calls takes an integer 0…1000')
  return {
    calls,
    seconds,
    warmup,
    formats: formats.filter(isBenchFormat),
    targets: targets.filter(isTarget),
    burst: !quick && !has('--no-burst'),
    burstCalls: Number(value('--burst-calls') ?? 100),
    overload: !quick && !has('--no-overload') && !has('--in-process'),
    relays: !microOnly && !coldOnly && !firstAudioOnly && !storeOnly,
    micro: microOnly || (!coldOnly && !firstAudioOnly && !storeOnly && !has('--no-micro')),
    coldStart: coldOnly || (!quick && !firstAudioOnly && !storeOnly && !has('--no-cold-start') && (microOnly || !has('--in-process'))),
    store: storeOnly || (!quick && !microOnly && !coldOnly && !firstAudioOnly && !has('--no-store')),
    inProcess: has('--in-process'),
    profile: has('--profile'),
    perf: has('--perf'),
    build: has('--build'),
    outDir: resolve(value('--out-dir') ?? join(ROOT, 'bench-results')),
    quick,
    repeat,
    quietWait: Number(value('--quiet-wait') ?? (quick ? 0 : 30)),
    console: has('--console'),
    firstAudioCalls,
  }
}

// ---- processes ----------------------------------------------------------------------------------------------------

const children = new Set<Subprocess>()
const log = (line: string) => process.stderr.write(line + '\n')

function spawn(cmd: string[], opts: { cwd?: string; env?: Record<string, string>; stdout?: 'pipe' | 'ignore' | ReturnType<typeof Bun.file> }) {
  const proc = Bun.spawn(cmd, { cwd: opts.cwd ?? ROOT, env: opts.env ?? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() }, stdout: opts.stdout ?? 'pipe', stderr: 'pipe', stdin: 'ignore' })
  children.add(proc)
  void proc.exited.then(() => children.delete(proc))
  return proc
}

async function stop(proc: Subprocess, graceMs = 10_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  proc.kill('SIGTERM')
  const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(graceMs).then(() => false)])
  if (!done) {
    proc.kill('SIGKILL')
    await proc.exited
  }
}

function killChildren(): void {
  for (const p of children) p.kill('SIGKILL')
}
process.on('SIGINT', () => {
  killChildren()
  process.exit(130)
})

/** The first stdout line of a child (its `{"port":n}`), with a deadline. */
async function firstLine(proc: Subprocess, what: string, timeoutMs = 15_000): Promise<string> {
  const stdout = proc.stdout
  if (!stdout || typeof stdout === 'number') throw new Error(`${what}: no stdout pipe`)
  const reader = stdout.getReader()
  const dec = new TextDecoder()
  let buf = ''
  const deadline = Bun.sleep(timeoutMs).then(() => 'timeout' as const)
  for (;;) {
    const r = await Promise.race([reader.read(), deadline])
    if (r === 'timeout') throw new Error(`${what}: no output within ${timeoutMs} ms`)
    if (r.done) throw new Error(`${what} exited before it was ready: ${await new Response(proc.stderr as ReadableStream).text()}`)
    buf += dec.decode(r.value)
    const i = buf.indexOf('\n')
    if (i >= 0) {
      reader.releaseLock()
      return buf.slice(0, i)
    }
  }
}

async function freePort(): Promise<number> {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
  const port = s.port ?? 0
  await s.stop(true)
  return port
}

async function waitReady(url: string, timeoutMs: number, proc?: Subprocess): Promise<void> {
  const until = performance.now() + timeoutMs
  while (performance.now() < until) {
    if (proc && proc.exitCode !== null) throw new Error(`process exited with ${proc.exitCode} before ${url} answered`)
    try {
      const r = await fetch(url)
      if (r.status === 200) return
    } catch {
      // not listening yet
    }
    await Bun.sleep(1)
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`)
}

type Upstream = { readonly proc: Subprocess; readonly port: number; readonly base: string }

async function startUpstream(): Promise<Upstream> {
  const proc = spawn(['bun', join(import.meta.dir, 'fake-upstream.ts'), '0'], {})
  const { port } = JSON.parse(await firstLine(proc, 'fake upstream')) as { port: number }
  return { proc, port, base: `http://127.0.0.1:${port}` }
}

type Target = { readonly pid: number; readonly url: string; stop(): Promise<void> }

type Ctx = {
  readonly o: Options
  readonly upstream: Upstream
  readonly work: string
  readonly profileDir: string | undefined
  /** `--perf` recordings, one per relay run of 50 calls or more, in run order. */
  readonly perfRows: PerfRow[]
}

function serverEnv(ctx: Ctx, port: number, dir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    HOST: '127.0.0.1',
    PORT: String(port),
    AUDIOCODES_BOT_TOKEN: TOKEN,
    OPENAI_API_KEY: API_KEY,
    OPENAI_REALTIME_URL: `ws://127.0.0.1:${ctx.upstream.port}/v1/realtime`,
    DATABASE_PATH: join(dir, 'db', 'fastagent.db'),
    LOG_LEVEL: 'warn',
    // Every simulated call comes from 127.0.0.1: the per-IP upgrade limit (default 120/min) would refuse them.
    UPGRADE_RATE_PER_MINUTE: '1000000',
    DRAIN_TIMEOUT_SECONDS: '2',
    // The relay cells measure the relay: every call connects its own session (the latency section measures the pool).
    REALTIME_POOL_SIZE: '0',
  }
}

async function startTarget(ctx: Ctx, relay: Exclude<RelayName, 'direct'>): Promise<Target> {
  const upstreamWs = `ws://127.0.0.1:${ctx.upstream.port}/v1/realtime`
  if (relay === 'node' || relay === 'bun-min' || relay === 'bun-fast') {
    const cmd =
      relay === 'node'
        ? ['node', join(import.meta.dir, 'node-relay.mjs')]
        : ['bun', join(import.meta.dir, 'bun-relay.ts'), ...(relay === 'bun-fast' ? ['--fast'] : [])]
    const proc = spawn([...cmd, '--port', '0', '--upstream', upstreamWs, '--token', TOKEN, '--api-key', API_KEY], {})
    const { port } = JSON.parse(await firstLine(proc, relay)) as { port: number }
    return { pid: proc.pid, url: `ws://127.0.0.1:${port}/audiocodes`, stop: () => stop(proc) }
  }
  const dir = mkdtempSync(join(ctx.work, 'server-'))
  const port = await freePort()
  const env = { ...serverEnv(ctx, port, dir), ...(relay === 'ours-console' ? { ADMIN_TOKEN: CONSOLE_TOKEN } : {}) }
  const target = await startServerTarget(ctx, port, dir, env)
  if (relay !== 'ours-console') return target
  const viewer = consoleViewer(`http://127.0.0.1:${port}`)
  return {
    ...target,
    stop: async () => {
      const seen = await viewer.stop()
      log(`    console viewer: ${seen.requests} requests, ${seen.events} live transcript events, ${seen.errors} errors`)
      await target.stop()
    },
  }
}

async function startServerTarget(ctx: Ctx, port: number, dir: string, env: Record<string, string>): Promise<Target> {
  if (ctx.o.inProcess) {
    const { loadConfig } = await import('../../src/config/load')
    const { startServer } = await import('../../src/server')
    const { createLogger } = await import('../../src/ops/log')
    const loaded = loadConfig(env)
    if (!loaded.ok) throw new Error(`server config: ${loaded.problems.map((p) => `${p.variable} ${p.reason}`).join('; ')}`)
    const server = await startServer(loaded.config, { log: createLogger({ level: 'warn', sink: (line) => process.stderr.write(line + '\n') }) })
    return {
      pid: process.pid,
      url: `ws://127.0.0.1:${server.port}/audiocodes`,
      stop: async () => {
        await server.shutdown('benchmark cell done')
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const cmd = ctx.profileDir
    ? ['bun', '--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`, '--cpu-prof-md', join(ROOT, 'src', 'main.ts'), 'serve']
    : [BINARY, 'serve']
  const proc = spawn(cmd, { cwd: dir, env, stdout: Bun.file(join(dir, 'server.log')) })
  await waitReady(`http://127.0.0.1:${port}/readyz`, 30_000, proc)
  return {
    pid: proc.pid,
    url: `ws://127.0.0.1:${port}/audiocodes`,
    stop: async () => {
      await stop(proc, 15_000)
      const warnings = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').split('\n').filter((l) => l.includes('"level":"error"')) : []
      if (warnings.length > 0) log(`  server logged ${warnings.length} error line(s), first: ${warnings[0]?.slice(0, 300)}`)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * An operator with the console open, as a script would be: the live list 4× a second, one live call's page every
 * second, and that call's live transcript stream followed the whole time. In this process, so its CPU is not the
 * relay's.
 */
function consoleViewer(base: string): { stop(): Promise<{ requests: number; events: number; errors: number }> } {
  const headers = { authorization: `Bearer ${CONSOLE_TOKEN}` }
  const seen = { requests: 0, events: 0, errors: 0 }
  let running = true
  const abort = new AbortController()
  let following: string | undefined
  const follow = async (id: string) => {
    try {
      const r = await fetch(`${base}/console/api/calls/${id}/events`, { headers, signal: abort.signal })
      const reader = (r.body as ReadableStream<Uint8Array>).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        seen.events += new TextDecoder().decode(value).split('event: entry').length - 1
      }
    } catch {
      // aborted at the end of the run, or the call ended
    }
    following = undefined
  }
  const loop = (async () => {
    let tick = 0
    while (running) {
      try {
        const r = await fetch(`${base}/console/api/calls`, { headers })
        seen.requests++
        const list = (await r.json()) as { live: { id: string; state: string }[] }
        const live = list.live.filter((c) => c.state === 'live')
        if (following === undefined && live[0]) {
          following = live[0].id
          void follow(following)
        }
        if (tick++ % 4 === 0 && live[0]) {
          await (await fetch(`${base}/console/calls/${live[0].id}`, { headers })).text()
          seen.requests++
        }
      } catch {
        seen.errors++
      }
      await Bun.sleep(250)
    }
  })()
  return {
    async stop() {
      running = false
      abort.abort()
      await loop
      return seen
    },
  }
}

/**
 * Waits (up to `maxSeconds`) until the machine is idle apart from us: this box may be shared (CI, other sessions), and a
 * run measured while something else burns a core measures that something else. Returns the busy cores last seen.
 */
async function waitQuiet(maxSeconds: number): Promise<number> {
  const until = performance.now() + maxSeconds * 1000
  let warned = false
  for (;;) {
    const a = machineCpu().taskMs
    await Bun.sleep(1000)
    const busy = (machineCpu().taskMs - a) / 1000
    if (busy <= MAX_FOREIGN_CORES || performance.now() >= until) {
      if (warned) log(`    machine ${busy <= MAX_FOREIGN_CORES ? 'quiet again' : `still busy (${busy.toFixed(2)} cores), measuring anyway`}`)
      return busy
    }
    if (!warned) log(`    other processes are using ${busy.toFixed(2)} cores; waiting up to ${maxSeconds} s for a quiet machine…`)
    warned = true
    await Bun.sleep(2000)
  }
}

let tagSeq = 0
const nextTag = () => (tagSeq++ % 15) + 1

async function runLoadgenProcess(cfg: LoadgenConfig): Promise<LoadgenResult> {
  const proc = spawn(['bun', join(import.meta.dir, 'loadgen.ts'), JSON.stringify(cfg)], {})
  const budget = (cfg.seconds + cfg.warmupSeconds) * 1000 + cfg.setupTimeoutMs + cfg.drainMs + 60_000
  const killer = setTimeout(() => proc.kill('SIGKILL'), budget)
  const [out, err, code] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text(), proc.exited])
  clearTimeout(killer)
  const last = out.trim().split('\n').pop() ?? ''
  if (code !== 0 || !last.startsWith('{')) throw new Error(`load generator failed (exit ${code}): ${err.slice(0, 2000)}`)
  return JSON.parse(last) as LoadgenResult
}

/** Below this many calls a relay is mostly idle and its split says little. */
const PERF_MIN_CALLS = 50

/**
 * `perf` over the middle of a relay run: from the moment the relay is busy (its calls set up and streaming: over a
 * fifth of a core in a quarter second), past the warm-up, for half the measured window.
 */
async function perfWhileStreaming(pid: number, seconds: number, warmup: number, dir: string): Promise<PerfRecording> {
  try {
    const until = performance.now() + 60_000
    for (let last = cpuTimes(pid); performance.now() < until; ) {
      await Bun.sleep(250)
      const now = cpuTimes(pid)
      const busyMs = now.userMs + now.sysMs - last.userMs - last.sysMs
      last = now
      if (busyMs > 50) break
    }
  } catch (err) {
    // The relay went away (its /proc entry with it): nothing to record, and no rejection left for nobody to await.
    return { error: `relay ${pid} not measurable: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300) }
  }
  await Bun.sleep(warmup * 1000)
  return recordPerfSplit(pid, Math.max(1, seconds / 2), 999, dir)
}

async function runCell(ctx: Ctx, format: BenchFormat, calls: number, phases: Phases, relay: RelayName, seconds = ctx.o.seconds): Promise<CellResult> {
  const o = ctx.o
  const tag = nextTag()
  const frames = framesPerCall(seconds, o.warmup)
  const direct = relay === 'direct'
  const spec = FORMAT_SPECS[format]
  const encoding = direct ? 'header' : spec.relayEncoding
  if (o.quietWait > 0) await waitQuiet(o.quietWait)
  const q = new URLSearchParams({ calls: String(calls), frames: String(frames), format, encoding, tag: String(tag), side: direct ? 'vaic' : 'upstream' })
  const reset = await fetch(`${ctx.upstream.base}/reset?${q}`, { method: 'POST' })
  if (!reset.ok) throw new Error(`upstream reset: ${reset.status} ${await reset.text()}`)
  const target = direct ? undefined : await startTarget(ctx, relay)
  // Let the fresh process settle (startup garbage collected, listeners idle) before its idle RSS is sampled.
  if (target) await Bun.sleep(ctx.o.quick ? 200 : 1000)
  try {
    const outFile = join(ctx.work, `stamps-${tag}-${process.hrtime.bigint()}.bin`)
    const cfg: LoadgenConfig = {
      mode: direct ? 'direct' : 'vaic',
      url: target ? target.url : `ws://127.0.0.1:${ctx.upstream.port}/v1/realtime?model=bench`,
      token: direct ? API_KEY : TOKEN,
      format,
      encoding,
      calls,
      seconds,
      warmupSeconds: o.warmup,
      burst: phases === 'burst',
      tag,
      frames,
      ...(target ? { relayPid: target.pid } : {}),
      upstreamPid: ctx.upstream.proc.pid,
      outFile,
      connectConcurrency: 16,
      setupTimeoutMs: 20_000,
      drainMs: 3_000,
    }
    const recording = o.perf && target && calls >= PERF_MIN_CALLS ? perfWhileStreaming(target.pid, seconds, o.warmup, ctx.work) : undefined
    const loadgen = await runLoadgenProcess(cfg)
    if (recording) ctx.perfRows.push({ format, calls, relay, recording: await recording })
    const loadgenStamps = new Float64Array(await Bun.file(outFile).arrayBuffer())
    rmSync(outFile, { force: true })
    const dump = await fetch(`${ctx.upstream.base}/dump`)
    const upstreamCounters = JSON.parse(dump.headers.get('x-counters') ?? '{}') as UpstreamCounters
    const upstreamStamps = new Float64Array(await dump.arrayBuffer())
    return analyseCell({ format, path: spec.path, calls, phases, relay, seconds, frames, loadgen, loadgenStamps, upstreamStamps, upstreamCounters })
  } finally {
    await target?.stop()
  }
}

// ---- cold start -----------------------------------------------------------------------------------------------------

async function coldStart(ctx: { work: string; upstreamPort: number }, runs: number): Promise<ColdStart[]> {
  const out: ColdStart[] = []
  const shared = mkdtempSync(join(ctx.work, 'cold-'))
  for (const kind of ['new database', 'existing database'] as const) {
    const times: number[] = []
    for (let i = 0; i < runs; i++) {
      const dir = kind === 'new database' ? mkdtempSync(join(ctx.work, 'cold-')) : shared
      const port = await freePort()
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        HOST: '127.0.0.1',
        PORT: String(port),
        AUDIOCODES_BOT_TOKEN: TOKEN,
        OPENAI_API_KEY: API_KEY,
        OPENAI_REALTIME_URL: `ws://127.0.0.1:${ctx.upstreamPort}/v1/realtime`,
        DATABASE_PATH: join(dir, 'db', 'fastagent.db'),
        LOG_LEVEL: 'warn',
      }
      const t0 = performance.now()
      const proc = spawn([BINARY, 'serve'], { cwd: dir, env, stdout: 'ignore' })
      await waitReady(`http://127.0.0.1:${port}/readyz`, 10_000, proc)
      times.push(performance.now() - t0)
      await stop(proc)
      if (dir !== shared) rmSync(dir, { recursive: true, force: true })
    }
    times.sort((a, b) => a - b)
    out.push({ kind: `binary exec → /readyz 200, ${kind}`, runs, medianMs: times[Math.floor(times.length / 2)] ?? NaN, minMs: times[0] ?? NaN, maxMs: times[times.length - 1] ?? NaN })
  }
  rmSync(shared, { recursive: true, force: true })
  return out
}

// ---- machine facts --------------------------------------------------------------------------------------------------

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

async function machineFacts(o: Options): Promise<MachineFacts> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown'
  const node = await Bun.$`node --version`.quiet().nothrow()
  const server = o.inProcess ? 'startServer in the orchestrator process (--in-process)' : o.profile ? 'src/main.ts under bun --cpu-prof (--profile)' : 'dist/fastagent (compiled binary)'
  const base = { cpu: model, cores: cpus().length, memGiB: totalmem() / 2 ** 30, kernel: release(), bun: Bun.version, node: node.stdout.toString().trim() || 'not found', server }
  if (!existsSync(BINARY)) return base
  const st = statSync(BINARY)
  return { ...base, binary: { path: 'dist/fastagent', sizeMiB: st.size / 2 ** 20, builtAt: st.mtime.toISOString(), olderThanSrc: newestMtime(join(ROOT, 'src')) > st.mtimeMs } }
}

// ---- verdicts -----------------------------------------------------------------------------------------------------

function verdicts(o: Options, cells: readonly MergedCell[], cold: readonly ColdStart[], micro: MicroResult | undefined): Verdict[] {
  const v: Verdict[] = []
  const ours = (format: BenchFormat, calls: number) => cells.find((c) => c.relay === 'ours' && c.format === format && c.calls === calls && c.phases === 'staggered')
  const worst = (c: CellResult, k: 'p50' | 'p99') => Math.max(c.added?.up[k] ?? NaN, c.added?.down[k] ?? NaN)
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–')
  for (const format of o.formats) {
    const c = ours(format, 100)
    if (!c) continue
    const p50 = worst(c, 'p50')
    const p99 = worst(c, 'p99')
    v.push({
      target: `added latency at 100 calls, ${format}: p50 < 0.2 ms, p99 < 2 ms (worse direction)`,
      measured: `p50 ${f2(p50)} ms (up ${f2(c.added?.up.p50 ?? NaN)}, down ${f2(c.added?.down.p50 ?? NaN)}), p99 ${f2(p99)} ms (up ${f2(c.added?.up.p99 ?? NaN)}, down ${f2(c.added?.down.p99 ?? NaN)})`,
      verdict: !c.valid || c.disturbed ? 'INVALID' : p50 < 0.2 && p99 < 2 ? 'PASS' : 'FAIL',
    })
  }
  for (const format of o.formats) {
    if (FORMAT_SPECS[format].path !== 'passthrough') continue
    const c = ours(format, 100)
    if (!c?.cpu) continue
    const node = cells.find((x) => x.relay === 'node' && x.format === format && x.calls === 100 && x.phases === 'staggered')
    const ratio = c.ratioVsNode?.cpu ?? NaN
    const cheap = Number.isFinite(ratio) ? 1 / ratio : NaN
    v.push({
      target: `CPU per call-second at 100 calls, ${format}: ≤ 1.2 ms and ≥ 2.5× cheaper than Node`,
      measured: `${f2(c.cpu.msPerCallSecond)} ms (schedstat ${f2(c.cpu.schedMsPerCallSecond)})${c.disturbed ? ' [disturbed run]' : ''}; Node ${node?.cpu ? f2(node.cpu.msPerCallSecond) : '–'} ms → ${Number.isFinite(cheap) ? cheap.toFixed(2) + '×' : '–'} cheaper`,
      verdict: !c.valid ? 'INVALID' : c.cpu.msPerCallSecond <= 1.2 && (!node || cheap >= 2.5) ? 'PASS' : 'FAIL',
    })
  }
  const top = Math.max(...o.calls)
  if (top >= 500) {
    for (const format of o.formats) {
      const c = ours(format, top)
      if (!c) continue
      const p99 = worst(c, 'p99')
      v.push({
        target: `${top} concurrent calls, ${format}: 0 frames lost, added p99 < 10 ms, loadgen on the same box`,
        measured: `accepted ${c.accepted}/${c.calls}, lost ${c.frames.lost}, dup ${c.frames.duplicates}, reord ${c.frames.reordered}, added p99 ${f2(p99)} ms (RTT p99 ${f2(c.added?.rtt.p99 ?? NaN)} ms), relay ${f2(c.cpu?.coreShare ?? NaN)} cores`,
        verdict: !c.valid || c.disturbed ? 'INVALID' : c.accepted === c.calls && c.frames.lost === 0 && c.frames.duplicates === 0 && c.frames.reordered === 0 && p99 < 10 ? 'PASS' : 'FAIL',
      })
    }
  }
  // The floor targets: our relay against the bare Bun relays of the same run (every format, at 100 and 300 calls).
  const other = (relay: RelayName, format: BenchFormat, calls: number) =>
    cells.find((x) => x.relay === relay && x.format === format && x.calls === calls && x.phases === 'staggered')
  for (const calls of [100, 300]) {
    for (const format of o.formats) {
      const c = ours(format, calls)
      const fast = other('bun-fast', format, calls)
      if (FORMAT_SPECS[format].path !== 'passthrough' || !c?.cpu || !fast?.cpu) continue
      const ratio = c.cpu.msPerCallSecond / fast.cpu.msPerCallSecond
      v.push({
        target: `CPU per call-second at ${calls} calls, ${format}: ≤ 1.1× bun-fast's`,
        measured: `${f2(c.cpu.msPerCallSecond)} vs ${f2(fast.cpu.msPerCallSecond)} ms → ${ratio.toFixed(2)}×${c.disturbed || fast.disturbed ? ' [disturbed run]' : ''}`,
        verdict: !c.valid || !fast.valid ? 'INVALID' : ratio <= 1.1 ? 'PASS' : 'FAIL',
      })
    }
  }
  for (const format of o.formats) {
    const c = ours(format, 300)
    const min = other('bun-min', format, 300)
    if (!c?.added || !min?.added) continue
    const p99 = worst(c, 'p99')
    const minP99 = worst(min, 'p99')
    v.push({
      target: `added p99 at 300 calls, ${format}: ≤ bun-min's (worse direction)`,
      measured: `${f2(p99)} vs ${f2(minP99)} ms`,
      verdict: !c.valid || !min.valid || c.disturbed ? 'INVALID' : p99 <= minP99 ? 'PASS' : 'FAIL',
    })
  }
  // The console must not touch the audio path: with it open, p99 stays within the run-to-run noise of ours alone —
  // its median within the range of ours' runs, or within 25 % + 0.5 ms of ours' median (two single runs of the same
  // relay on this shared machine differ by about that much), in each direction.
  for (const c of cells.filter((x) => x.relay === 'ours-console' && x.phases === 'staggered')) {
    const base = other('ours', c.format, c.calls)
    if (!base?.added || !c.added) continue
    const dirs = (['up', 'down'] as const).map((d) => {
      const mine = c.runs.addedP99[d]
      const theirs = base.runs.addedP99[d]
      return { d, ok: withinNoise(mine, theirs), text: `${d} ${f2(mine.median)} vs ${f2(theirs.median)} (${f2(theirs.min)} – ${f2(theirs.max)})` }
    })
    v.push({
      target: `added p99 with the console open, ${c.calls} calls, ${c.format}: within noise of ours (median ≤ ours' max run or ≤ 1.25× ours' median + 0.5 ms)`,
      measured: `${dirs.map((x) => x.text).join('; ')} ms, ${c.runs.valid} and ${base.runs.valid} valid runs`,
      verdict: !c.valid || !base.valid || c.disturbed || base.disturbed ? 'INVALID' : dirs.every((x) => x.ok) ? 'PASS' : 'FAIL',
    })
  }
  for (const format of o.formats) {
    const c = ours(format, 300)
    if (FORMAT_SPECS[format].path !== 'resampled' || !c) continue
    v.push({
      target: `300 resampled calls, ${format}: 0 frames shed or lost`,
      measured: `lost ${c.frames.lost} (up ${c.frames.lostUp}, down ${c.frames.lostDown}) of the frames sent`,
      verdict: !c.valid ? 'INVALID' : c.frames.lost === 0 ? 'PASS' : 'FAIL',
    })
  }
  if (micro) {
    const rs = micro.rows.filter((r) => r.group.startsWith('resampled path (raw/lpcm16)') && r.name.includes('Resampler.process'))
    if (rs.length > 0) {
      const worstMin = Math.max(...rs.map((r) => r.minNs))
      v.push({
        target: 'resampler ≤ 2 µs per 20 ms frame per direction (16 kHz caller, micro-benchmark, fastest batch)',
        measured: rs.map((r) => `${r.name.replace(/^ *of which Resampler.process /, '')}: ${(r.minNs / 1000).toFixed(2)} µs (median ${(r.ns / 1000).toFixed(2)})`).join('; '),
        verdict: worstMin <= 2000 ? 'PASS' : 'FAIL',
      })
    }
  }
  for (const format of o.formats) {
    const c = ours(format, top)
    if (!c?.rss || top < 50) continue
    v.push({
      target: `RSS per live call (${top} calls, ${format}) ≤ 100 KiB`,
      measured: `${c.rss.perCallKiB.toFixed(0)} KiB (idle ${(c.rss.idleKiB / 1024).toFixed(0)} MiB → ${(c.rss.endKiB / 1024).toFixed(0)} MiB)`,
      verdict: c.rss.perCallKiB <= 100 ? 'PASS' : 'FAIL',
    })
  }
  if (cold.length > 0) {
    const worstMedian = Math.max(...cold.map((c) => c.medianMs))
    v.push({ target: 'binary ready (exec → /readyz 200) < 150 ms', measured: cold.map((c) => `${c.kind.split(', ')[1]}: median ${c.medianMs.toFixed(0)} ms`).join('; '), verdict: worstMedian < 150 ? 'PASS' : 'FAIL' })
  }
  const over = cells.find((c) => c.relay === 'ours' && c.calls > top)
  if (over) {
    const refused = over.calls - over.accepted
    v.push({
      target: 'overload degrades by policy (excess calls refused, accepted calls keep flowing, no unbounded queue)',
      measured: `${over.calls} offered: ${over.accepted} accepted, ${refused} refused (${Object.keys(over.failed).join('; ') || 'none'}); lost ${over.frames.lost}; RTT p50 ${f2(over.rttTrend.firstP50)} → ${f2(over.rttTrend.lastP50)} ms over the window`,
      verdict: !over.valid || over.disturbed ? 'INVALID' : refused > 0 && over.frames.lost === 0 && over.rttTrend.lastP50 <= over.rttTrend.firstP50 * 2 + 5 ? 'PASS' : 'FAIL',
    })
  }
  return v
}

// ---- main -------------------------------------------------------------------------------------------------------------

export type BenchReport = {
  readonly startedAt: string
  readonly finishedAt: string
  readonly options: Options
  readonly machine: MachineFacts
  readonly notes: readonly string[]
  /** Every run of every cell. */
  readonly cells: readonly CellResult[]
  /** One per cell, its runs merged (median over the valid runs, frames summed): what the summary and verdicts use. */
  readonly merged: readonly MergedCell[]
  /** `--perf`: each relay run's CPU split by thread and code kind (empty without it). */
  readonly perf: readonly PerfRow[]
  readonly micro: MicroResult | undefined
  /** Greeting and fixed-line first audio, per way of serving it (empty when not measured). */
  readonly firstAudio: readonly LatencyResult[]
  /** The phrase cache's hit rate over the demo scenarios (not measured with --quick). */
  readonly hitRate?: HitRate
  readonly coldStart: readonly ColdStart[]
  /** The store sections' markdown tables (step + checkpoint per engine; 2 instances × N calls). */
  readonly store: readonly string[]
  readonly verdicts: readonly Verdict[]
  readonly markdown: string
}

export async function runBench(o: Options): Promise<BenchReport> {
  const startedAt = new Date().toISOString()
  const needBinary = (o.relays && (o.targets.includes('ours') || o.targets.includes('ours-console')) && !o.inProcess && !o.profile) || o.coldStart
  if (o.build || (needBinary && !existsSync(BINARY))) {
    log('building dist/fastagent (bun run build)…')
    await Bun.$`bun scripts/build.ts`.cwd(ROOT)
  }
  const machine = await machineFacts(o)
  const notes = [
    `all processes share these ${machine.cores} cores: the load generator, the fake upstream and the relay under test each run in their own process (and event loop) but compete for CPU, so capacity figures are lower bounds`,
    'loopback TCP, no TLS; frames are 20 ms both ways; calls are phase-staggered across the 20 ms tick except the `burst` rows (all aligned)',
    `each run: ${o.warmup} s warm-up (excluded), then a ${o.seconds} s measured window; every relay run is a fresh process`,
    'the relay cells run the server with its defaults except UPGRADE_RATE_PER_MINUTE=1000000 (all calls come from 127.0.0.1), LOG_LEVEL=warn and REALTIME_POOL_SIZE=0 (each call connects its own session)',
    ...(o.perf ? ['--perf: `perf` sampled the whole machine through half of each relay run at 50 calls or more; it competes for the same cores, so this run\'s latency figures are not for verdicts (its CPU split is what it is for)'] : []),
  ]
  const work = mkdtempSync(join(tmpdir(), 'fa-bench-'))
  const cells: CellResult[] = []
  const merged: MergedCell[] = []
  let micro: MicroResult | undefined
  let firstAudio: LatencyResult[] = []
  let hitRate: HitRate | undefined
  let cold: ColdStart[] = []
  const perfRows: PerfRow[] = []
  const storeTables: string[] = []
  const upstream = await startUpstream()
  try {
    const profileDir = o.profile ? join(o.outDir, 'profiles') : undefined
    if (profileDir) mkdirSync(profileDir, { recursive: true })
    const ctx: Ctx = { o, upstream, work, profileDir, perfRows }
    if (o.relays) {
      const plan: (PlanItem<BenchFormat> & { seconds?: number })[] = []
      for (const format of o.formats) {
        for (const calls of o.calls) plan.push(...interleave(format, calls, 'staggered', o.targets, o.repeat))
      }
      if (o.burst) {
        const format: BenchFormat = o.formats.includes('raw/lpcm16_24') ? 'raw/lpcm16_24' : (o.formats[0] ?? 'raw/lpcm16_24')
        plan.push(...interleave(format, o.burstCalls, 'burst', o.targets, o.repeat))
      }
      if (o.overload && o.targets.includes('ours')) {
        // One run above the product's call cap (MAX_CONCURRENT_CALLS, default 500): the excess must be refused by policy.
        const top = Math.max(...o.calls)
        const format: BenchFormat = o.formats.includes('raw/lpcm16_24') ? 'raw/lpcm16_24' : (o.formats[0] ?? 'raw/lpcm16_24')
        const calls = Math.max(top, 500) + 20
        // Once: it checks a policy (refusals), not a figure within noise.
        plan.push({ format, calls, phases: 'staggered', relay: 'direct', run: 0, seconds: Math.min(o.seconds, 10) })
        plan.push({ format, calls, phases: 'staggered', relay: 'ours', run: 0, seconds: Math.min(o.seconds, 10) })
      }
      let i = 0
      for (const p of plan) {
        i++
        log(`[${i}/${plan.length}] ${p.format} × ${p.calls} ${p.phases} ${p.relay}${o.repeat > 1 ? ` (run ${p.run + 1}/${o.repeat})` : ''} …`)
        const c = { ...(await runCell(ctx, p.format, p.calls, p.phases, p.relay, p.seconds)), run: p.run }
        cells.push(c)
        log(
          `    RTT p50 ${c.latency.rtt.p50.toFixed(2)} p99 ${c.latency.rtt.p99.toFixed(2)} ms · lost ${c.frames.lost} · CPU ${c.cpu ? c.cpu.msPerCallSecond.toFixed(2) + ' ms/call·s' : '–'} · drift p99 ${c.drift.p99.toFixed(1)} ms · ${c.status}`,
        )
        await Bun.sleep(300)
      }
      compare(cells)
      merged.push(...mergeRuns(cells))
      nodeRatios(merged)
    }
    if (o.micro) {
      log('micro-benchmarks …')
      const proc = spawn(['bun', join(import.meta.dir, 'micro.ts'), ...(o.quick ? ['--quick'] : [])], {})
      const [out, err, code] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text(), proc.exited])
      if (code !== 0) throw new Error(`micro-benchmarks failed: ${err.slice(0, 2000)}`)
      micro = JSON.parse(out.trim().split('\n').pop() ?? '{}') as MicroResult
    }
    if (o.firstAudioCalls > 0) {
      log(`first audio (${o.firstAudioCalls} calls a row, in process, emulator at the real API's timing) …`)
      firstAudio = await measureFirstAudio(o.firstAudioCalls, undefined, log)
      // Four demo scenario runs (about 90 s): too long for --quick, which says so in the report.
      if (!o.quick) {
        log('phrase cache hit rate over the demo scenarios (cold, then warm) …')
        hitRate = await measureHitRate()
      }
    }
    if (o.coldStart && existsSync(BINARY)) {
      log('cold start …')
      cold = await coldStart({ work, upstreamPort: upstream.port }, 10)
    }
    if (o.store) {
      for (const [what, script] of [['store engines', 'store-engines.ts'], ['2 instances × N calls on one PostgreSQL', 'cluster-calls.ts']] as const) {
        log(`${what} …`)
        const proc = spawn(['bun', join(import.meta.dir, script)], {})
        const [out, err, code] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text(), proc.exited])
        if (code !== 0) throw new Error(`${what} failed: ${err.slice(0, 2000)}`)
        storeTables.push(out.trim())
      }
    }
  } finally {
    await stop(upstream.proc)
    rmSync(work, { recursive: true, force: true })
  }
  const v = verdicts(o, merged, cold, micro)
  const top = Math.max(...o.calls)
  const overloadCells = merged.filter((c) => c.relay !== 'direct' && c.phases === 'staggered' && c.calls >= top && top >= 100)
  const md = [
    `# FastAgent benchmark — ${startedAt}`,
    '',
    machineBlock(machine, notes),
    '',
    ...(cells.length > 0 && o.repeat > 1
      ? [
          '## Relay: latency, frames, CPU, memory',
          '',
          `Each cell ran ${o.repeat} times, the relays interleaved (each repetition: the direct baseline, then every relay once, their order rotated from one repetition to the next), each relay run compared with its own repetition's baseline. Figures: median (min – max) over the valid runs; frame counts summed over all runs; the verdicts below use the medians. Every run is listed after this table.`,
          '',
          summaryTable(merged),
          '',
          '### Every run',
          '',
          legend(),
          '',
          relayTable(cells),
          '',
        ]
      : cells.length > 0
        ? ['## Relay: latency, frames, CPU, memory', '', legend(), '', relayTable(cells), '']
        : []),
    ...(overloadCells.length > 0 ? ['## At the top N: how overload degrades', '', overloadTable(overloadCells), ''] : []),
    ...(perfRows.length > 0
      ? [
          "## Where each relay's CPU goes (perf)",
          '',
          'Whole-machine `perf` samples (cpu-clock, 999 Hz) over half of each run\'s measured window, the relay\'s own split by thread and code kind (scripts/bench/perf-split.ts), in ms of CPU per call per second of audio. Kernel, runtime (Bun and JavaScriptCore native code, interpreter and collector included), JIT (compiled JavaScript) and libc are the main thread\'s; other threads are the JIT compiler, the collector\'s helpers and the allocator\'s scavenger.',
          '',
          perfTable(perfRows),
          '',
        ]
      : []),
    ...(firstAudio.length > 0
      ? [
          '## First audio: greeting and fixed lines',
          '',
          'The real server in this process, the Realtime emulator at the real API\'s timing (300 ms upgrade → session.created, 600 ms response.create → first audio). Greeting: VAIC `start` → first `playStream.chunk`; fixed line: the trigger (`noUserInput`) → first `playStream.chunk`; task question: the task\'s `function_call_output` reaching the emulator → first `playStream.chunk` of the question. Calls one after another; a pooled row lets the pool refill between calls.',
          '',
          firstAudioTable(firstAudio),
          '',
          hitRate ? hitRateLine(hitRate) : 'Phrase cache hit rate over the demo scenarios: not measured with --quick (`bun run bench --first-audio` measures it).',
          '',
        ]
      : []),
    ...(micro ? ['## Micro-benchmarks (median of timed batches, warm JIT)', '', microTable(micro.rows), ''] : []),
    ...(cold.length > 0 ? ['## Cold start', '', coldStartTable(cold), ''] : []),
    ...(storeTables[0] ? ['## Store: FSM step + checkpoint per engine', '', storeTables[0], ''] : []),
    ...(storeTables[1] ? ['## Cluster: 2 instances × N calls on one PostgreSQL (each instance its own process and pool)', '', storeTables[1], ''] : []),
    ...(v.length > 0 ? ['## Targets', '', verdictTable(v), ''] : []),
  ].join('\n')
  return { startedAt, finishedAt: new Date().toISOString(), options: o, machine, notes, cells, merged, perf: perfRows, micro, firstAudio, ...(hitRate ? { hitRate } : {}), coldStart: cold, store: storeTables, verdicts: v, markdown: md }
}

if (import.meta.main) {
  let options: Options
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(2)
  }
  try {
    const report = await runBench(options)
    process.stdout.write(report.markdown + '\n')
    mkdirSync(options.outDir, { recursive: true })
    const json = JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)
    const stamp = report.startedAt.replace(/[:.]/g, '-')
    writeFileSync(join(options.outDir, `${stamp}${options.quick ? '-quick' : ''}.json`), json)
    // A --quick smoke run never replaces the real latest results.
    if (!options.quick) writeFileSync(join(options.outDir, 'latest.json'), json)
    log(`results: ${join(options.outDir, `${stamp}${options.quick ? '-quick' : ''}.json`)}`)
    process.exit(0)
  } catch (err) {
    killChildren()
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  }
}
