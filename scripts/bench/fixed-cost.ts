/**
 * @module bench/fixed-cost
 * What the FIRST calls make the process allocate once (code compiled on first use, modules loaded late, statements
 * prepared, data built and cached) as against what every call holds. The bench's "RSS per call" is (RSS while N calls
 * stream − RSS before) ÷ N, so a one-time cost F shows as F ÷ N per call: large at 100 calls, smaller at 300.
 *
 * Each step is a FRESH process (scripts/bench/memory.ts: the server in process, its first calls the ones measured):
 * growth g(N) from idle to N calls streaming, for N = 1, 10, 100. The slope s = (g(100) − g(10)) ÷ 90 is what one more
 * call costs; the fixed cost is g(1) − s (the first call's step less one call) and, fitted, g(10) − 10·s. The same for
 * the JS heap after a full collection and for every object type's live count: FunctionCodeBlock /
 * UnlinkedFunctionCodeBlock / Structure growing in the fixed part is code compiled on first use; strings and
 * ArrayBuffers there are data built on first use.
 *
 * `bun scripts/bench/fixed-cost.ts [--format raw/mulaw] [--seconds 4] [--top 20] [--steps 1,10,100]`
 * prints a markdown summary and, on its last stdout line, the JSON. RSS depends on GC timing (a busy machine
 * scatters it); heap and object counts after a full collection do not.
 */
import { join } from 'node:path'
import type { Growth, MemoryReport } from './memory'
import { cliFormat, cliValue } from './cli-value'

export type FixedCost = {
  readonly format: string
  readonly steps: readonly { readonly calls: number; readonly streaming: number; readonly growth: Growth }[]
  readonly idleRssKiB: number
  readonly idleHeapKiB: number
  /** One more call, from the two largest steps. */
  readonly slope: { readonly rssKiB: number; readonly heapKiB: number; readonly objects: number }
  /** The first call's step less one call's slope. */
  readonly fixed: { readonly rssKiB: number; readonly heapKiB: number; readonly objects: number }
  /** The same from the line through the two largest steps, at 0 calls. */
  readonly fixedFitted: { readonly rssKiB: number; readonly heapKiB: number; readonly objects: number }
  /** Object types of the fixed part (first step less one call's slope), largest first. */
  readonly fixedTypes: readonly { readonly type: string; readonly count: number }[]
}

/** Pure: the fixed and per-call parts of the measured steps (sorted by calls; at least two). */
export function fixedCost(format: string, steps: FixedCost['steps'], top: number): FixedCost {
  const sorted = [...steps].sort((a, b) => a.streaming - b.streaming)
  const first = sorted[0]
  const lo = sorted[sorted.length - 2]
  const hi = sorted[sorted.length - 1]
  if (!first || !lo || !hi || hi.streaming === lo.streaming) throw new Error('fixed cost: need two steps with different call counts')
  const n = hi.streaming - lo.streaming
  const per = (f: (g: Growth) => number) => (f(hi.growth) - f(lo.growth)) / n
  const metric = (f: (g: Growth) => number) => ({ slope: per(f), fixed: f(first.growth) - first.streaming * per(f), fitted: f(lo.growth) - lo.streaming * per(f) })
  const rss = metric((g) => g.rssKiB)
  const heap = metric((g) => g.heapKiB)
  const objects = metric((g) => g.objects)
  const types = new Set([...Object.keys(first.growth.types), ...Object.keys(lo.growth.types), ...Object.keys(hi.growth.types)])
  const fixedTypes = [...types]
    .map((type) => {
      const t = (g: Growth) => g.types[type] ?? 0
      return { type, count: Math.round(t(first.growth) - (first.streaming * (t(hi.growth) - t(lo.growth))) / n) }
    })
    .filter((t) => t.count >= 1)
    .sort((a, b) => b.count - a.count)
    .slice(0, top)
  return {
    format,
    steps: sorted,
    idleRssKiB: first.growth.idleRssKiB,
    idleHeapKiB: first.growth.idleHeapKiB,
    slope: { rssKiB: rss.slope, heapKiB: heap.slope, objects: objects.slope },
    fixed: { rssKiB: rss.fixed, heapKiB: heap.fixed, objects: objects.fixed },
    fixedFitted: { rssKiB: rss.fitted, heapKiB: heap.fitted, objects: objects.fitted },
    fixedTypes,
  }
}

/** One step in a fresh process: its last stdout line is memory.ts's JSON report. */
async function step(format: string, calls: number, seconds: number): Promise<FixedCost['steps'][number]> {
  const proc = Bun.spawn(['bun', join(import.meta.dir, 'memory.ts'), '--calls', String(calls), '--format', format, '--seconds', String(seconds), '--top', '0'], { stdout: 'pipe', stderr: 'ignore', env: { PATH: process.env.PATH ?? '' } })
  const out = await new Response(proc.stdout).text()
  if ((await proc.exited) !== 0) throw new Error(`memory.ts --calls ${calls} exited ${proc.exitCode}`)
  const last = out.trim().split('\n').pop() ?? ''
  const r = JSON.parse(last) as MemoryReport
  return { calls, streaming: r.streaming, growth: r.growth }
}

export function markdown(r: FixedCost): string {
  const f = (x: number) => x.toFixed(1)
  return [
    `${r.format}: idle RSS ${f(r.idleRssKiB / 1024)} MiB, idle JS heap ${f(r.idleHeapKiB / 1024)} MiB (after a full collection)`,
    '',
    '| calls streaming | RSS growth KiB | JS heap growth KiB | objects |',
    '| ---: | ---: | ---: | ---: |',
    ...r.steps.map((s) => `| ${s.streaming} | ${f(s.growth.rssKiB)} | ${f(s.growth.heapKiB)} | ${s.growth.objects} |`),
    '',
    `per call (slope): RSS ${f(r.slope.rssKiB)} KiB, heap ${f(r.slope.heapKiB)} KiB, ${f(r.slope.objects)} objects`,
    `fixed (first call's step − slope): RSS ${f(r.fixed.rssKiB)} KiB, heap ${f(r.fixed.heapKiB)} KiB, ${f(r.fixed.objects)} objects; fitted at 0 calls: RSS ${f(r.fixedFitted.rssKiB)} KiB, heap ${f(r.fixedFitted.heapKiB)} KiB`,
    '',
    '| object type (fixed part) | count |',
    '| --- | ---: |',
    ...r.fixedTypes.map((t) => `| ${t.type} | ${t.count} |`),
  ].join('\n')
}

if (import.meta.main) {
  const argv = process.argv.slice(2)
  const format = cliFormat(argv, 'raw/mulaw')
  const seconds = Number(cliValue(argv, '--seconds', '4'))
  const steps = []
  // One after another: each step's process is alone with its load generator and upstream.
  for (const calls of cliValue(argv, '--steps', '1,10,100').split(',').map(Number)) steps.push(await step(format, calls, seconds))
  const r = fixedCost(format, steps, Number(cliValue(argv, '--top', '20')))
  process.stdout.write(markdown(r) + '\n' + JSON.stringify(r) + '\n')
}
