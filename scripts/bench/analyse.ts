/**
 * @module bench/analyse
 * Turns one run's raw stamps into a cell of the report: the load generator's send/receive stamps joined with the fake
 * upstream's arrival/echo stamps (same clock) give uplink (sent → upstream), downlink (upstream echo → received) and
 * round trip per frame; frames are accounted exactly (lost up or down, duplicated, reordered, corrupted, cross-talk);
 * the kernel's samples give CPU per call-second and RSS per call.
 */
import type { BenchFormat } from './frames'
import type { LoadgenResult } from './loadgen'
import { percentiles, type Percentiles } from './proc'
import type { UpstreamCounters } from './fake-upstream'

/** `ours-console`: our server with ADMIN_TOKEN set and an operator console open on it for the whole run. */
export type RelayName = 'direct' | 'ours' | 'ours-console' | 'node' | 'bun-min' | 'bun-fast'
export type Phases = 'staggered' | 'burst'

export type Triple = { readonly p50: number; readonly p99: number; readonly max: number }

export type CellResult = {
  readonly format: BenchFormat
  readonly path: 'passthrough' | 'resampled'
  readonly calls: number
  readonly phases: Phases
  readonly relay: RelayName
  /** Which repetition of the cell this run was (0-based; `--repeat N`); absent on a cell merged from its runs. */
  readonly run?: number
  readonly seconds: number
  readonly accepted: number
  readonly failed: Record<string, number>
  readonly frames: {
    readonly sent: number
    readonly received: number
    readonly lost: number
    readonly lostUp: number
    readonly lostDown: number
    readonly duplicates: number
    readonly reordered: number
    readonly corrupted: number
    readonly crossTalk: number
    readonly unrecognised: number
  }
  /** Absolute latency in the measured window, ms. */
  readonly latency: { readonly up: Percentiles; readonly down: Percentiles; readonly rtt: Percentiles }
  /** Relay rows: latency minus the direct baseline of the same format, calls and phases (p50−p50, p99−p99, max−baseline p50). */
  added?: { readonly up: Triple; readonly down: Triple; readonly rtt: Triple }
  /** Relay rows: ours ÷ Node for added RTT p50/p99 and CPU per call-second. */
  ratioVsNode?: { readonly rttP50: number; readonly rttP99: number; readonly cpu: number }
  readonly cpu?: {
    /** From /proc/<pid>/stat utime+stime (10 ms ticks), ms of CPU per call per second of audio. */
    readonly msPerCallSecond: number
    /** Same from schedstat (ns resolution). */
    readonly schedMsPerCallSecond: number
    /** The user-space part (utime): JS, JIT, GC, runtime; the rest is kernel time (syscalls, loopback TCP). */
    readonly userMsPerCallSecond: number
    /** Share of one core the relay used during the window. */
    readonly coreShare: number
  }
  readonly rss?: {
    readonly idleKiB: number
    readonly endKiB: number
    readonly peakKiB: number
    /** (RSS at window end − RSS before the calls connected) ÷ calls: a live, streaming call. */
    readonly perCallKiB: number
    /** (RSS with every call connected but silent − idle) ÷ calls: the call's own structures and sockets. */
    readonly perConnectedCallKiB: number
    readonly windowGrowthKiB: number
  }
  readonly upstreamCoreShare: number
  readonly loadgenCoreShare: number
  readonly drift: Percentiles
  readonly maxInFlight: number
  /** Round-trip p50 in the first and last fifth of the window: a queue that keeps growing shows here. */
  readonly rttTrend: { readonly firstP50: number; readonly lastP50: number }
  readonly setupMs: number
  readonly upstreamCounters: UpstreamCounters
  /** CPU used during the window by processes that are not part of the benchmark, in cores. */
  readonly foreignCores: number
  /** Kernel interrupt work during the window (loopback TCP runs in softirq, charged to no process), in cores. */
  readonly irqCores: number
  readonly stealCores: number
  /** The load generator kept its deadlines (drift p99 ≤ 25 ms). */
  readonly valid: boolean
  /** Other processes used more than {@link MAX_FOREIGN_CORES} during the window: latency figures are not clean. */
  readonly disturbed: boolean
  readonly status: string
}

export type CellInput = {
  readonly format: BenchFormat
  readonly path: 'passthrough' | 'resampled'
  readonly calls: number
  readonly phases: Phases
  readonly relay: RelayName
  readonly seconds: number
  readonly frames: number
  readonly loadgen: LoadgenResult
  /** sendT then recvT, calls × frames each. */
  readonly loadgenStamps: Float64Array
  /** tIn then tOut, calls × frames each. */
  readonly upstreamStamps: Float64Array
  readonly upstreamCounters: UpstreamCounters
}

/** A drift p99 above this means the load generator itself was late: the run is not quoted. */
export const MAX_DRIFT_P99_MS = 25
/** Above this much CPU taken by unrelated processes during the window, the cell is marked DISTURBED. */
export const MAX_FOREIGN_CORES = 0.2

export function analyseCell(x: CellInput): CellResult {
  const n = x.calls * x.frames
  const sendT = x.loadgenStamps.subarray(0, n)
  const recvT = x.loadgenStamps.subarray(n, 2 * n)
  const tIn = x.upstreamStamps.subarray(0, n)
  const tOut = x.upstreamStamps.subarray(n, 2 * n)
  const lg = x.loadgen
  const up = new Float64Array(n)
  const down = new Float64Array(n)
  const rtt = new Float64Array(n)
  let nu = 0
  let nd = 0
  let nr = 0
  let lostUp = 0
  let lostDown = 0
  const span = lg.windowEnd - lg.windowStart
  const first: number[] = []
  const last: number[] = []
  for (let k = 0; k < n; k++) {
    const s = sendT[k] ?? 0
    if (s === 0) continue
    const a = tIn[k] ?? 0
    const o = tOut[k] ?? 0
    const r = recvT[k] ?? 0
    if (a === 0 && r === 0) lostUp++
    else if (r === 0) lostDown++
    if (s < lg.windowStart || s >= lg.windowEnd) continue
    if (a !== 0) up[nu++] = a - s
    if (o !== 0 && r !== 0) down[nd++] = r - o
    if (r !== 0) {
      rtt[nr++] = r - s
      if (s < lg.windowStart + span / 5) first.push(r - s)
      else if (s >= lg.windowEnd - span / 5) last.push(r - s)
    }
  }
  const median = (v: number[]) => percentiles(Float64Array.from(v)).p50
  const seconds = span / 1000
  const live = Math.max(1, lg.accepted)
  const core = (w: { start: { schedMs: number }; end: { schedMs: number } }) => (w.end.schedMs - w.start.schedMs) / span
  const relay = lg.relay
  const cpu = relay
    ? {
        msPerCallSecond: (relay.end.cpuMs - relay.start.cpuMs) / (live * seconds),
        schedMsPerCallSecond: (relay.end.schedMs - relay.start.schedMs) / (live * seconds),
        userMsPerCallSecond: (relay.end.userMs - relay.start.userMs) / (live * seconds),
        coreShare: core(relay),
      }
    : undefined
  const rss = relay
    ? {
        idleKiB: relay.idle.rssKiB,
        endKiB: relay.end.rssKiB,
        peakKiB: relay.peakRssKiB,
        perCallKiB: (relay.end.rssKiB - relay.idle.rssKiB) / live,
        perConnectedCallKiB: (relay.connected.rssKiB - relay.idle.rssKiB) / live,
        windowGrowthKiB: relay.end.rssKiB - relay.start.rssKiB,
      }
    : undefined
  const lost = lg.sent - lg.received
  const refused = Object.values(lg.failed).reduce((a, b) => a + b, 0)
  const drift = lg.drift
  const valid = !(drift.p99 > MAX_DRIFT_P99_MS)
  const ours = (w: { start: { cpuMs: number }; end: { cpuMs: number } } | undefined) => (w ? w.end.cpuMs - w.start.cpuMs : 0)
  const foreignCores = Math.max(0, lg.machine.taskMs - ours(relay) - ours(lg.upstream) - ours(lg.self)) / span
  const disturbed = foreignCores > MAX_FOREIGN_CORES
  const problems: string[] = []
  if (!valid) problems.push(`INVALID: loadgen drift p99 ${drift.p99.toFixed(1)} ms > ${MAX_DRIFT_P99_MS}`)
  if (disturbed) problems.push(`DISTURBED: other processes used ${foreignCores.toFixed(2)} cores`)
  if (refused > 0) problems.push(`refused ${refused}`)
  if (lost > 0) problems.push(`LOST ${lost}`)
  const dup = lg.duplicates + x.upstreamCounters.duplicates
  const reord = lg.reordered + x.upstreamCounters.reordered
  if (dup > 0) problems.push(`DUP ${dup}`)
  if (reord > 0) problems.push(`REORDERED ${reord}`)
  if (lg.corrupted + lg.crossTalk + x.upstreamCounters.crossTalk > 0) problems.push('CORRUPT')
  return {
    format: x.format,
    path: x.path,
    calls: x.calls,
    phases: x.phases,
    relay: x.relay,
    seconds,
    accepted: lg.accepted,
    failed: lg.failed,
    frames: {
      sent: lg.sent,
      received: lg.received,
      lost,
      lostUp,
      lostDown,
      duplicates: dup,
      reordered: reord,
      corrupted: lg.corrupted,
      crossTalk: lg.crossTalk + x.upstreamCounters.crossTalk,
      unrecognised: lg.unrecognised + x.upstreamCounters.unrecognised,
    },
    latency: { up: percentiles(up, nu), down: percentiles(down, nd), rtt: percentiles(rtt, nr) },
    ...(cpu ? { cpu } : {}),
    ...(rss ? { rss } : {}),
    upstreamCoreShare: core(lg.upstream),
    loadgenCoreShare: core(lg.self),
    drift,
    maxInFlight: lg.maxInFlight,
    rttTrend: { firstP50: median(first), lastP50: median(last) },
    setupMs: lg.setupMs,
    upstreamCounters: x.upstreamCounters,
    foreignCores,
    irqCores: lg.machine.irqMs / span,
    stealCores: lg.machine.stealMs / span,
    valid,
    disturbed,
    status: problems.length === 0 ? 'ok' : problems.join('; '),
  }
}

/**
 * Fills `added` (against the direct baseline of the same format, calls, phases and repetition) and `ratioVsNode` on the
 * relay cells.
 */
export function compare(cells: readonly CellResult[]): void {
  const key = (c: CellResult) => `${c.format}|${c.calls}|${c.phases}|${c.run ?? ''}`
  const baselines = new Map(cells.filter((c) => c.relay === 'direct').map((c) => [key(c), c]))
  for (const c of cells) {
    if (c.relay === 'direct') continue
    const b = baselines.get(key(c))
    if (b) {
      const t = (r: Percentiles, base: Percentiles): Triple => ({ p50: r.p50 - base.p50, p99: r.p99 - base.p99, max: r.max - base.p50 })
      c.added = { up: t(c.latency.up, b.latency.up), down: t(c.latency.down, b.latency.down), rtt: t(c.latency.rtt, b.latency.rtt) }
    }
  }
  nodeRatios(cells)
}

/** Fills `ratioVsNode` from the cells' `added` and CPU (runs of one repetition, or cells merged from their runs). */
export function nodeRatios(cells: readonly CellResult[]): void {
  const key = (c: CellResult) => `${c.format}|${c.calls}|${c.phases}|${c.run ?? ''}`
  const nodes = new Map(cells.filter((c) => c.relay === 'node').map((c) => [key(c), c]))
  for (const c of cells) {
    if (c.relay === 'direct' || c.relay === 'node') continue
    const nd = nodes.get(key(c))
    if (!nd?.added || !c.added) continue
    const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? Math.max(0, a) / b : NaN)
    c.ratioVsNode = {
      rttP50: ratio(c.added.rtt.p50, nd.added.rtt.p50),
      rttP99: ratio(c.added.rtt.p99, nd.added.rtt.p99),
      cpu: c.cpu && nd.cpu ? ratio(c.cpu.msPerCallSecond, nd.cpu.msPerCallSecond) : NaN,
    }
  }
}
