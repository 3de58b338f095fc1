/**
 * What a call keeps, checked by what the heap holds after a full collection (`bun:jsc` heapStats), not by timing:
 * round 2's memory regression came from per-call copies of things every call could share and from frames kept alive
 * after they were relayed (README "Performance": where a streaming call's memory goes). Each test here fails if one
 * of those comes back.
 */
import { describe, expect, test } from 'bun:test'
import { heapStats } from 'bun:jsc'
import { AudioDeltaScanner } from '../../src/realtime/protocol'
import { createCallConverters } from '../../src/audio/transcoder'
import { Resampler, resamplerHeap } from '../../src/audio/resampler'
import { callLinesFor } from '../../src/i18n/packs'
import { describeBusinessHours } from '../../src/config/business-hours'
import { CallEventBus } from '../../src/call/call-events'
import { Store } from '../../src/store/store'
import { grantChecker, SHARED_GRANT } from '../../src/telephony/audiocodes/auth'
import { Continuity, continuityMetrics } from '../../src/continuity/continuity'
import { loadConfig } from '../../src/config/load'
import { memoryLogger } from '../../src/ops/log'
import { MetricsRegistry } from '../../src/ops/metrics'

/** External (string and ArrayBuffer) bytes live after a full collection. */
function liveExtra(): number {
  Bun.gc(true)
  Bun.gc(true)
  return heapStats().extraMemorySize
}

const FRAME_AUDIO_CHARS = 200_000

/** A delta frame with ids of its own and a large, distinct audio payload (so a kept frame is plain to see). */
function deltaFrame(i: number): string {
  const audio = 'QUJD'.repeat(FRAME_AUDIO_CHARS / 4 + i)
  return `{"type":"response.output_audio.delta","event_id":"ev_${i}","response_id":"resp_${i}_0123456789","item_id":"item_${i}_0123456789","output_index":0,"content_index":0,"delta":"${audio}"}`
}

describe('a call keeps no frame it relayed', () => {
  test('the delta scanner of each call, holding its ids, does not keep the frame they came from', () => {
    const calls = 50
    const before = liveExtra()
    const scanners: AudioDeltaScanner[] = []
    for (let i = 0; i < calls; i++) {
      const s = new AudioDeltaScanner()
      expect(s.scan(deltaFrame(i))).toBe(true)
      expect(s.takeDelta().length).toBe(FRAME_AUDIO_CHARS + 4 * i)
      expect([s.responseId, s.itemId, s.delta]).toEqual([`resp_${i}_0123456789`, `item_${i}_0123456789`, ''])
      scanners.push(s)
    }
    const kept = liveExtra() - before
    // A scanner that kept its frame (through the audio, or through ids sliced from it) holds 50 × 200 KB = 10 MB.
    expect(kept).toBeLessThan((calls * FRAME_AUDIO_CHARS) / 5)
    expect(scanners).toHaveLength(calls)
  })

  test('ids that stay the same across frames are reused, not copied per frame', () => {
    const s = new AudioDeltaScanner()
    expect(s.scan(deltaFrame(1))).toBe(true)
    const ids = [s.responseId, s.itemId]
    expect(s.scan(deltaFrame(1).replace('"ev_1"', '"ev_2"'))).toBe(true)
    expect([s.responseId, s.itemId]).toEqual(ids)
  })
})

describe('what every call can share is shared', () => {
  test('passthrough formats get the one stateless converter, not a converter (and its buffers) per call', () => {
    for (const format of ['raw/mulaw', 'raw/lpcm16_24'] as const) {
      const a = createCallConverters(format)
      const b = createCallConverters(format)
      expect(a.fromCaller).toBe(b.fromCaller)
      expect(a.toCaller).toBe(b.toCaller)
      expect(a.fromCaller.passthrough && a.toCaller.passthrough).toBe(true)
      expect(a.fromCaller.convert('AAAA')).toBe('AAAA')
    }
    // A format that converts keeps its own state per call (filter history, carried byte).
    expect(createCallConverters('raw/lpcm16').fromCaller).not.toBe(createCallConverters('raw/lpcm16').fromCaller)
  })

  test('resamplers share one kernel memory: a call adds its filter history, not a WebAssembly memory', () => {
    new Resampler(16000, 24000).process(new Int16Array(320))
    const bytes = resamplerHeap.bytes.byteLength
    const generation = resamplerHeap.generation
    const calls = Array.from({ length: 200 }, () => [new Resampler(16000, 24000), new Resampler(24000, 16000)] as const)
    for (const [up, down] of calls) down.process(up.process(new Int16Array(320)))
    expect(resamplerHeap.bytes.byteLength).toBe(bytes)
    expect(resamplerHeap.generation).toBe(generation)
  })

  test('a business’s call lines and opening hours are built once, not per call', () => {
    const wording = { greeting: 'Hi, {business} here.' }
    const a = callLinesFor('en', 'Clinic A', wording)
    expect(callLinesFor('en', 'Clinic A', wording)).toBe(a)
    expect(a.greeting).toBe('Hi, Clinic A here.')
    expect(callLinesFor('en', 'Clinic B', wording).greeting).toBe('Hi, Clinic B here.')
    expect(callLinesFor('en', 'Clinic A', undefined)).not.toBe(a)
    expect(Object.isFrozen(a)).toBe(true)
    const week = [[], [{ from: 540, to: 1020 }], [], [], [], [], []]
    expect(describeBusinessHours(week)).toBe(describeBusinessHours(week))
  })

  test('a call binds the store to its tenant without building repositories of its own', async () => {
    const store = await Store.open(':memory:')
    try {
      const a = store.forTenant('clinic-a')
      expect(store.forTenant('clinic-a')).toBe(a)
      expect(a.tenant).toBe('clinic-a')
      expect(store.forTenant('clinic-b')).not.toBe(a)
      expect(a.forTenant('clinic-a')).toBe(a)
    } finally {
      await store.close()
    }
  })

  test('every call of a token shares one grant, not a grant and a set of tenants per call', () => {
    const check = grantChecker('shared-token-123', [{ tenant: 'beta', token: 'beta-token-456' }])
    expect(check('Bearer shared-token-123')).toBe(SHARED_GRANT)
    const beta = check('Bearer beta-token-456')
    expect(check('Bearer beta-token-456')).toBe(beta)
    expect(beta && [beta.shared, [...beta.tenants]]).toEqual([false, ['beta']])
    expect(Object.isFrozen(beta)).toBe(true)
    expect(check('Bearer nope-nope-nope')).toBeUndefined()
  })

  test('every call of a business shares one bound continuity', async () => {
    const loaded = loadConfig({})
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
    const store = await Store.open(':memory:')
    try {
      const continuity = new Continuity({ config: loaded.config, store, log: memoryLogger().log, now: Date.now, metrics: continuityMetrics(new MetricsRegistry()), nounOf: () => 'request', wake: () => undefined, dialoutEnabled: false })
      const business = { name: 'Clinic A', language: 'en' as const, wording: {} }
      const a = continuity.forTenant('clinic-a', business)
      expect(continuity.forTenant('clinic-a', business)).toBe(a)
      expect(continuity.forTenant('clinic-a', { ...business })).not.toBe(a)
      expect(continuity.forTenant('clinic-b', business)).not.toBe(a)
      expect(continuity.forTenant('clinic-a')).toBe(continuity.forTenant('clinic-a'))
      expect(continuity.forTenant('clinic-a')).not.toBe(a)
    } finally {
      await store.close()
    }
  })

  test('the call event bus keeps nothing when nobody watches', () => {
    const bus = new CallEventBus()
    const before = liveExtra()
    for (let i = 0; i < 2000; i++) bus.emit({ type: 'line', callId: `c${i}`, at: i, role: 'caller', text: 'x'.repeat(1000) + i, meta: undefined })
    expect(liveExtra() - before).toBeLessThan(200_000)
    expect(bus.watched).toBe(false)
  })
})

describe('what a streaming call keeps, end to end', () => {
  // The real server in this process, 40 calls streaming 24 kHz PCM from the bench's load generator against its fake
  // upstream (own processes); live objects by type after a full collection, per call (scripts/bench/memory.ts). Counts
  // of objects do not depend on timing; the first calls' JIT code and shapes (fixed, not per call) are left out.
  const FIXED = new Set(['FunctionCodeBlock', 'UnlinkedFunctionCodeBlock', 'UnlinkedFunctionExecutable', 'FunctionExecutable', 'Structure', 'StructureRareData', 'SymbolTable', 'ProgramCodeBlock', 'UnlinkedProgramCodeBlock', 'PropertyTable', 'NativeExecutable', 'FunctionRareData', 'ModuleProgramExecutable', 'JSModuleRecord', 'ModuleEnvironment'])
  test('the upgrade request is not kept, and a call holds at most the objects it needs', async () => {
    const { measure } = await import('../../scripts/bench/memory')
    const r = await measure('raw/lpcm16_24', 40, 2, 200)
    expect(r.streaming).toBe(40)
    const per = new Map(r.typesPerCall.map((t) => [t.type, t.perCall]))
    // Elysia's per-socket data held the upgrade's Request, its Headers and cookie proxy for the whole call.
    for (const type of ['Request', 'Headers', 'ProxyObject']) expect(`${type}: ${per.get(type) ?? 0}`).toBe(`${type}: 0`)
    // Strings are left out too: at 40 calls the first calls' own (module and code) strings still show per call.
    const own = r.typesPerCall.filter((t) => !FIXED.has(t.type) && t.type !== 'string')
    const total = own.reduce((a, t) => a + t.perCall, 0)
    // Measured 2026-12-02 at 40 calls: 117 per call (128 with a Map each for timers, responses, play streams and
    // items that are empty most of the time; 154 with a wrapper and closures per upstream socket, phone socket and
    // grant; 186 while the socket kept the upgrade's context).
    // A real count (the sockets, the session, the runtime): a broken measurement would count next to nothing.
    expect(total).toBeGreaterThan(60)
    const seen = own.map((t) => `${t.type} ${t.perCall.toFixed(1)}`).join(', ')
    if (total > 126) throw new Error(`a call keeps ${total.toFixed(0)} objects (bound 126): ${seen}`)
    // Closures: the sockets' handlers are shared functions and prototype methods (32 measured, 45 before).
    const closures = per.get('Function') ?? 0
    if (closures > 36) throw new Error(`a call keeps ${closures.toFixed(1)} closures (bound 36): ${seen}`)
    // Maps exist while they hold something (src/ops/sparse-map.ts): a streaming call's play streams and items, its
    // tasks (5 measured, 12 before), each with its hash table (an empty map that once held an entry keeps it).
    const maps = (per.get('Map') ?? 0) + (per.get('Set') ?? 0)
    if (maps > 8) throw new Error(`a call keeps ${maps.toFixed(1)} maps and sets (bound 8): ${seen}`)
  }, 90_000)
})
