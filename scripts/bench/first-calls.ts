/**
 * @module bench/first-calls
 * What the first call after start makes the process build that later calls do not: the server in THIS process
 * (scripts/bench/memory.ts's rig), one streaming call at a time from the load generator, each to its end (its ending
 * recorded), and after each a full collection: live objects by type. The first call's growth less a later call's is
 * the one-time cost the first caller paid (code compiled on first use: FunctionCodeBlock, UnlinkedFunctionCodeBlock,
 * Structure; statements prepared: SQLStatement). Counts after a full collection do not depend on timing.
 *
 * `bun scripts/bench/first-calls.ts [--calls 3] [--format raw/mulaw] [--seconds 1]` prints the table and the JSON.
 */
import { collected, openRig, type MemorySample } from './memory'
import type { BenchFormat } from './frames'
import { cliFormat, cliValue } from './cli-value'

/** The types whose growth is code and shapes made once (plus prepared statements). */
export const CODE_TYPES = ['FunctionCodeBlock', 'UnlinkedFunctionCodeBlock', 'FunctionExecutable', 'UnlinkedFunctionExecutable', 'Structure', 'SymbolTable', 'SQLStatement'] as const

export type FirstCalls = {
  readonly format: BenchFormat
  /** Growth of each type through each call: `steps[0]` the first call's (from idle), then each next call's. */
  readonly steps: readonly Readonly<Record<string, number>>[]
  readonly heapKiB: readonly number[]
}

const diff = (a: MemorySample, b: MemorySample): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const t of CODE_TYPES) out[t] = (b.objectTypeCounts[t] ?? 0) - (a.objectTypeCounts[t] ?? 0)
  return out
}

export async function firstCalls(format: BenchFormat, calls: number, seconds: number): Promise<FirstCalls> {
  const rig = await openRig(format)
  const server = rig.server
  try {
    await Bun.sleep(200)
    let before = collected()
    const steps: Record<string, number>[] = []
    const heapKiB: number[] = []
    for (let k = 1; k <= calls; k++) {
      const loadgen = await rig.calls(1, seconds, 0, k)
      if ((await loadgen.exited) !== 0) throw new Error(`load generator of call ${k} exited ${loadgen.exitCode}`)
      const until = performance.now() + 10_000
      while (server.calls.live > 0 && performance.now() < until) await Bun.sleep(20)
      await server.calls.idle()
      const after = collected()
      steps.push(diff(before, after))
      heapKiB.push((after.heapSize - before.heapSize) / 1024)
      before = after
    }
    return { format, steps, heapKiB }
  } finally {
    await rig.close()
  }
}

export function markdown(r: FirstCalls): string {
  return [
    `${r.format}: growth through each call, one at a time, after a full collection`,
    '',
    `| call | ${CODE_TYPES.join(' | ')} | JS heap KiB |`,
    `| ---: |${CODE_TYPES.map(() => ' ---: |').join('')} ---: |`,
    ...r.steps.map((s, i) => `| ${i + 1} | ${CODE_TYPES.map((t) => s[t] ?? 0).join(' | ')} | ${(r.heapKiB[i] ?? 0).toFixed(1)} |`),
  ].join('\n')
}

if (import.meta.main) {
  const argv = process.argv.slice(2)
  const r = await firstCalls(cliFormat(argv, 'raw/mulaw'), Number(cliValue(argv, '--calls', '3')), Number(cliValue(argv, '--seconds', '1')))
  process.stdout.write(markdown(r) + '\n' + JSON.stringify(r) + '\n')
  process.exit(0)
}
