/**
 * The bench's repeated runs (scripts/bench/repeat.ts): the relays interleaved and rotated, each run paired with its
 * own repetition's baseline, runs merged into the median with min – max over the valid runs, frames summed.
 */
import { describe, expect, test } from 'bun:test'
import { compare, type CellResult, type RelayName } from '../scripts/bench/analyse'
import { interleave, mergeRuns, spread, withinNoise } from '../scripts/bench/repeat'

const pct = (p50: number, p99: number) => ({ count: 100, p50, p99, max: p99 * 2 })

function cell(relay: RelayName, run: number, p99: number, cpu = 0, opts: { valid?: boolean; lost?: number } = {}): CellResult {
  const lat = { up: pct(1, p99), down: pct(1, p99 + 1), rtt: pct(2, p99 * 2) }
  const frames = { sent: 1000, received: 1000 - (opts.lost ?? 0), lost: opts.lost ?? 0, lostUp: opts.lost ?? 0, lostDown: 0, duplicates: 0, reordered: 0, corrupted: 0, crossTalk: 0, unrecognised: 0 }
  return {
    format: 'raw/mulaw', path: 'passthrough', calls: 100, phases: 'staggered', relay, run, seconds: 8, accepted: 100, failed: {}, frames, latency: lat,
    ...(relay === 'direct' ? {} : { cpu: { msPerCallSecond: cpu, schedMsPerCallSecond: cpu, userMsPerCallSecond: cpu / 2, coreShare: 0.3 }, rss: { idleKiB: 60_000, endKiB: 70_000, peakKiB: 71_000, perCallKiB: cpu * 10, perConnectedCallKiB: 50, windowGrowthKiB: 100 } }),
    upstreamCoreShare: 0.1, loadgenCoreShare: 0.1, drift: pct(0.5, opts.valid === false ? 99 : 2), maxInFlight: 10, rttTrend: { firstP50: 1, lastP50: 1 }, setupMs: 100,
    upstreamCounters: { connections: 100, frames: 1000, recognised: 1000, unrecognised: 0, staleTag: 0, duplicates: 0, reordered: 0, crossTalk: 0, outOfRange: 0, sessionUpdates: 200, responseCreates: 100 },
    foreignCores: 0, irqCores: 0, stealCores: 0, valid: opts.valid !== false, disturbed: false, status: opts.valid === false ? 'INVALID: drift' : 'ok',
  }
}

describe('bench --repeat', () => {
  test('each repetition runs the baseline first, then every relay once, their order rotated', () => {
    const plan = interleave('raw/mulaw', 100, 'staggered', ['ours', 'ours-console', 'bun-fast', 'bun-min'], 3)
    expect(plan.map((p) => `${p.run}:${p.relay}`)).toEqual([
      '0:direct', '0:ours', '0:ours-console', '0:bun-fast', '0:bun-min',
      '1:direct', '1:ours-console', '1:bun-fast', '1:bun-min', '1:ours',
      '2:direct', '2:bun-fast', '2:bun-min', '2:ours', '2:ours-console',
    ])
    expect(interleave('raw/mulaw', 1, 'burst', ['ours'], 1)).toEqual([
      { format: 'raw/mulaw', calls: 1, phases: 'burst', relay: 'direct', run: 0 },
      { format: 'raw/mulaw', calls: 1, phases: 'burst', relay: 'ours', run: 0 },
    ])
  })

  test('a relay run is compared with the baseline of its own repetition', () => {
    const cells = [cell('direct', 0, 1), cell('ours', 0, 5, 2), cell('direct', 1, 3), cell('ours', 1, 5, 2)]
    compare(cells)
    expect(cells[1]?.added?.up.p99).toBe(4)
    expect(cells[3]?.added?.up.p99).toBe(2)
  })

  test('runs merge into the median and range of the valid runs; frames are summed over every run', () => {
    const cells = [
      cell('direct', 0, 1), cell('ours', 0, 3, 2.0), cell('direct', 1, 1), cell('ours', 1, 9, 3.0),
      cell('direct', 2, 1), cell('ours', 2, 4, 2.5, { lost: 3 }), cell('direct', 3, 1), cell('ours', 3, 500, 9, { valid: false }),
    ]
    compare(cells)
    const merged = mergeRuns(cells)
    expect(merged.map((c) => c.relay)).toEqual(['direct', 'ours'])
    const ours = merged[1]
    expect(ours?.runs).toMatchObject({ total: 4, valid: 3, cpu: { median: 2.5, min: 2, max: 3 }, rssPerCall: { median: 25, min: 20, max: 30 } })
    expect(ours?.runs.addedP99.up).toEqual({ median: 3, min: 2, max: 8 })
    expect(ours?.added?.up.p99).toBe(3)
    expect(ours?.cpu?.msPerCallSecond).toBe(2.5)
    expect(ours?.frames.sent).toBe(4000)
    expect(ours?.frames.lost).toBe(3)
    expect(ours?.valid).toBe(true)
    expect(ours?.run).toBeUndefined()
    expect(ours?.status).toBe('1/4 INVALID (loadgen drift p99 99 ms), not counted; LOST 3')
    // No valid run at all: the figures of every run, and the merged cell stays invalid.
    const bad = mergeRuns([cell('ours', 0, 5, 1, { valid: false }), cell('ours', 1, 7, 3, { valid: false })])[0]
    expect(bad?.valid).toBe(false)
    expect(bad?.runs.cpu.median).toBe(2)
  })

  test('spread and within-noise', () => {
    expect(spread([3, 1, 2, NaN])).toEqual({ median: 2, min: 1, max: 3 })
    expect(spread([4, 1])).toEqual({ median: 2.5, min: 1, max: 4 })
    expect(spread([]).median).toBeNaN()
    const base = spread([10, 14, 38])
    expect(withinNoise(spread([30, 36, 40]), base)).toBe(true) // 36 within ours' 10 … 38
    expect(withinNoise(spread([38, 40, 41]), base)).toBe(false)
    expect(withinNoise(spread([1.6, 1.7]), spread([1, 1, 1]))).toBe(true) // ≤ 1.25 × 1 + 0.5
    expect(withinNoise(spread([1.8]), spread([1, 1, 1]))).toBe(false)
  })
})
