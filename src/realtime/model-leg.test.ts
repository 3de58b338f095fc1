import { afterEach, expect, test } from 'bun:test'
import { INSTANT_TIMING, startRealtimeEmulator, type Emulator } from '../sim/realtime'
import { memoryLogger } from '../ops/log'
import { MetricsRegistry } from '../ops/metrics'
import { ModelLeg, realtimeMetrics, type ModelLegHandler, type ModelLegOptions } from './model-leg'
import { callerText } from '../call/spoken-line'

let emulator: Emulator | undefined
afterEach(async () => {
  await emulator?.stop()
  emulator = undefined
})

const handler = (events: string[]): ModelLegHandler => ({
  ready: (k) => events.push(`ready:${k}`),
  speechStarted: () => events.push('speechStarted'),
  speechStopped: () => undefined,
  committed: () => undefined,
  callerTranscript: () => undefined,
  responseCreated: () => undefined,
  responseDone: () => undefined,
  audioDelta: () => undefined,
  audioDone: () => undefined,
  botTranscript: () => undefined,
  functionCall: () => undefined,
  idleTimeout: () => undefined,
  reconnecting: (r) => events.push(`reconnecting:${r}`),
  fatal: (code) => events.push(`fatal:${code}`),
})

function leg(e: Emulator, events: string[], registry: MetricsRegistry, maxHeldChars?: number, over: Partial<ModelLegOptions> = {}) {
  return new ModelLeg({
    url: e.url,
    model: 'gpt-realtime',
    apiKey: 'sk-emulator',
    session: () => ({ type: 'realtime', audio: { input: { format: { type: 'audio/pcmu' }, turn_detection: null }, output: { format: { type: 'audio/pcmu' } } } }),
    history: () => [],
    handler: handler(events),
    log: memoryLogger().log,
    metrics: realtimeMetrics(registry),
    rotateAfterMs: 3_600_000,
    isQuiet: () => true,
    ...(maxHeldChars !== undefined ? { maxHeldChars } : {}),
    ...over,
  })
}

/** 20 ms of μ-law whose bytes all equal `n`: distinct frames whose order the emulator can show. */
const frame = (n: number) => Buffer.alloc(160, n).toString('base64')

test('caller audio is held until session.updated, then flushed in order', async () => {
  const arrived: string[] = []
  emulator = await startRealtimeEmulator({ apiKey: 'sk-emulator', ...INSTANT_TIMING, tap: { append: (a) => arrived.push(a) } })
  const events: string[] = []
  const m = leg(emulator, events, new MetricsRegistry())
  for (let i = 1; i <= 10; i++) m.append(frame(i)) // before the socket even exists
  m.start()
  for (let i = 11; i <= 15; i++) m.append(frame(i)) // while it is being configured
  const e = emulator
  await e.waitFor(() => ((e.session()?.counters.appends ?? 0) >= 15 ? true : undefined), 5000)
  const session = e.session()!
  // session.update came first, then the appends, in the order they were captured.
  const types = session.received.map((r) => r.event.type)
  expect(types[0]).toBe('session.update')
  expect(types.slice(1, 16)).toEqual(new Array(15).fill('input_audio_buffer.append'))
  expect(session.counters.audioMsReceived).toBe(15 * 20)
  expect(arrived).toEqual(Array.from({ length: 15 }, (_, i) => frame(i + 1)))
  expect(events).toEqual(['ready:initial'])
  m.close()
})

test('the hold is bounded: the oldest audio is dropped, and counted', async () => {
  emulator = await startRealtimeEmulator({ apiKey: 'sk-emulator', ...INSTANT_TIMING })
  const registry = new MetricsRegistry()
  const m = leg(emulator, [], registry, frame(1).length * 4)
  for (let i = 1; i <= 10; i++) m.append(frame(i))
  expect(registry.counterTotal('fastagent_realtime_held_frames_dropped_total')).toBe(6)
  m.start()
  const e = emulator
  await e.waitFor(() => ((e.session()?.counters.appends ?? 0) >= 4 ? true : undefined), 5000)
  await Bun.sleep(50)
  expect(e.session()?.counters.appends).toBe(4)
  m.close()
})

test('a fatal error stops the leg without reconnect attempts', async () => {
  emulator = await startRealtimeEmulator({ apiKey: 'the-real-key', ...INSTANT_TIMING })
  const events: string[] = []
  const m = leg(emulator, events, new MetricsRegistry())
  m.start()
  const until = Date.now() + 5000
  while (!events.some((x) => x.startsWith('fatal')) && Date.now() < until) await Bun.sleep(10)
  expect(events).toEqual(['fatal:invalid_api_key'])
  await Bun.sleep(600)
  expect(emulator.connections).toHaveLength(1)
})

test('a failed session rotation retries with the reconnect backoff, not on every tick; the live session carries on', async () => {
  emulator = await startRealtimeEmulator({ apiKey: 'sk-emulator', ...INSTANT_TIMING })
  const e = emulator
  const events: string[] = []
  const { log, lines } = memoryLogger('debug')
  // Rotation is due at once; the first retry comes after 300 ms, the next not within this test.
  const m = leg(e, events, new MetricsRegistry(), undefined, { rotateAfterMs: 1, backoffMs: [300, 60_000], log })
  e.refuseUpgrades(503, 0)
  m.start()
  await e.waitFor(() => (events.includes('ready:initial') ? true : undefined), 5000)
  e.refuseUpgrades(503)
  // First rotation attempt, refused; one retry after the first backoff step, refused too.
  await e.waitFor(() => (e.connections.length >= 3 ? true : undefined), 10_000)
  // With the retry on every 500 ms tick there would be more attempts by now; with the backoff there is none.
  await Bun.sleep(1600)
  expect(e.connections.map((c) => c.outcome)).toEqual(['accepted', 'refused', 'refused'])
  const failed = lines.filter((l) => l.includes('realtime.rotation_failed'))
  expect(failed).toHaveLength(2)
  expect(failed[0]).toContain('"attempt":1')
  expect(failed[0]).toContain('"retryInMs":300')
  expect(failed[1]).toContain('"attempt":2')
  expect(failed[1]).toContain('"retryInMs":60000')
  // The session in use was never touched: no reconnect, no fatal, still ready.
  expect(m.ready).toBe(true)
  expect(events).toEqual(['ready:initial'])
  m.close()
}, 30_000)

test('the first session gets the conversation so far too (a verified resume), after session.update and before any audio', async () => {
  emulator = await startRealtimeEmulator({ apiKey: 'sk-emulator', ...INSTANT_TIMING })
  const e = emulator
  const events: string[] = []
  const m = leg(e, events, new MetricsRegistry(), undefined, {
    history: () => [
      { role: 'user', text: callerText('Book me for Friday.') },
      { role: 'assistant', text: 'What time on Friday?' },
    ],
  })
  m.append(frame(1))
  m.start()
  await e.waitFor(() => ((e.session()?.counters.appends ?? 0) >= 1 ? true : undefined), 5000)
  const types = e.session()!.received.map((r) => r.event.type)
  expect(types.slice(0, 4)).toEqual(['session.update', 'conversation.item.create', 'conversation.item.create', 'input_audio_buffer.append'])
  expect(e.session()!.items.map((i) => JSON.stringify(i.wire))).toEqual([expect.stringContaining('Book me for Friday.'), expect.stringContaining('What time on Friday?')])
  expect(events).toEqual(['ready:initial'])
  m.close()
})
