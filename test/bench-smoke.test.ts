/**
 * `bun run bench --quick` end to end: 2 calls × 2 s of raw/lpcm16_24 through the real server (the CI-built binary when
 * FASTAGENT_REQUIRE_BINARY=1, otherwise `startServer` from source in-process, so a stale dist/ cannot fail it), twice
 * (`--repeat 2`: the runs interleaved and merged into a median row), plus
 * quick micro-benchmarks and the first-audio table (one call per row). Asserts correctness only — every frame relayed exactly once and in order, the table's shape —
 * never timings. Also checks the frame marking survives the real resampler chain and the reference relays' one.
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'bun'
import { createCallConverters } from '../src/audio/transcoder'
import { HeaderFrames, PlateauFrames } from '../scripts/bench/frames'
import { LinearResampler } from '../scripts/bench/linear-resampler.mjs'
import { RELAY_COLUMNS, SUMMARY_COLUMNS } from '../scripts/bench/report'
import type { BenchReport } from '../scripts/bench/run'
import { LATENCY_ROWS } from '../scripts/bench/first-audio'

const root = join(import.meta.dir, '..')

describe('benchmark frame marking', () => {
  test('header frames: distinct payloads, identified after a byte-exact relay', () => {
    const f = new HeaderFrames(160)
    const seen = new Set<string>()
    for (let call = 0; call < 3; call++) {
      for (let seq = 0; seq < 100; seq++) {
        const p = f.payload(7, call, seq)
        expect(Buffer.from(p, 'base64').length).toBe(160)
        expect(f.identify(p)).toEqual({ tag: 7, call, seq })
        seen.add(p)
      }
    }
    expect(seen.size).toBe(300)
    expect(f.identify(Buffer.alloc(160, 1).toString('base64'))).toBeUndefined()
  })

  test('plateau frames survive our 16k→24k→16k resamplers and the reference relays’ linear ones', () => {
    const send = new PlateauFrames(320)
    const atUpstream = new PlateauFrames(480)
    const back = new PlateauFrames(320)
    const ours = createCallConverters('raw/lpcm16')
    const up = new LinearResampler(16000, 24000)
    const down = new LinearResampler(24000, 16000)
    for (let seq = 0; seq < 300; seq++) {
      const id = { tag: seq % 16, call: (seq * 37) % 4096, seq: (seq * 211) % 65536 }
      const p = send.payload(id.tag, id.call, id.seq)
      const u = ours.fromCaller.convert(p)
      expect(atUpstream.identify(u)).toEqual(id)
      expect(back.identify(ours.toCaller.convert(u))).toEqual(id)
      const lu = up.convert(p)
      expect(atUpstream.identify(lu)).toEqual(id)
      expect(back.identify(down.convert(lu))).toEqual(id)
    }
  })
})

describe('bun run bench --quick', () => {
  test('relays every frame exactly once, in order, and prints a well-formed table', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fa-bench-smoke-'))
    try {
      const server = process.env.FASTAGENT_REQUIRE_BINARY === '1' ? [] : ['--in-process']
      const r = await $`bun scripts/bench/run.ts --quick --repeat 2 ${server} --out-dir ${out}`.cwd(root).nothrow().quiet()
      const stdout = r.stdout.toString()
      if (r.exitCode !== 0) throw new Error(`bench exited ${r.exitCode}: ${r.stderr.toString().slice(-3000)}`)

      const files = readdirSync(out).filter((f) => f.endsWith('-quick.json'))
      expect(files).toHaveLength(1)
      const report = JSON.parse(readFileSync(join(out, files[0] ?? ''), 'utf8')) as BenchReport
      // Each repetition: the baseline, then the relay; each relay run compared with its own repetition's baseline.
      expect(report.cells.map((c) => [c.relay, c.run])).toEqual([['direct', 0], ['ours', 0], ['direct', 1], ['ours', 1]])
      for (const c of report.cells) {
        expect(c.accepted).toBe(2)
        expect(c.frames.sent).toBeGreaterThan(150)
        expect(c.frames.received).toBe(c.frames.sent)
        expect(c.frames.lost).toBe(0)
        expect(c.frames.lostUp + c.frames.lostDown).toBe(0)
        expect(c.frames.duplicates).toBe(0)
        expect(c.frames.reordered).toBe(0)
        expect(c.frames.corrupted).toBe(0)
        expect(c.frames.crossTalk).toBe(0)
        expect(c.frames.unrecognised).toBe(0)
        expect(c.latency.rtt.count).toBeGreaterThan(150)
        expect(c.upstreamCounters.recognised).toBe(c.frames.sent)
      }
      for (const ours of [report.cells[1], report.cells[3]]) {
        expect(ours?.cpu?.msPerCallSecond).toBeGreaterThanOrEqual(0)
        const base = report.cells[ours === report.cells[1] ? 0 : 2]
        expect(ours?.added?.up.p50).toBeCloseTo((ours?.latency.up.p50 ?? NaN) - (base?.latency.up.p50 ?? NaN), 9)
        // One session.update and the greeting's response.create per call reached the fake upstream.
        expect(ours?.upstreamCounters.sessionUpdates).toBe(2)
      }
      // Merged: one cell per relay, frames summed over both runs, the median of two runs is their mean.
      expect(report.merged.map((c) => [c.relay, c.runs.total])).toEqual([['direct', 2], ['ours', 2]])
      const [m0, m1] = [report.cells[1], report.cells[3]]
      const merged = report.merged[1]
      expect(merged?.frames.sent).toBe((m0?.frames.sent ?? 0) + (m1?.frames.sent ?? 0))
      expect(merged?.frames.lost).toBe(0)
      // The runs that count: the valid ones (all of them when none was: a loaded machine can make a run INVALID).
      const valid = [m0, m1].filter((c) => c?.valid)
      const counted = valid.length > 0 ? valid : [m0, m1]
      expect(merged?.runs.valid).toBe(valid.length)
      const cpus = counted.map((c) => c?.cpu?.msPerCallSecond ?? NaN)
      expect(merged?.runs.cpu.median).toBeCloseTo(cpus.reduce((a, b) => a + b, 0) / cpus.length, 9)
      expect(merged?.runs.addedP99.up.min).toBe(Math.min(...counted.map((c) => c?.added?.up.p99 ?? NaN)))

      // The markdown tables: header, separator, one row per cell, every row with every column. First the merged
      // summary (one row per relay, median (min – max)), then every run.
      const lines = stdout.split('\n')
      const sum = lines.indexOf(`| ${SUMMARY_COLUMNS.join(' | ')} |`)
      expect(sum).toBeGreaterThanOrEqual(0)
      for (const [i, relay] of ['direct', 'ours'].entries()) {
        const cells = (lines[sum + 2 + i] ?? '').split('|').slice(1, -1).map((s) => s.trim())
        expect(cells).toHaveLength(SUMMARY_COLUMNS.length)
        // Runs (valid ones): a run on a loaded machine may be INVALID (load generator late); never a timing assertion.
        const m = report.merged[i]
        expect(cells.slice(0, 5)).toEqual(['raw/lpcm16_24', '2', 'staggered', relay, `2 (${m?.runs.valid})`])
        expect(cells[9]).toBe('0 / 0 / 0')
        // CPU of the relay: "median (min – max)" of two runs.
        if (relay === 'ours') expect(cells[7]).toMatch(/^\d+\.\d\d \(\d+\.\d\d – \d+\.\d\d\)$/)
      }
      const head = lines.indexOf(`| ${RELAY_COLUMNS.join(' | ')} |`)
      expect(head).toBeGreaterThan(sum)
      const table = lines.slice(head, head + 6)
      expect(table[1]?.split('|').length).toBe(RELAY_COLUMNS.length + 2)
      for (const [i, [relay, run]] of ([['direct', '1'], ['ours', '1'], ['direct', '2'], ['ours', '2']] as const).entries()) {
        const cells = (table[i + 2] ?? '').split('|').slice(1, -1).map((s) => s.trim())
        expect(cells).toHaveLength(RELAY_COLUMNS.length)
        expect(cells.slice(0, 5)).toEqual(['raw/lpcm16_24', '2', 'staggered', relay, run])
        expect(cells[8]).toBe('0 / 0 / 0')
      }
      expect(report.micro?.rows.length).toBeGreaterThanOrEqual(20)
      expect(stdout).toContain('## Micro-benchmarks')

      // First audio: one row per way of serving it, each with its measured call, printed as a table.
      expect(report.firstAudio.map((r) => [r.measure, r.path])).toEqual(LATENCY_ROWS.map((r) => [r.measure, r.path]))
      for (const r of report.firstAudio) {
        expect(r.samples).toHaveLength(1)
        for (const ms of r.samples) expect(Number.isFinite(ms) && ms >= 0).toBe(true)
      }
      const fa = lines.findIndex((l) => l.startsWith('| latency | served by |'))
      expect(fa).toBeGreaterThan(0)
      expect(lines[fa - 4]).toBe('## First audio: greeting and fixed lines')
      for (const [i, row] of LATENCY_ROWS.entries()) {
        const cells = (lines[fa + 2 + i] ?? '').split('|').slice(1, -1).map((s) => s.trim())
        expect(cells.slice(0, 3)).toEqual([row.measure, row.path, '1'])
      }
      // The demo hit rate takes four scenario runs: --quick says it was not measured (never silently absent).
      expect(stdout).toContain('Phrase cache hit rate over the demo scenarios: not measured with --quick')
      expect(report.hitRate).toBeUndefined()
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 120_000)
})
