/**
 * @module bench/console-list
 * What one console live-list request (`GET /console/api/calls`) costs the event loop the calls' audio runs on: a
 * store with N calls kept and M live calls in the watcher, in this process; beside each request a ticker on
 * `setImmediate` measures the longest stretch the loop was held (what a frame due meanwhile would wait). Median and
 * p90 of 200 requests.
 *
 * `bun scripts/bench/console-list.ts [--kept 300] [--live 100]`
 */
import { Store } from '../../src/store/store'
import { CallWatch } from '../../src/console/call-watch'
import { CallEventBus } from '../../src/call/call-events'
import { MetricsRegistry } from '../../src/ops/metrics'
import { createLogger } from '../../src/ops/log'
import { listCallsJson } from '../../src/console/call-detail'

const argv = process.argv.slice(2)
const arg = (k: string, d: number) => {
  const i = argv.indexOf(k)
  return i >= 0 ? Number(argv[i + 1]) : d
}
const kept = arg('--kept', 300)
const liveN = arg('--live', 100)
const store = await Store.open(':memory:')
const t0 = Date.now() - 1e8
for (let i = 0; i < kept; i++) {
  await store.calls.create({ id: `h${i}`, conversationId: `c${i}`, direction: 'inbound', caller: `+49151${String(i).padStart(7, '0')}`, botName: 'b', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: t0 + i * 1000 })
  await store.calls.end(`h${i}`, 'completed', null, t0 + i * 1000 + 500)
}
const bus = new CallEventBus()
const watch = new CallWatch({ bus, registry: new MetricsRegistry(), log: createLogger({ level: 'error' }), persist: async () => undefined })
for (let i = 0; i < liveN; i++) {
  const caller = `+49152${String(i).padStart(7, '0')}`
  await store.calls.create({ id: `l${i}`, conversationId: `lc${i}`, direction: 'inbound', caller, botName: 'b', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: Date.now() })
  bus.emit({ type: 'started', callId: `l${i}`, at: Date.now(), mediaFormat: 'raw/mulaw', direction: 'inbound', caller, resumes: undefined })
}
const data = { store, watch, now: Date.now, prices: { inputText: 0, inputAudio: 0, inputCached: 0, outputText: 0, outputAudio: 0 } }
for (let i = 0; i < 50; i++) await listCallsJson(data)
const blocks: number[] = []
const totals: number[] = []
for (let i = 0; i < 200; i++) {
  let last = 0
  let worst = 0
  let on = true
  const tick = () => {
    const now = performance.now()
    worst = Math.max(worst, now - last)
    last = now
    if (on) setImmediate(tick)
  }
  await new Promise((r) => setImmediate(r))
  const start = performance.now()
  last = start
  setImmediate(tick)
  await listCallsJson(data)
  const end = performance.now()
  on = false
  totals.push(end - start)
  blocks.push(Math.max(worst, end - last))
}
blocks.sort((a, b) => a - b)
totals.sort((a, b) => a - b)
const at = (v: number[], q: number) => (v[Math.floor(q * (v.length - 1))] ?? NaN).toFixed(3)
process.stdout.write(`${kept} calls kept, ${liveN} live: request ${at(totals, 0.5)} ms median; longest loop hold ${at(blocks, 0.5)} ms median, ${at(blocks, 0.9)} ms p90\n`)
await store.close()
