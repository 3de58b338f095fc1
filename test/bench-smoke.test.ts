/**
 * `bun run bench --quick` end to end: 2 calls × 2 s of raw/lpcm16_24 through the real server (the CI-built binary when
 * FASTAGENT_REQUIRE_BINARY=1, otherwise `startServer` from source in-process, so a stale dist/ cannot fail it), plus
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
import { RELAY_COLUMNS } from '../scripts/bench/report'
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
      const r = await $`bun scripts/bench/run.ts --quick ${server} --out-dir ${out}`.cwd(root).nothrow().quiet()
      const stdout = r.stdout.toString()
      if (r.exitCode !== 0) throw new Error(`bench exited ${r.exitCode}: ${r.stderr.toString().slice(-3000)}`)

      const files = readdirSync(out).filter((f) => f.endsWith('-quick.json'))
      expect(files).toHaveLength(1)
      const report = JSON.parse(readFileSync(join(out, files[0] ?? ''), 'utf8')) as BenchReport
      expect(report.cells.map((c) => c.relay)).toEqual(['direct', 'ours'])
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
      const ours = report.cells[1]
      expect(ours?.cpu?.msPerCallSecond).toBeGreaterThanOrEqual(0)
      expect(ours?.added).toBeDefined()
      // One session.update and the greeting's response.create per call reached the fake upstream.
      expect(ours?.upstreamCounters.sessionUpdates).toBe(2)

      // The markdown table: header, separator, one row per cell, every row with every column.
      const lines = stdout.split('\n')
      const head = lines.findIndex((l) => l.startsWith('| format | calls |'))
      expect(head).toBeGreaterThanOrEqual(0)
      const table = lines.slice(head, head + 4)
      expect(table[0]).toBe(`| ${RELAY_COLUMNS.join(' | ')} |`)
      expect(table[1]?.split('|').length).toBe(RELAY_COLUMNS.length + 2)
      for (const [i, relay] of ['direct', 'ours'].entries()) {
        const cells = (table[i + 2] ?? '').split('|').slice(1, -1).map((s) => s.trim())
        expect(cells).toHaveLength(RELAY_COLUMNS.length)
        expect(cells.slice(0, 4)).toEqual(['raw/lpcm16_24', '2', 'staggered', relay])
        expect(cells[7]).toBe('0 / 0 / 0')
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
