/**
 * @module bench/report
 * The markdown the benchmark prints: machine facts, the relay table (one row per format × calls × phases × relay),
 * overload behaviour at the top N, micro-benchmarks, cold start, and the targets with a verdict each. The column
 * headers are exported so the smoke test can check the table's shape.
 */
import type { CellResult } from './analyse'
import type { MergedCell, Spread } from './repeat'
import type { MicroRow } from './micro'
import { perCallSecond, type PerfRow } from './perf-split'

export type MachineFacts = {
  readonly cpu: string
  readonly cores: number
  readonly memGiB: number
  readonly kernel: string
  readonly bun: string
  readonly node: string
  readonly server: string
  readonly binary?: { readonly path: string; readonly sizeMiB: number; readonly builtAt: string; readonly olderThanSrc: boolean }
}

export type ColdStart = {
  readonly kind: string
  readonly runs: number
  readonly medianMs: number
  readonly minMs: number
  readonly maxMs: number
}

export type Verdict = { readonly target: string; readonly measured: string; readonly verdict: 'PASS' | 'FAIL' | 'n/a' | 'INVALID' }

export const RELAY_COLUMNS = [
  'format',
  'calls',
  'phases',
  'relay',
  'run',
  'up p50 / p99 / max (ms)',
  'down p50 / p99 / max (ms)',
  'RTT p50 / p99 (ms)',
  'lost / dup / reord',
  'CPU ms per call·s (user)',
  'RSS KiB per call: streaming (silent)',
  'ours ÷ Node: RTT p50 / p99 / CPU',
  'loadgen drift p50 / p99 (ms)',
  'status',
] as const

const ms = (v: number | undefined): string => {
  if (v === undefined || !Number.isFinite(v)) return '–'
  const a = Math.abs(v)
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2)
}
const num = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits))
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`

export function relayTable(cells: readonly CellResult[]): string {
  const lines = [row(RELAY_COLUMNS), row(RELAY_COLUMNS.map(() => '---'))]
  for (const c of cells) {
    const direct = c.relay === 'direct'
    const lat = (added: { p50: number; p99: number; max: number } | undefined, abs: { p50: number; p99: number; max: number }) =>
      direct ? `[${ms(abs.p50)} / ${ms(abs.p99)} / ${ms(abs.max)}]` : added ? `${ms(added.p50)} / ${ms(added.p99)} / ${ms(added.max)}` : '–'
    const r = c.ratioVsNode
    lines.push(
      row([
        c.format,
        String(c.calls),
        c.phases,
        c.relay,
        c.run === undefined ? '–' : String(c.run + 1),
        lat(c.added?.up, c.latency.up),
        lat(c.added?.down, c.latency.down),
        direct ? `[${ms(c.latency.rtt.p50)} / ${ms(c.latency.rtt.p99)}]` : c.added ? `${ms(c.added.rtt.p50)} / ${ms(c.added.rtt.p99)}` : '–',
        `${c.frames.lost} / ${c.frames.duplicates} / ${c.frames.reordered}`,
        c.cpu ? `${num(c.cpu.msPerCallSecond)} (${num(c.cpu.userMsPerCallSecond)})` : '–',
        // Below 50 calls the process's own growth (JIT code, first-call caches) swamps the per-call share.
        c.rss && c.calls >= 50 ? `${num(c.rss.perCallKiB, 0)} (${num(c.rss.perConnectedCallKiB, 0)})` : '–',
        r ? `${num(r.rttP50)} / ${num(r.rttP99)} / ${num(r.cpu)}` : '–',
        `${ms(c.drift.p50)} / ${ms(c.drift.p99)}`,
        c.status,
      ]),
    )
  }
  return lines.join('\n')
}

export const SUMMARY_COLUMNS = [
  'format',
  'calls',
  'phases',
  'relay',
  'runs (valid)',
  'added p50 up · down (ms)',
  'added p99 up · down (ms)',
  'CPU ms per call·s',
  'RSS KiB per call',
  'lost / dup / reord (all runs)',
  'status',
] as const

/** `median (min – max)` of the valid runs; the median alone for a single run. */
function spreadText(s: Spread, runs: number, fmt: (v: number) => string = ms): string {
  if (!Number.isFinite(s.median)) return '–'
  return runs > 1 ? `${fmt(s.median)} (${fmt(s.min)} – ${fmt(s.max)})` : fmt(s.median)
}

/** One row per cell, its repeated runs merged: median and min – max over the valid runs (direct rows: `[absolute]`). */
export function summaryTable(cells: readonly MergedCell[]): string {
  const lines = [row(SUMMARY_COLUMNS), row(SUMMARY_COLUMNS.map(() => '---'))]
  for (const c of cells) {
    const r = c.runs
    const n = r.valid > 0 ? r.valid : r.total
    const direct = c.relay === 'direct'
    const pair = (up: Spread, down: Spread) => (direct ? `[${spreadText(up, n)} · ${spreadText(down, n)}]` : `${spreadText(up, n)} · ${spreadText(down, n)}`)
    lines.push(
      row([
        c.format,
        String(c.calls),
        c.phases,
        c.relay,
        `${r.total} (${r.valid})`,
        direct ? pair(r.p50.up, r.p50.down) : pair(r.addedP50.up, r.addedP50.down),
        direct ? pair(r.p99.up, r.p99.down) : pair(r.addedP99.up, r.addedP99.down),
        spreadText(r.cpu, n, (v) => num(v)),
        c.calls >= 50 ? spreadText(r.rssPerCall, n, (v) => num(v, 0)) : '–',
        `${c.frames.lost} / ${c.frames.duplicates} / ${c.frames.reordered}`,
        c.status,
      ]),
    )
  }
  return lines.join('\n')
}

export function overloadTable(cells: readonly CellResult[]): string {
  const head = ['format', 'relay', 'calls offered', 'accepted', 'refused (why)', 'frames in flight max', 'RTT p50 first → last fifth (ms)', 'RSS during window (MiB)', 'relay CPU (cores)', 'verdict']
  const lines = [row(head), row(head.map(() => '---'))]
  for (const c of cells) {
    const refused = Object.entries(c.failed)
      .map(([why, n]) => `${n} × ${why}`)
      .join('; ')
    const growing = c.rttTrend.lastP50 > c.rttTrend.firstP50 * 2 + 5
    const verdict = !c.valid
      ? 'INVALID (loadgen late)'
      : c.disturbed
        ? 'DISTURBED (other load on the machine)'
      : c.frames.lost > 0
        ? `frames lost (${c.frames.lostUp} up, ${c.frames.lostDown} down)`
        : growing
          ? 'queue growing (saturated)'
          : c.accepted < c.calls
            ? 'excess refused by policy; accepted calls bounded'
            : 'bounded'
    lines.push(
      row([
        c.format,
        c.relay,
        String(c.calls),
        String(c.accepted),
        refused || '0',
        String(c.maxInFlight),
        `${ms(c.rttTrend.firstP50)} → ${ms(c.rttTrend.lastP50)}`,
        c.rss ? `${num(c.rss.idleKiB / 1024, 0)} idle → ${num((c.rss.endKiB - c.rss.windowGrowthKiB) / 1024, 0)} → ${num(c.rss.endKiB / 1024, 0)}` : '–',
        c.cpu ? num(c.cpu.coreShare) : '–',
        verdict,
      ]),
    )
  }
  return lines.join('\n')
}

const dur = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`)

export function microTable(rows: readonly MicroRow[]): string {
  const lines = [row(['group', 'operation', 'median per op', 'fastest batch', 'iterations × reps']), row(['---', '---', '---:', '---:', '---:'])]
  for (const r of rows) lines.push(row([r.group, r.name.replace(/^ +/, '↳ '), dur(r.ns), Number.isFinite(r.minNs) ? dur(r.minNs) : '–', `${r.iterations} × ${r.reps}`]))
  return lines.join('\n')
}

/** `--perf` rows (one per relay run, in run order): ms of CPU per call·s by part, or why there is no recording. */
export function perfTable(rows: readonly PerfRow[]): string {
  const lines = [row(['format', 'calls', 'relay', 'total', 'kernel', 'runtime', 'JIT', 'libc', 'other threads']), row(['---', '---:', '---', '---:', '---:', '---:', '---:', '---:', '---:'])]
  for (const r of rows) {
    const rec = r.recording
    if ('error' in rec) {
      lines.push(row([r.format, String(r.calls), r.relay, rec.error, '', '', '', '', '']))
      continue
    }
    const m = perCallSecond(rec.split, rec.hz, rec.seconds, r.calls)
    lines.push(row([r.format, String(r.calls), r.relay, num(m.total), num(m.kernel), num(m.runtime), num(m.jit), num(m.libc), num(m.otherThreads)]))
  }
  return lines.join('\n')
}

export function coldStartTable(rows: readonly ColdStart[]): string {
  const lines = [row(['start', 'runs', 'median', 'min', 'max']), row(['---', '---:', '---:', '---:', '---:'])]
  for (const r of rows) lines.push(row([r.kind, String(r.runs), `${r.medianMs.toFixed(1)} ms`, `${r.minMs.toFixed(1)} ms`, `${r.maxMs.toFixed(1)} ms`]))
  return lines.join('\n')
}

export function verdictTable(v: readonly Verdict[]): string {
  const lines = [row(['target', 'measured', 'verdict']), row(['---', '---', '---'])]
  for (const x of v) lines.push(row([x.target, x.measured, x.verdict]))
  return lines.join('\n')
}

export function machineBlock(m: MachineFacts, notes: readonly string[]): string {
  const lines = [
    `- CPU: ${m.cpu}, ${m.cores} cores, ${m.memGiB.toFixed(1)} GiB RAM; kernel ${m.kernel}`,
    `- Bun ${m.bun}, Node ${m.node}; server under test: ${m.server}`,
  ]
  if (m.binary) {
    lines.push(`- binary: ${m.binary.path} (${m.binary.sizeMiB.toFixed(1)} MiB, built ${m.binary.builtAt}${m.binary.olderThanSrc ? ', OLDER than src/: rebuild with --build for current code' : ''})`)
  }
  for (const n of notes) lines.push(`- ${n}`)
  return lines.join('\n')
}

export function legend(): string {
  return [
    'Latency columns: relay rows show latency ADDED by the relay, per direction, against the direct-socket baseline of the same',
    'format, calls and phases measured in this run (p50 − p50, p99 − p99, max − baseline p50); `[bracketed]` values on `direct`',
    'rows are the baseline itself (one socket hop, absolute). up = load generator send → fake upstream receive; down = upstream',
    'echo → load generator receive; RTT = send → receive in the load generator. CPU = utime+stime of the relay process from',
    '/proc/<pid>/stat over the measured window ÷ (calls × seconds), in brackets its user-space part (the rest is kernel: syscalls',
    'and loopback TCP). RSS per call = (VmRSS at window end − VmRSS before the calls connected) ÷ calls; in brackets the same with',
    'every call connected but before any audio (not shown below 50 calls). lost = sent but not received within 3 s of the last',
    'send (in a saturated run: still queued), split up/down in the JSON. CPU per call·s at 1 call is mostly the process\'s',
    'fixed overhead. Ratios are ours ÷ Node (< 1 means ours is faster/cheaper). A run whose load',
    'generator drifted more than 25 ms at p99 is INVALID and its figures are not to be quoted; a run during which other processes',
    'on the machine used more than 0.2 cores is marked DISTURBED (its latency figures are not clean).',
  ].join('\n')
}
