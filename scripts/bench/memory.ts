/**
 * @module bench/memory
 * Where a streaming call's memory goes: the server runs in THIS process (from source), N calls stream through it
 * from the load generator (its own process) against the fake upstream (its own process), and the process is sampled
 * before the calls and while they stream — RSS as the bench sees it, then after a full collection the JS heap
 * (`bun:jsc` heapStats: live heap bytes, the ArrayBuffer and string storage outside it, and live objects by type).
 * The difference ÷ N is what one streaming call holds; the object types that grew say which part of the call holds
 * it. Counts and heap bytes after a full GC do not depend on timing, so two trees (e.g. round 1 and main) compare
 * cleanly even on a busy machine; RSS still does (GC timing), so it is reported next to them, not instead.
 *
 * `bun scripts/bench/memory.ts [--calls 100] [--format raw/lpcm16_24] [--seconds 6] [--top 25]`
 * prints a markdown summary and, on its last stdout line, the JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { heapStats, memoryUsage } from 'bun:jsc'
import { FORMAT_SPECS, type BenchFormat } from './frames'
import { framesPerCall, type LoadgenConfig } from './loadgen'
import { rssKiB } from './proc'
import { cliFormat, cliValue } from './cli-value'

const TOKEN = 'bench-bot-token-0123456789'
const API_KEY = 'sk-bench-upstream-key'

export type MemorySample = {
  readonly rssKiB: number
  readonly heapSize: number
  readonly extraMemorySize: number
  readonly objectCount: number
  /** Bun's native allocator (mimalloc: sockets, buffers, strings made natively), bytes in use. */
  readonly mallocBytes: number
  readonly objectTypeCounts: Readonly<Record<string, number>>
}

export type MemoryReport = {
  readonly format: BenchFormat
  readonly calls: number
  readonly streaming: number
  /** RSS per call while streaming, no forced collection (what the bench's RSS column measures): median of samples every
   * 50 ms over half the window, and the highest. */
  readonly rssPerCallKiB: number
  readonly rssMaxPerCallKiB: number
  /** RSS per call right after a full collection. */
  readonly rssAfterGcPerCallKiB: number
  /** Live JS heap per call after a full collection. */
  readonly heapPerCallKiB: number
  /** ArrayBuffer / external string storage per call (outside the JS heap proper). */
  readonly extraPerCallKiB: number
  readonly objectsPerCall: number
  /** Native allocator bytes in use per call: while streaming (median of the samples), and after the collection. */
  readonly mallocPerCallKiB: number
  readonly mallocAfterGcPerCallKiB: number
  /** Object types whose live count grew, per call, largest first. */
  readonly typesPerCall: readonly { readonly type: string; readonly perCall: number }[]
  /** The totals behind the per-call figures (idle → streaming): what scripts/bench/fixed-cost.ts fits a line through. */
  readonly growth: Growth
}

export type Growth = {
  /** The idle sample itself (after start-up and a full collection): what a booted server costs before any call. */
  readonly idleRssKiB: number
  readonly idleHeapKiB: number
  readonly rssKiB: number
  readonly heapKiB: number
  readonly extraKiB: number
  readonly objects: number
  /** Every object type whose live count changed, by how much (after a full collection). */
  readonly types: Readonly<Record<string, number>>
}

export function growth(idle: MemorySample, rss: number, gcd: MemorySample): Growth {
  const types: Record<string, number> = {}
  for (const type of new Set([...Object.keys(idle.objectTypeCounts), ...Object.keys(gcd.objectTypeCounts)])) {
    const d = (gcd.objectTypeCounts[type] ?? 0) - (idle.objectTypeCounts[type] ?? 0)
    if (d !== 0) types[type] = d
  }
  return { idleRssKiB: idle.rssKiB, idleHeapKiB: idle.heapSize / 1024, rssKiB: rss - idle.rssKiB, heapKiB: (gcd.heapSize - idle.heapSize) / 1024, extraKiB: (gcd.extraMemorySize - idle.extraMemorySize) / 1024, objects: gcd.objectCount - idle.objectCount, types }
}

function take(): MemorySample {
  const h = heapStats()
  return { rssKiB: rssKiB(process.pid), heapSize: h.heapSize, extraMemorySize: h.extraMemorySize, objectCount: h.objectCount, mallocBytes: memoryUsage().current, objectTypeCounts: { ...h.objectTypeCounts } }
}

export function collected(): MemorySample {
  Bun.gc(true)
  Bun.gc(true)
  return take()
}

export function perCall(format: BenchFormat, calls: number, streaming: number, idle: MemorySample, live: { rssKiB: number; maxKiB: number; mallocBytes: number }, gcd: MemorySample, top: number): MemoryReport {
  const n = Math.max(1, streaming)
  const types = new Set([...Object.keys(idle.objectTypeCounts), ...Object.keys(gcd.objectTypeCounts)])
  const typesPerCall = [...types]
    .map((type) => ({ type, perCall: ((gcd.objectTypeCounts[type] ?? 0) - (idle.objectTypeCounts[type] ?? 0)) / n }))
    .filter((t) => t.perCall >= 0.5)
    .sort((a, b) => b.perCall - a.perCall)
    .slice(0, top)
  return {
    format,
    calls,
    streaming,
    rssPerCallKiB: (live.rssKiB - idle.rssKiB) / n,
    rssMaxPerCallKiB: (live.maxKiB - idle.rssKiB) / n,
    rssAfterGcPerCallKiB: (gcd.rssKiB - idle.rssKiB) / n,
    heapPerCallKiB: (gcd.heapSize - idle.heapSize) / 1024 / n,
    extraPerCallKiB: (gcd.extraMemorySize - idle.extraMemorySize) / 1024 / n,
    objectsPerCall: (gcd.objectCount - idle.objectCount) / n,
    mallocPerCallKiB: (live.mallocBytes - idle.mallocBytes) / 1024 / n,
    mallocAfterGcPerCallKiB: (gcd.mallocBytes - idle.mallocBytes) / 1024 / n,
    typesPerCall,
    growth: growth(idle, live.rssKiB, gcd),
  }
}

async function firstLine(proc: ReturnType<typeof Bun.spawn>): Promise<string> {
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  let buf = ''
  for (;;) {
    const r = await reader.read()
    if (r.done) throw new Error('child exited before it printed its port')
    buf += new TextDecoder().decode(r.value)
    const i = buf.indexOf('\n')
    if (i >= 0) {
      reader.releaseLock()
      return buf.slice(0, i)
    }
  }
}

export type BenchServer = { port: number; calls: { live: number; idle(): Promise<void> }; shutdown(reason: string): Promise<void> }

/**
 * The real server in THIS process against the fake upstream (own process), and a way to stream calls through it
 * from the load generator (own process): what {@link measure} and scripts/bench/first-calls.ts sample.
 */
export type Rig = {
  readonly server: BenchServer
  /** Starts `calls` calls of `seconds` (after `warmup` s) from a new load generator; tag 1–15 tells its frames apart. */
  calls(calls: number, seconds: number, warmup: number, tag: number): Promise<ReturnType<typeof Bun.spawn>>
  close(): Promise<void>
}

export async function openRig(format: BenchFormat): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'fa-mem-'))
  const env = { PATH: process.env.PATH ?? '' }
  const upstream = Bun.spawn(['bun', join(import.meta.dir, 'fake-upstream.ts'), '0'], { env, stdout: 'pipe', stderr: 'inherit' })
  const loadgens: ReturnType<typeof Bun.spawn>[] = []
  let server: BenchServer | undefined
  const close = async () => {
    for (const l of loadgens) l.kill()
    await server?.shutdown('memory measurement done')
    upstream.kill()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const { port } = JSON.parse(await firstLine(upstream)) as { port: number }
    const { loadConfig } = await import('../../src/config/load')
    const { startServer } = await import('../../src/server')
    const { createLogger } = await import('../../src/ops/log')
    const loaded = loadConfig({
      HOME: dir,
      HOST: '127.0.0.1',
      PORT: '0',
      AUDIOCODES_BOT_TOKEN: TOKEN,
      OPENAI_API_KEY: API_KEY,
      OPENAI_REALTIME_URL: `ws://127.0.0.1:${port}/v1/realtime`,
      DATABASE_PATH: join(dir, 'fastagent.db'),
      LOG_LEVEL: 'warn',
      UPGRADE_RATE_PER_MINUTE: '1000000',
      DRAIN_TIMEOUT_SECONDS: '1',
    })
    if (!loaded.ok) throw new Error(`server config: ${JSON.stringify(loaded.problems)}`)
    const running: BenchServer = await startServer(loaded.config, { log: createLogger({ level: 'warn', sink: (l) => process.stderr.write(l + '\n') }) })
    server = running
    const spec = FORMAT_SPECS[format]
    return {
      server: running,
      async calls(calls, seconds, warmup, tag) {
        const frames = framesPerCall(seconds, warmup)
        const q = new URLSearchParams({ calls: String(calls), frames: String(frames), format, encoding: spec.relayEncoding, tag: String(tag), side: 'upstream' })
        const reset = await fetch(`http://127.0.0.1:${port}/reset?${q}`, { method: 'POST' })
        if (!reset.ok) throw new Error(`upstream reset: ${reset.status}`)
        const cfg: LoadgenConfig = {
          mode: 'vaic',
          url: `ws://127.0.0.1:${running.port}/audiocodes`,
          token: TOKEN,
          format,
          encoding: spec.relayEncoding,
          calls,
          seconds,
          warmupSeconds: warmup,
          burst: false,
          tag,
          frames,
          upstreamPid: upstream.pid,
          outFile: join(dir, `stamps-${tag}.bin`),
          connectConcurrency: 16,
          setupTimeoutMs: 20_000,
          drainMs: 1_000,
        }
        const l = Bun.spawn(['bun', join(import.meta.dir, 'loadgen.ts'), JSON.stringify(cfg)], { env, stdout: 'ignore', stderr: 'inherit' })
        loadgens.push(l)
        return l
      },
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

export async function measure(format: BenchFormat, calls: number, seconds: number, top: number, inspect?: (server: unknown) => void, atIdle?: (server: unknown) => void): Promise<MemoryReport> {
  const rig = await openRig(format)
  const server = rig.server
  try {
    const warmup = 1
    // The server's start-up garbage is collected before the idle sample.
    await Bun.sleep(500)
    atIdle?.(server)
    const idle = collected()
    const loadgen = await rig.calls(calls, seconds, warmup, 1)
    const until = performance.now() + 30_000
    while (server.calls.live < calls && performance.now() < until) await Bun.sleep(50)
    const streaming = server.calls.live
    // RSS sampled through the streaming window (past the warm-up): its median is what a bench-style single sample
    // scatters around; the heap figures below come from one full collection at the end of it.
    await Bun.sleep(warmup * 1000)
    const rss: number[] = []
    const malloc: number[] = []
    // Markers for BUN_JSC_logGC=1 runs: the GC lines between them are the streaming window's allocations.
    const windowStart = performance.now()
    process.stderr.write(`memory: window start ${streaming} calls\n`)
    const windowEnd = performance.now() + (seconds * 1000) / 2
    while (performance.now() < windowEnd) {
      rss.push(rssKiB(process.pid))
      malloc.push(memoryUsage().current)
      await Bun.sleep(50)
    }
    process.stderr.write(`memory: window end ${((performance.now() - windowStart) / 1000).toFixed(3)} s\n`)
    rss.sort((a, b) => a - b)
    malloc.sort((a, b) => a - b)
    const live = { rssKiB: rss[Math.floor(rss.length / 2)] ?? 0, maxKiB: rss[rss.length - 1] ?? 0, mallocBytes: malloc[Math.floor(malloc.length / 2)] ?? 0 }
    const gcd = collected()
    inspect?.(server)
    await loadgen.exited
    return perCall(format, calls, streaming, idle, live, gcd, top)
  } finally {
    await rig.close()
  }
}

export function markdown(r: MemoryReport): string {
  const f = (x: number) => x.toFixed(1)
  return [
    `${r.format}, ${r.streaming}/${r.calls} calls streaming — per call: RSS ${f(r.rssPerCallKiB)} KiB median, ${f(r.rssMaxPerCallKiB)} max (after full GC ${f(r.rssAfterGcPerCallKiB)}), JS heap ${f(r.heapPerCallKiB)} KiB, ArrayBuffer/external ${f(r.extraPerCallKiB)} KiB, ${f(r.objectsPerCall)} objects; native allocator ${f(r.mallocPerCallKiB)} KiB streaming, ${f(r.mallocAfterGcPerCallKiB)} after GC`,
    '',
    '| object type | live per call |',
    '| --- | ---: |',
    ...r.typesPerCall.map((t) => `| ${t.type} | ${t.perCall.toFixed(1)} |`),
  ].join('\n')
}

if (import.meta.main) {
  const argv = process.argv.slice(2)
  const format = cliFormat(argv, 'raw/lpcm16_24')
  const r = await measure(format, Number(cliValue(argv, '--calls', '100')), Number(cliValue(argv, '--seconds', '6')), Number(cliValue(argv, '--top', '25')))
  process.stdout.write(markdown(r) + '\n' + JSON.stringify(r) + '\n')
  process.exit(0)
}
