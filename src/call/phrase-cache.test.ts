import { afterEach, describe, expect, test } from 'bun:test'
import { Store } from '../store/store'
import { MetricsRegistry } from '../ops/metrics'
import { createLogger } from '../ops/log'
import { heardPrefix } from './call-session'
import { CHUNK_MS, PhraseCache, phraseKey, phraseMetrics, phraseValidity, type PhraseCacheDeps, type PhraseScope } from './phrase-cache'
import { MISS_TTL_MS } from './phrase-misses'
import { ManualClock } from '../ops/clock'
import { LogThrottle } from '../ops/log-throttle'
import type { PhraseRow } from '../store/rows'
import { businessFromEnv } from '../config/business/from-env'
import { loadConfig } from '../config/load'
import { businessOf, clinic } from '../../test/kit/clinic'

const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

async function setup(maxBytes: number, repo?: ConstructorParameters<typeof PhraseCache>[0]['repo']) {
  const store = await Store.open(':memory:')
  stores.push(store)
  const registry = new MetricsRegistry()
  let t = 1000
  const cache = new PhraseCache({ repo: repo ?? store.phrases, maxBytes, metrics: phraseMetrics(registry), log: createLogger({ level: 'silent' }), now: () => ++t })
  return { store, cache, registry }
}

const scope = (text: string, voice = 'marin'): PhraseScope => ({ voice, model: 'gpt-realtime', format: 'audio/pcmu', text })
/** `ms` of μ-law (8 bytes a millisecond) as model deltas of 100 ms. */
const audio = (ms: number, fill = 0x55) => Array.from({ length: Math.ceil(ms / 100) }, (_, i) => Buffer.alloc(Math.min(800, ms * 8 - i * 800), fill + i).toString('base64'))

describe('PhraseCache', () => {
  test('the key covers voice, model, format and the exact text', () => {
    const keys = new Set([scope('Hello.'), scope('Hello. '), scope('hello.'), scope('Hello.', 'cedar'), { ...scope('Hello.'), model: 'gpt-realtime-mini' }, { ...scope('Hello.'), format: 'audio/pcm' }].map(phraseKey))
    expect(keys.size).toBe(6)
    expect(phraseKey(scope('Hello.'))).toBe(phraseKey(scope('Hello.')))
  })

  test('kept audio replays as the same bytes in chunks of about 100 ms; lookups count hits and misses', async () => {
    const { cache, registry, store } = await setup(1 << 20)
    const key = phraseKey(scope('Hello.'))
    expect(cache.lookup(key)).toBeUndefined()
    const a = audio(1234)
    cache.keep(scope('Hello.'), a)
    const hit = cache.lookup(key)!
    expect(Buffer.concat(hit.chunks.map((c) => Buffer.from(c, 'base64'))).equals(Buffer.concat(a.map((c) => Buffer.from(c, 'base64'))))).toBe(true)
    expect(hit.chunks.length).toBe(Math.ceil(1234 / CHUNK_MS))
    for (const c of hit.chunks.slice(0, -1)) expect(Buffer.from(c, 'base64').length % 6).toBe(0)
    expect(registry.render()).toContain('fastagent_phrase_cache_lookups_total{result="hit"} 1')
    expect(registry.render()).toContain('fastagent_phrase_cache_lookups_total{result="miss"} 1')
    // The store has it too (written in the background), so another instance's call can prefetch it.
    await cache.idle()
    expect((await store.phrases.list()).map((r) => [r.text, r.bytes])).toEqual([['Hello.', 1234 * 8]])
  })

  test('another instance (a second cache on the same store) finds the line once a call prefetches it', async () => {
    const { cache, store } = await setup(1 << 20)
    cache.keep(scope('Hello.'), audio(300))
    await cache.idle()
    const other = new PhraseCache({ repo: store.phrases, maxBytes: 1 << 20, metrics: phraseMetrics(new MetricsRegistry()), log: createLogger({ level: 'silent' }), now: () => 5000 })
    const key = phraseKey(scope('Hello.'))
    expect(other.has(key)).toBe(false)
    await other.prefetch([key, phraseKey(scope('Missing.'))])
    expect(other.lookup(key)?.bytes).toBe(2400)
  })

  test('the memory tier stays within the bound, least recently used out; a line larger than the bound is not kept', async () => {
    const { cache } = await setup(5000)
    cache.keep(scope('A'), audio(250)) // 2000 bytes
    cache.keep(scope('B'), audio(250))
    cache.lookup(phraseKey(scope('A'))) // A is now the most recent
    cache.keep(scope('C'), audio(250)) // 6000 > 5000: B goes
    expect([cache.has(phraseKey(scope('A'))), cache.has(phraseKey(scope('B'))), cache.has(phraseKey(scope('C')))]).toEqual([true, false, true])
    expect(cache.memoryBytes).toBe(4000)
    cache.keep(scope('Huge'), audio(700))
    expect(cache.has(phraseKey(scope('Huge')))).toBe(false)
    await cache.idle()
  })

  test('off (0 bytes): nothing kept, nothing counted', async () => {
    const { cache, registry, store } = await setup(0)
    cache.keep(scope('Hello.'), audio(300))
    await cache.idle()
    expect(cache.enabled).toBe(false)
    expect(await store.phrases.list()).toEqual([])
    expect(registry.counterTotal('fastagent_phrase_cache_stored_total')).toBe(0)
  })

  test('retain deletes what the configuration no longer makes valid, in memory and in the store', async () => {
    const { cache, store } = await setup(1 << 20)
    const loaded = loadConfig({ OPENAI_VOICE: 'marin', BUSINESS_NAME: 'Acme Dental' })
    if (!loaded.ok) throw new Error('config')
    const business = businessFromEnv(loaded.config)
    const greeting = 'Hello, thank you for calling Acme Dental. How can I help you today?'
    cache.keep(scope(greeting), audio(300))
    cache.keep(scope(greeting, 'cedar'), audio(300))
    cache.keep(scope('An old greeting.'), audio(300))
    await cache.idle()
    expect(await cache.retain(phraseValidity([business], loaded.config))).toBe(2)
    expect((await store.phrases.list()).map((r) => [r.voice, r.text])).toEqual([['marin', greeting]])
    expect(cache.has(phraseKey(scope(greeting, 'cedar')))).toBe(false)
    expect(cache.has(phraseKey(scope(greeting)))).toBe(true)
  })

  test('retain keeps the task questions of the business (pack and declared asks) and drops a declared ask that changed', async () => {
    const { cache, store } = await setup(1 << 20)
    const loaded = loadConfig({ OPENAI_VOICE: 'marin' })
    if (!loaded.ok) throw new Error('config')
    const form = (ask: string) => businessOf(clinic('http://127.0.0.1:9').replace('What is your full name?', ask))
    for (const t of ['What time would you like?', 'Um wie viel Uhr möchten Sie kommen?', 'What is your full name?', 'Which medication do you need?']) cache.keep(scope(t), audio(300))
    await cache.idle()
    // The clinic speaks English: its pack questions and its form's asks stay; another language's question goes.
    expect(await cache.retain(phraseValidity([form('What is your full name?')], loaded.config))).toBe(1)
    expect((await store.phrases.list()).map((r) => r.text).sort()).toEqual(['What is your full name?', 'What time would you like?', 'Which medication do you need?'])
    // The business file words the question anew: the old wording's entry goes.
    expect(await cache.retain(phraseValidity([form('May I have your full name?')], loaded.config))).toBe(1)
    expect((await store.phrases.list()).map((r) => r.text).sort()).toEqual(['What time would you like?', 'Which medication do you need?'])
  })

  test('a store that fails: the line is simply not shared, nothing throws, the failure is counted', async () => {
    const broken = { get: () => Promise.reject(new Error('db down')), put: () => Promise.reject(new Error('db down')), list: () => Promise.reject(new Error('db down')), delete: () => Promise.reject(new Error('db down')) }
    const { cache, registry } = await setup(1 << 20, broken)
    cache.keep(scope('Hello.'), audio(300))
    await cache.idle()
    await cache.prefetch([phraseKey(scope('Other.'))])
    expect(await cache.retain(() => false)).toBe(0)
    // Still served from memory in this instance.
    expect(cache.lookup(phraseKey(scope('Hello.')))).toBeDefined()
    expect(registry.render()).toContain('fastagent_phrase_cache_failures_total{op="write"} 1')
    expect(registry.render()).toContain('fastagent_phrase_cache_failures_total{op="read"} 1')
    expect(registry.render()).toContain('fastagent_phrase_cache_failures_total{op="invalidate"} 1')
  })
})

describe('heardPrefix: what the caller heard of a cached line, at a word boundary', () => {
  const line = 'Is there anything else I can help you with today?'
  test('cuts back to the last whole word', () => {
    expect(heardPrefix(line, 0.45)).toBe('Is there anything else')
    expect(heardPrefix(line, 0.5)).toBe('Is there anything else I')
    expect(heardPrefix(line, 0.24)).toBe('Is there')
    expect(heardPrefix(line, 1)).toBe(line)
    expect(heardPrefix(line, 2)).toBe(line)
  })
  test('nothing heard, or not even the first word: empty', () => {
    expect(heardPrefix(line, 0)).toBe('')
    expect(heardPrefix(line, 0.02)).toBe('')
    expect(heardPrefix(line, -1)).toBe('')
  })
})

/** A cache on a real store whose phrase reads are counted (each `get` the keys it asked), on a clock moved by hand. */
async function counted(o: { maxBytes?: number; misses?: { ttlMs: number; maxEntries: number }; get?: (keys: readonly string[], at: number) => Promise<PhraseRow[]>; sink?: (line: string) => void } = {}) {
  const store = await Store.open(':memory:')
  stores.push(store)
  const clock = new ManualClock(10_000)
  const reads: string[][] = []
  const repo: PhraseCacheDeps['repo'] = {
    get: (keys, at) => {
      reads.push([...keys])
      return o.get ? o.get(keys, at) : store.phrases.get(keys, at)
    },
    put: (e, max, at) => store.phrases.put(e, max, at),
    list: () => store.phrases.list(),
    delete: (keys) => store.phrases.delete(keys),
  }
  const registry = new MetricsRegistry()
  const deps = { maxBytes: o.maxBytes ?? 1 << 20, metrics: phraseMetrics(registry), log: createLogger({ level: o.sink ? 'warn' : 'silent', ...(o.sink ? { sink: o.sink } : {}) }), now: () => clock.now() }
  const cache = new PhraseCache({ ...deps, repo, ...(o.misses ? { misses: o.misses } : {}) })
  /** Another instance on the same store (its reads not counted). */
  const other = () => new PhraseCache({ ...deps, repo: store.phrases, metrics: phraseMetrics(new MetricsRegistry()) })
  /** How many reads asked for `text`'s key. */
  const readsOf = (text: string) => reads.filter((r) => r.includes(phraseKey(scope(text)))).length
  return { store, cache, clock, reads, readsOf, registry, other }
}

/** The keys a call start prefetches, here a handful of lines. */
const lines = ['Hello.', 'Are you still there?', 'Goodbye.']
const keys = lines.map((t) => phraseKey(scope(t)))

describe('PhraseCache: keys the store did not have are not asked again for a while', () => {
  test('a line never spoken is read once across call starts within the lifetime, and again after it', async () => {
    const { cache, clock, readsOf, reads } = await counted()
    for (let call = 0; call < 5; call++) {
      await cache.prefetch(keys)
      clock.advance(1000)
    }
    expect(readsOf('Are you still there?')).toBe(1)
    expect(reads).toHaveLength(1)
    clock.advance(MISS_TTL_MS)
    await cache.prefetch(keys)
    expect(readsOf('Are you still there?')).toBe(2)
    expect(reads).toHaveLength(2)
  })

  test('call starts at the same moment share one read', async () => {
    const { cache, reads } = await counted()
    await Promise.all(Array.from({ length: 8 }, () => cache.prefetch(keys)))
    expect(reads).toHaveLength(1)
  })

  test('a line another instance stores is found once the lifetime passes', async () => {
    const { cache, clock, readsOf, other } = await counted()
    await cache.prefetch(keys)
    const b = other()
    b.keep(scope('Are you still there?'), audio(300))
    await b.idle()
    clock.advance(MISS_TTL_MS / 2)
    await cache.prefetch(keys)
    expect(readsOf('Are you still there?')).toBe(1)
    expect(cache.has(keys[1]!)).toBe(false)
    clock.advance(MISS_TTL_MS / 2)
    await cache.prefetch(keys)
    expect(readsOf('Are you still there?')).toBe(2)
    expect(cache.lookup(keys[1]!)?.bytes).toBe(2400)
  })

  test('storing the line here clears its miss at once: once memory evicts it, the next call start reads it from the store', async () => {
    const { cache, readsOf } = await counted({ maxBytes: 5000 })
    await cache.prefetch(keys)
    cache.keep(scope('Hello.'), audio(250)) // 2000 bytes
    cache.keep(scope('B'), audio(250))
    cache.keep(scope('C'), audio(250)) // 6000 > 5000: Hello. leaves memory
    await cache.idle()
    expect(cache.has(keys[0]!)).toBe(false)
    // Same moment, well within the lifetime of the miss remembered before the line was kept.
    await cache.prefetch(keys)
    expect(readsOf('Hello.')).toBe(2)
    expect(readsOf('Goodbye.')).toBe(1)
    expect(cache.has(keys[0]!)).toBe(true)
  })

  test('a configuration change (retain) asks every remembered miss afresh', async () => {
    const { cache, readsOf } = await counted()
    await cache.prefetch(keys)
    await cache.retain(() => true)
    await cache.prefetch(keys)
    expect(readsOf('Goodbye.')).toBe(2)
  })

  test('the memory of misses is bounded: the oldest are forgotten and asked again', async () => {
    const { cache, readsOf } = await counted({ misses: { ttlMs: MISS_TTL_MS, maxEntries: 2 } })
    for (const k of keys) await cache.prefetch([k])
    // Three misses, room for two: the first is forgotten, the last two are still remembered.
    await cache.prefetch(keys.slice(1))
    expect([readsOf('Hello.'), readsOf('Are you still there?'), readsOf('Goodbye.')]).toEqual([1, 1, 1])
    await cache.prefetch(keys.slice(0, 1))
    expect(readsOf('Hello.')).toBe(2)
  })

  test('a failing store: a failed read counts as a miss for the lifetime, is logged once a minute, and never throws', async () => {
    const logged: string[] = []
    const { cache, clock, reads, registry } = await counted({ get: () => Promise.reject(new Error('db down')), sink: (l) => logged.push(l) })
    for (let call = 0; call < 3; call++) {
      await cache.prefetch(keys)
      clock.advance(MISS_TTL_MS) // every call start asks again: the store fails each time
    }
    expect(reads).toHaveLength(3)
    expect(registry.render()).toContain('fastagent_phrase_cache_failures_total{op="read"} 3')
    const failed = logged.map((l) => JSON.parse(l) as { event: string; suppressed?: number }).filter((l) => l.event === 'phrase_cache.read_failed')
    // At 0 s, 30 s (held back), 60 s (logged, saying one was held back).
    expect(failed.map((l) => l.suppressed)).toEqual([0, 1])
  })

  test('a read that hangs: call starts meanwhile wait on it rather than asking again; past the lifetime it is asked again', async () => {
    const hung = Promise.withResolvers<PhraseRow[]>()
    const { cache, clock, reads } = await counted({ get: () => hung.promise })
    let settled = 0
    void cache.prefetch(keys).then(() => settled++)
    void cache.prefetch(keys).then(() => settled++)
    expect(reads).toHaveLength(1)
    clock.advance(MISS_TTL_MS)
    void cache.prefetch(keys).then(() => settled++)
    expect(reads).toHaveLength(2)
    hung.reject(new Error('connection lost'))
    await cache.prefetch([])
    await Bun.sleep(0)
    expect(settled).toBe(3)
  })
})

test('pending: the read in flight for a key, what the greeting waits for a moment; nothing once it is in memory or a known miss', async () => {
  const slow = Promise.withResolvers<void>()
  const { cache, store, other } = await counted({
    get: async (keys, at) => {
      await slow.promise
      return store.phrases.get(keys, at)
    },
  })
  const b = other()
  b.keep(scope('Hello.'), audio(300))
  await b.idle()
  expect(cache.pending(keys[0]!)).toBeUndefined()
  const loaded = cache.prefetch(keys)
  const read = cache.pending(keys[0]!)
  expect(read).toBeDefined()
  slow.resolve()
  await read
  await loaded
  // In memory now, and the others are misses remembered: nothing to wait for.
  expect(cache.has(keys[0]!)).toBe(true)
  expect(keys.map((k) => cache.pending(k))).toEqual([undefined, undefined, undefined])
})

describe('LogThrottle', () => {
  test('the first line logs; repeats within the interval are held back and counted on the next line', () => {
    const t = new LogThrottle(1000)
    expect([t.take(0), t.take(10), t.take(999), t.take(1000), t.take(1500), t.take(2000)]).toEqual([
      { log: true, suppressed: 0 },
      { log: false },
      { log: false },
      { log: true, suppressed: 2 },
      { log: false },
      { log: true, suppressed: 1 },
    ])
  })
})
