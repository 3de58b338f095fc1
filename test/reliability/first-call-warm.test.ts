import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load'
import { startServer } from '../../src/server'
import { createLogger } from '../../src/ops/log'
import type { WarmUpReport } from '../../src/ops/warm-up'
import { heapStats } from 'bun:jsc'
import { describeWhen, parseDate, parseTime } from '../../src/agents/domain/when'

describe('the first call after start pays no one-time cost', () => {
  test('start-up warms what a call uses (every sample frame accepted, statements prepared) and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-warm-'))
    const lines: string[] = []
    const loaded = loadConfig({ HOME: dir, HOST: '127.0.0.1', PORT: '0', AUDIOCODES_BOT_TOKEN: 'warm-bot-token-0123456789', OPENAI_API_KEY: 'sk-warm-up-key', OPENAI_REALTIME_URL: 'ws://127.0.0.1:9/v1/realtime', REALTIME_POOL_SIZE: '0', DATABASE_PATH: join(dir, 'fastagent.db') })
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
    const server = await startServer(loaded.config, { log: createLogger({ level: 'info', sink: (l) => lines.push(l) }) })
    try {
      const ready = lines.map((l) => JSON.parse(l) as { msg?: string; event?: string; warmed?: WarmUpReport }).find((l) => (l.msg ?? l.event) === 'server.ready')
      const warmed = ready?.warmed
      // One business, both OpenAI formats; a sample the parsers refuse would warm the refusal, not the call.
      expect(warmed?.sessions).toBe(2)
      expect(warmed?.samples).toBeGreaterThan(100)
      expect(warmed?.parsed).toBe(warmed?.samples)
      expect(warmed?.statements).toBeGreaterThanOrEqual(10)
      expect(warmed?.dates).toBe(4)
      // The first booking's date and time, after start: parsed and said back with code compiled at start (without the
      // warm-up: about 100 functions on this first parse, and 58 ms; after it, 12 like any later parse).
      const compiled = () => {
        Bun.gc(true)
        return heapStats().objectTypeCounts.UnlinkedFunctionCodeBlock ?? 0
      }
      const before = compiled()
      const t = Date.parse('2026-12-02T15:00:00Z')
      const day = parseDate('on Friday', t, 'America/New_York', undefined, 'en')
      expect(day.ok && parseTime('quarter past three', undefined, 'en').ok).toBe(true)
      describeWhen(t + 3 * 86_400_000, t, 'America/New_York', false, 'en')
      const grew = compiled() - before
      if (grew > 30) throw new Error(`the first date parse after start compiled ${grew} functions (bound 30)`)
      // The repositories ran against a recorder: not a row reached the database.
      for (const table of ['calls', 'call_events', 'transcript_items', 'tasks', 'task_events', 'outbox', 'callbacks', 'sms_messages', 'phrase_cache']) {
        const row = await server.store.sql.get(`SELECT COUNT(*) AS n FROM ${table}`)
        expect(`${table}: ${String(row?.n)}`).toBe(`${table}: 0`)
      }
    } finally {
      await server.shutdown('test done')
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('the first call compiles hardly more code than the next ones, and prepares no statement', async () => {
    // The real server in this process; one streaming call at a time from the bench's load generator against its fake
    // upstream (own processes), each to its recorded end; live objects by type after a full collection.
    const { firstCalls } = await import('../../scripts/bench/first-calls')
    const r = await firstCalls('raw/mulaw', 3, 1)
    const [first, second, third] = r.steps
    if (!first || !second || !third) throw new Error('three calls expected')
    const report = r.steps.map((s, i) => `call ${i + 1}: ${JSON.stringify(s)}`).join('\n')
    // Every statement a call runs was prepared at start (before: 8 on the first call).
    expect(first.SQLStatement).toBe(0)
    // A real measurement: the later calls compile (next to) nothing, the first one the call's own code.
    expect(third.UnlinkedFunctionCodeBlock ?? 0).toBeLessThanOrEqual(5)
    expect(first.UnlinkedFunctionCodeBlock ?? 0).toBeGreaterThan(20)
    // Functions compiled for the first time during the first call (parsed: UnlinkedFunctionCodeBlock) and shapes made:
    // measured 2026-12-02 in raw/mulaw, 396 and 667 with nothing warmed at start; 265–294 and 438–500 with the warm-up.
    const extra = (first.UnlinkedFunctionCodeBlock ?? 0) - (second.UnlinkedFunctionCodeBlock ?? 0)
    if (extra > 300) throw new Error(`the first call compiled ${extra} functions more than the second (bound 300)\n${report}`)
    const shapes = (first.Structure ?? 0) - Math.max(0, second.Structure ?? 0)
    if (shapes > 530) throw new Error(`the first call made ${shapes} shapes more than the second (bound 530)\n${report}`)
  }, 60_000)
})
