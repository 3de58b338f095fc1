/**
 * @module bench/repeat
 * Repeated runs of one cell. Near saturation a single run's p99 is bimodal (the same binary gave 14 and 38 ms at 300
 * calls), so one run per relay cannot tell a change from noise. With `--repeat N` each (format, calls, phases) is
 * measured N times, the relays interleaved (every repetition runs the direct baseline and then each relay once, the
 * relays' order rotated from one repetition to the next) so drift of the machine hits them all alike; each relay run
 * is paired with its own repetition's baseline. This file is the pure part: the plan's order, and the runs of one
 * cell merged into the median with its min–max.
 */
import type { CellResult, Phases, RelayName, Triple } from './analyse'
import type { Percentiles } from './proc'

export type PlanItem<F extends string> = { readonly format: F; readonly calls: number; readonly phases: Phases; readonly relay: RelayName; readonly run: number }

/**
 * Repetition r of a cell: `direct` first (the baseline every relay run of r is compared with), then the targets
 * rotated by r, so no relay always runs first (right after the baseline) or last.
 */
export function interleave<F extends string>(format: F, calls: number, phases: Phases, targets: readonly RelayName[], repeat: number): PlanItem<F>[] {
  const out: PlanItem<F>[] = []
  for (let run = 0; run < repeat; run++) {
    out.push({ format, calls, phases, relay: 'direct', run })
    for (let i = 0; i < targets.length; i++) {
      const relay = targets[(i + run) % targets.length]
      if (relay !== undefined) out.push({ format, calls, phases, relay, run })
    }
  }
  return out
}

/** Median with the range of the valid runs. */
export type Spread = { readonly median: number; readonly min: number; readonly max: number }

export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return { median: NaN, min: NaN, max: NaN }
  const mid = v.length >> 1
  const median = v.length % 2 === 1 ? (v[mid] ?? NaN) : ((v[mid - 1] ?? NaN) + (v[mid] ?? NaN)) / 2
  return { median, min: v[0] ?? NaN, max: v[v.length - 1] ?? NaN }
}

/** What a merged cell adds: how many runs there were, how many counted, and the spread of the quoted figures. */
export type RunsSummary = {
  readonly total: number
  /** Runs whose load generator kept time (the others are not quoted). */
  readonly valid: number
  readonly addedP50: { readonly up: Spread; readonly down: Spread }
  readonly addedP99: { readonly up: Spread; readonly down: Spread }
  /** Direct rows: the absolute baseline instead. */
  readonly p50: { readonly up: Spread; readonly down: Spread }
  readonly p99: { readonly up: Spread; readonly down: Spread }
  readonly cpu: Spread
  readonly rssPerCall: Spread
  readonly driftP99: Spread
}

export type MergedCell = CellResult & { readonly runs: RunsSummary }

const key = (c: CellResult) => `${c.format}|${c.calls}|${c.phases}|${c.relay}`

/**
 * The runs of each cell merged into one, in the order the cells first appear: figures are the median over the valid
 * runs (over all runs when none was valid, and the cell stays invalid), frame counts are summed over every run (a
 * lost frame is never averaged away), `disturbed` if any counted run was.
 */
export function mergeRuns(cells: readonly CellResult[]): MergedCell[] {
  const groups = new Map<string, CellResult[]>()
  for (const c of cells) {
    const g = groups.get(key(c))
    if (g) g.push(c)
    else groups.set(key(c), [c])
  }
  return [...groups.values()].map(merge)
}

function merge(all: readonly CellResult[]): MergedCell {
  const valid = all.filter((c) => c.valid)
  const runs = valid.length > 0 ? valid : all
  const head = runs[0] ?? all[0]
  if (!head) throw new Error('mergeRuns: empty group')
  const { run: _run, ratioVsNode: _ratio, added: _added, ...first } = head
  const med = (f: (c: CellResult) => number | undefined) => spread(runs.map((c) => f(c) ?? NaN))
  const m = (f: (c: CellResult) => number | undefined) => med(f).median
  const triple = (f: (c: CellResult) => Triple | undefined): Triple | undefined =>
    runs.some((c) => f(c) !== undefined) ? { p50: m((c) => f(c)?.p50), p99: m((c) => f(c)?.p99), max: m((c) => f(c)?.max) } : undefined
  const sum = (f: (c: CellResult) => number) => all.reduce((a, c) => a + f(c), 0)
  const up = triple((c) => c.added?.up)
  const down = triple((c) => c.added?.down)
  const rtt = triple((c) => c.added?.rtt)
  const pct = (f: (c: CellResult) => Percentiles): Percentiles => ({
    p50: m((c) => f(c).p50),
    p99: m((c) => f(c).p99),
    max: med((c) => f(c).max).max,
    count: sum((c) => f(c).count),
  })
  const disturbed = runs.some((c) => c.disturbed)
  const status = mergedStatus(all, valid.length)
  return {
    ...first,
    accepted: m((c) => c.accepted),
    frames: {
      sent: sum((c) => c.frames.sent),
      received: sum((c) => c.frames.received),
      lost: sum((c) => c.frames.lost),
      lostUp: sum((c) => c.frames.lostUp),
      lostDown: sum((c) => c.frames.lostDown),
      duplicates: sum((c) => c.frames.duplicates),
      reordered: sum((c) => c.frames.reordered),
      corrupted: sum((c) => c.frames.corrupted),
      crossTalk: sum((c) => c.frames.crossTalk),
      unrecognised: sum((c) => c.frames.unrecognised),
    },
    latency: { up: pct((c) => c.latency.up), down: pct((c) => c.latency.down), rtt: pct((c) => c.latency.rtt) },
    ...(up && down && rtt ? { added: { up, down, rtt } } : {}),
    ...(first.cpu
      ? {
          cpu: {
            msPerCallSecond: m((c) => c.cpu?.msPerCallSecond),
            schedMsPerCallSecond: m((c) => c.cpu?.schedMsPerCallSecond),
            userMsPerCallSecond: m((c) => c.cpu?.userMsPerCallSecond),
            coreShare: m((c) => c.cpu?.coreShare),
          },
        }
      : {}),
    ...(first.rss
      ? {
          rss: {
            idleKiB: m((c) => c.rss?.idleKiB),
            endKiB: m((c) => c.rss?.endKiB),
            peakKiB: med((c) => c.rss?.peakKiB).max,
            perCallKiB: m((c) => c.rss?.perCallKiB),
            perConnectedCallKiB: m((c) => c.rss?.perConnectedCallKiB),
            windowGrowthKiB: m((c) => c.rss?.windowGrowthKiB),
          },
        }
      : {}),
    drift: pct((c) => c.drift),
    maxInFlight: med((c) => c.maxInFlight).max,
    rttTrend: { firstP50: m((c) => c.rttTrend.firstP50), lastP50: m((c) => c.rttTrend.lastP50) },
    foreignCores: m((c) => c.foreignCores),
    valid: valid.length > 0,
    disturbed,
    status,
    runs: {
      total: all.length,
      valid: valid.length,
      addedP50: { up: med((c) => c.added?.up.p50), down: med((c) => c.added?.down.p50) },
      addedP99: { up: med((c) => c.added?.up.p99), down: med((c) => c.added?.down.p99) },
      p50: { up: med((c) => c.latency.up.p50), down: med((c) => c.latency.down.p50) },
      p99: { up: med((c) => c.latency.up.p99), down: med((c) => c.latency.down.p99) },
      cpu: med((c) => c.cpu?.msPerCallSecond),
      rssPerCall: med((c) => c.rss?.perCallKiB),
      driftP99: med((c) => c.drift.p99),
    },
  }
}

/** One short line for the runs of a cell: how many were late or disturbed (with the range), what was lost or refused. */
function mergedStatus(all: readonly CellResult[], valid: number): string {
  const n = all.length
  const range = (v: readonly number[], unit: string) => {
    const s = spread(v)
    const f = (x: number) => x.toFixed(x >= 10 ? 0 : 1)
    return f(s.min) === f(s.max) ? `${f(s.min)}${unit}` : `${f(s.min)}–${f(s.max)}${unit}`
  }
  const late = all.filter((c) => !c.valid)
  const busy = all.filter((c) => c.disturbed)
  const parts: string[] = []
  if (late.length > 0) parts.push(`${late.length}/${n} INVALID (loadgen drift p99 ${range(late.map((c) => c.drift.p99), ' ms')})${valid > 0 ? ', not counted' : ', no valid run: medians of all runs'}`)
  if (busy.length > 0) parts.push(`${busy.length}/${n} DISTURBED (other processes ${range(busy.map((c) => c.foreignCores), ' cores')})`)
  const refused = all.reduce((a, c) => a + Object.values(c.failed).reduce((x, y) => x + y, 0), 0)
  if (refused > 0) parts.push(`refused ${refused}`)
  const lost = all.reduce((a, c) => a + c.frames.lost, 0)
  if (lost > 0) parts.push(`LOST ${lost}`)
  const dup = all.reduce((a, c) => a + c.frames.duplicates, 0)
  const reord = all.reduce((a, c) => a + c.frames.reordered, 0)
  if (dup > 0) parts.push(`DUP ${dup}`)
  if (reord > 0) parts.push(`REORDERED ${reord}`)
  if (all.some((c) => c.status.includes('CORRUPT'))) parts.push('CORRUPT')
  return parts.length === 0 ? 'ok' : parts.join('; ')
}

/** Two sets of runs of the same cell are within noise when one's median lies within the other's range (or within 25 % + 0.5 ms of its median: with few runs the range is narrow by chance). */
export function withinNoise(candidate: Spread, base: Spread): boolean {
  return candidate.median <= Math.max(base.max, base.median * 1.25 + 0.5)
}
