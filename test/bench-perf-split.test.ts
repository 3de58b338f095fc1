/**
 * The bench's perf split (scripts/bench/perf-split.ts): the parser over `perf script` lines, the per-call arithmetic,
 * the table, and one real recording of a busy process.
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { perCallSecond, perfSplit, recordPerfSplit } from '../scripts/bench/perf-split'
import { perfTable } from '../scripts/bench/report'
import { requireTool } from './kit/require-tool'

const SCRIPT = [
  '  7198/7198  ffffffff8226e079 ([kernel.kallsyms])',
  '  7198/7198           2aabe52 (/tmp/bq/dist/fastagent)',
  '  7198/7198           1e56474 (/tmp/bq/dist/fastagent)',
  '  7198/7198      7f10baa648d1 (/tmp/perf-7198.map)',
  '  7198/7198      7f10baa648d1 ([unknown])',
  '  7198/7198      7f10ba000000 (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  '  7198/7198      7ffd00000000 ([vdso])',
  '  7198/7211           2aab000 (/tmp/bq/dist/fastagent)',
  '  7198/7212  ffffffff8226e079 ([kernel.kallsyms])',
  '  6720/6720  ffffffff8226e079 ([kernel.kallsyms])',
  '     0/0     ffffffff8226e079 ([kernel.kallsyms])',
  'not a sample line',
  '',
].join('\n')

describe('perfSplit', () => {
  test("splits one process's samples by thread and by code kind, ignoring the rest", () => {
    expect(perfSplit(SCRIPT, 7198)).toEqual({ samples: 9, kernel: 1, runtime: 2, jit: 2, libc: 2, otherThreads: 2 })
    expect(perfSplit(SCRIPT, 6720)).toEqual({ samples: 1, kernel: 1, runtime: 0, jit: 0, libc: 0, otherThreads: 0 })
    expect(perfSplit(SCRIPT, 4242).samples).toBe(0)
  })

  test('per call and second of audio: samples ÷ rate ÷ seconds ÷ calls, in ms', () => {
    const m = perCallSecond({ samples: 4000, kernel: 2000, runtime: 1000, jit: 500, libc: 100, otherThreads: 400 }, 1000, 4, 100)
    expect(m.total).toBeCloseTo(10, 9)
    expect(m.kernel).toBeCloseTo(5, 9)
    expect(m.runtime + m.jit + m.libc + m.otherThreads + m.kernel).toBeCloseTo(m.total, 9)
  })

  test('the table has a row per run, an error in place of figures', () => {
    const table = perfTable([
      { format: 'raw/mulaw', calls: 300, relay: 'ours', recording: { split: { samples: 2000, kernel: 1000, runtime: 600, jit: 300, libc: 50, otherThreads: 50 }, hz: 1000, seconds: 2 } },
      { format: 'raw/mulaw', calls: 300, relay: 'bun-fast', recording: { error: 'perf recorded no sample of process 1' } },
    ])
    const rows = table.split('\n')
    expect(rows).toHaveLength(4)
    expect(rows[2]).toBe('| raw/mulaw | 300 | ours | 3.33 | 1.67 | 1.00 | 0.50 | 0.08 | 0.08 |')
    expect(rows[3]).toContain('perf recorded no sample of process 1')
  })
})

requireTool({ name: 'perf', find: () => Bun.which('perf'), install: 'linux-perf' }).test('records a busy process: most samples on its main thread', async () => {
  const busy = Bun.spawn(['bun', '-e', 'const end = Date.now() + 4000; while (Date.now() < end) {}'], { stdout: 'ignore', stderr: 'ignore' })
  try {
    await Bun.sleep(300)
    const rec = await recordPerfSplit(busy.pid, 1, 499, mkdtempSync(join(tmpdir(), 'fa-perf-')))
    if ('error' in rec) throw new Error(rec.error)
    expect(rec.split.samples).toBeGreaterThan(50)
    expect(rec.split.samples - rec.split.otherThreads).toBeGreaterThan(rec.split.samples * 0.8)
  } finally {
    busy.kill()
  }
}, 20_000)
