import { afterEach, expect, test } from 'bun:test'
import { startRealtimeEmulator, type Emulator } from '../sim/realtime'
import { memoryLogger } from '../ops/log'
import { MetricsRegistry } from '../ops/metrics'
import { ModelLeg, realtimeMetrics, type ModelLegHandler } from './model-leg'

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

function leg(e: Emulator, events: string[], registry: MetricsRegistry, maxHeldChars?: number) {
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
  })
}

/** 20 ms of μ-law whose bytes all equal `n`: distinct frames whose order the emulator can show. */
const frame = (n: number) => Buffer.alloc(160, n).toString('base64')

test('caller audio is held until session.updated, then flushed in order', async () => {
  const arrived: string[] = []
  emulator = await startRealtimeEmulator({ apiKey: 'sk-emulator', tap: { append: (a) => arrived.push(a) } })
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
  emulator = await startRealtimeEmulator({ apiKey: 'sk-emulator' })
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
  emulator = await startRealtimeEmulator({ apiKey: 'the-real-key' })
  const events: string[] = []
  const m = leg(emulator, events, new MetricsRegistry())
  m.start()
  const until = Date.now() + 5000
  while (!events.some((x) => x.startsWith('fatal')) && Date.now() < until) await Bun.sleep(10)
  expect(events).toEqual(['fatal:invalid_api_key'])
  await Bun.sleep(600)
  expect(emulator.connections).toHaveLength(1)
})
