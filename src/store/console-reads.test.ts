/**
 * The console's reads run on the event loop the calls' audio runs on (SQLite is synchronous here), so the ones a
 * viewer repeats — the live list's recent calls every second, a call page's rows — must not scan a table that grows
 * with every call kept. Each read is captured as the repository really issues it and its SQLite plan is checked:
 * an index, never a full scan of calls, sms_messages, outbox or callbacks.
 */
import { describe, expect, test } from 'bun:test'
import { Store } from './store'
import { SqliteEngine } from './sqlite-engine'
import type { Params } from './sql'

describe('console reads use indexes', () => {
  test('recent calls, the date-range history, and a call page’s SMS, outbox rows and callbacks', async () => {
    const store = await Store.open(':memory:')
    try {
      const engine = store.sql
      if (!(engine instanceof SqliteEngine)) throw new Error('expected the SQLite engine')
      const seen: { text: string; params: Params | undefined }[] = []
      const all = engine.all.bind(engine)
      engine.all = (text: string, params?: Params) => {
        seen.push({ text, params })
        return all(text, params)
      }
      await store.console.searchCalls({ limit: 50 })
      await store.console.searchCalls({ from: 0, to: Date.now(), limit: 200 })
      await store.sms.forCall('c1')
      await store.outbox.forCall('c1')
      await store.callbacks.forCall('c1')
      expect(seen).toHaveLength(5)
      for (const { text, params } of seen) {
        const plan = engine.db
          .query<{ detail: string }, Record<string, string | number>>(`EXPLAIN QUERY PLAN ${text}`)
          .all(Object.fromEntries(Object.entries(params ?? {}).map(([k, v]) => [k, typeof v === 'number' ? v : String(v)])))
          .map((r) => r.detail)
          .join('; ')
        expect(`${text} → ${plan}`).toMatch(/USING (COVERING )?INDEX/)
        expect(`${text} → ${plan}`).not.toMatch(/\bSCAN (c|calls|sms_messages|outbox|callbacks)\b(?! USING)/)
        expect(plan).not.toContain('USE TEMP B-TREE FOR ORDER BY')
      }
    } finally {
      await store.close()
    }
  })
})
