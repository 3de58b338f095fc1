/**
 * @module call/phrase-cache
 * The bot's own voice for its fixed lines (issue 20): the first time the model speaks a fixed line (pack or
 * business-file wording, never a caller's data — see {@link SpokenLine}), its audio is kept; the next time the line is
 * due it plays at once, with no model round trip.
 *
 * Two tiers. The store (SQLite, or PostgreSQL shared by every instance) holds entries bounded in total bytes, least
 * recently used evicted. In front of it, an in-memory LRU of the hot entries, read synchronously when a line is due:
 * a call fills it from the store when it starts ({@link PhraseCache.prefetch}), so the audio path never waits for the
 * store. A key the store did not have is not asked again for a while ({@link PhraseMisses}), so a line nobody has
 * spoken yet costs one store read per lifetime, not one per call. Writes go to the store in the background; a failed
 * write is logged and loses nothing but a future hit.
 *
 * The key is a hash of (voice, model, output format, exact text): a changed voice, model or wording misses by
 * construction; {@link PhraseCache.retain} also deletes the entries a configuration change made stale.
 */
import { createHash } from 'node:crypto'
import type { Logger } from '../ops/log'
import type { Counter, MetricsRegistry } from '../ops/metrics'
import type { PhraseEntry, PhrasesRepo } from '../store/phrases-repo'
import type { PhraseMetaRow } from '../store/rows'
import { businessFixedTexts } from './fixed-texts'
import { PhraseMisses } from './phrase-misses'
import { LogThrottle } from '../ops/log-throttle'
import type { Business } from '../config/business/business'
import type { Config } from '../config/schema'

/** What a cached line is for: the voice and model that spoke it, the audio format and the exact words. */
export type PhraseScope = { readonly voice: string; readonly model: string; readonly format: string; readonly text: string }

export const phraseKey = (s: PhraseScope): string => createHash('sha256').update(JSON.stringify([s.voice, s.model, s.format, s.text])).digest('hex')

/** A cached line ready to play: its audio as base64 chunks of about {@link CHUNK_MS}. */
export type CachedPhrase = { readonly key: string; readonly text: string; readonly chunks: readonly string[]; readonly bytes: number }

/** Audio per replayed chunk, as the model sends it. */
export const CHUNK_MS = 100

export type PhraseMetrics = { readonly lookups: Counter; readonly stored: Counter; readonly failures: Counter }

export function phraseMetrics(registry: MetricsRegistry): PhraseMetrics {
  return {
    lookups: registry.counter('fastagent_phrase_cache_lookups_total', 'fixed lines due: played from the phrase cache (hit) or spoken by the model (miss)', ['result']),
    stored: registry.counter('fastagent_phrase_cache_stored_total', 'fixed lines whose model audio was kept in the phrase cache'),
    failures: registry.counter('fastagent_phrase_cache_failures_total', 'phrase cache store reads or writes that failed (the line was spoken by the model)', ['op']),
  }
}

export type PhraseCacheDeps = {
  readonly repo: Pick<PhrasesRepo, 'get' | 'put' | 'list' | 'delete'>
  /** Bound of the store tier in bytes (0 disables the cache). The memory tier holds at most as much. */
  readonly maxBytes: number
  readonly metrics: PhraseMetrics
  readonly log: Logger
  readonly now: () => number
  /** Bounds of the memory of keys the store did not have (default {@link MISS_TTL_MS}, {@link MAX_MISSES}). */
  readonly misses?: { readonly ttlMs: number; readonly maxEntries: number }
}

/** A failing store read is logged at most once a minute (every call start may try one through an outage). */
const READ_FAILURE_LOG_MS = 60_000

/** Bytes of one millisecond of the format's audio. */
export const bytesPerMs = (format: string): number => (format === 'audio/pcmu' ? 8 : 48)

export class PhraseCache {
  /** The memory tier, oldest use first (a Map keeps insertion order: a use moves the entry to the end). */
  private readonly hot = new Map<string, CachedPhrase>()
  private hotBytes = 0
  /** Keys being written: a second capture of the same line while the first write runs is not written twice. */
  private readonly writing = new Set<string>()
  /** Keys recently asked of the store that it did not have, or that a read in flight is fetching. */
  private readonly misses: PhraseMisses
  private readonly readFailures = new LogThrottle(READ_FAILURE_LOG_MS)

  constructor(private readonly d: PhraseCacheDeps) {
    this.misses = new PhraseMisses(d.misses)
  }

  get enabled(): boolean {
    return this.d.maxBytes > 0
  }

  /** The line's audio, when cached in memory (synchronous: called when the line is due). Counts a hit or a miss. */
  lookup(key: string): CachedPhrase | undefined {
    const e = this.hot.get(key)
    this.d.metrics.lookups.inc({ result: e ? 'hit' : 'miss' })
    if (e) {
      this.hot.delete(key)
      this.hot.set(key, e)
    }
    return e
  }

  has(key: string): boolean {
    return this.hot.has(key)
  }

  /**
   * Loads the entries among `keys` that the memory tier lacks from the store (a call starting). Keys the store lacked
   * a moment ago are not asked again, and keys another call's read is fetching wait for that read. Never throws; a
   * failed read counts as a miss for the same lifetime.
   */
  async prefetch(keys: readonly string[]): Promise<void> {
    if (!this.enabled) return
    const now = this.d.now()
    const ask: string[] = []
    const reads = new Set<Promise<void>>()
    for (const k of new Set(keys)) {
      if (this.hot.has(k)) continue
      const r = this.misses.recent(k, now)
      if (r === undefined) ask.push(k)
      else if (r.loading) reads.add(r.loading)
    }
    if (ask.length > 0) reads.add(this.load(ask, now))
    await Promise.all(reads)
  }

  /** The store read in flight for `key`, if one is (a call start's prefetch); undefined when nothing is to wait for. */
  pending(key: string): Promise<void> | undefined {
    return this.hot.has(key) ? undefined : this.misses.recent(key, this.d.now())?.loading
  }

  /** One store read of `keys`, registered before it starts so that concurrent prefetches share it. Never rejects. */
  private load(keys: readonly string[], at: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>()
    this.misses.asking(keys, promise, at)
    const found = new Set<string>()
    void (async () => {
      try {
        for (const row of await this.d.repo.get(keys, at)) {
          this.remember(toCached(row.key, row.text, row.format, row.audio))
          found.add(row.key)
        }
      } catch (err) {
        this.d.metrics.failures.inc({ op: 'read' })
        const t = this.readFailures.take(this.d.now())
        if (t.log) this.d.log.warn('phrase_cache.read_failed', { err, keys: keys.length, suppressed: t.suppressed })
      }
      this.misses.settled(keys, found, promise, this.d.now())
      resolve()
    })()
    return promise
  }

  /**
   * Keeps a line the model just spoke (complete, unheard-of truncation, a fixed line: the caller checked). Memory at
   * once; the store in the background.
   */
  keep(scope: PhraseScope, audio: readonly string[]): void {
    if (!this.enabled || audio.length === 0) return
    const key = phraseKey(scope)
    if (this.hot.has(key) || this.writing.has(key)) return
    const bytes = Buffer.concat(audio.map((b) => Buffer.from(b, 'base64')))
    if (bytes.length === 0 || bytes.length > this.d.maxBytes) return
    const b64 = bytes.toString('base64')
    this.remember(toCached(key, scope.text, scope.format, b64))
    // This process has it now: a miss remembered from before must not hide it once memory evicts it.
    this.misses.clear(key)
    this.d.metrics.stored.inc()
    const entry: PhraseEntry = { key, ...scope, audio: b64, bytes: bytes.length }
    this.writing.add(key)
    const p = this.d.repo
      .put(entry, this.d.maxBytes, this.d.now())
      .then((evicted) => this.d.log.debug('phrase_cache.stored', { key: key.slice(0, 12), bytes: bytes.length, evicted }))
      .catch((err: unknown) => {
        this.d.metrics.failures.inc({ op: 'write' })
        this.d.log.warn('phrase_cache.write_failed', { err })
      })
      .finally(() => {
        this.writing.delete(key)
        this.writes.delete(p)
      })
    this.writes.add(p)
  }

  private readonly writes = new Set<Promise<void>>()

  /** Store writes in flight have settled (shutdown waits for them before the store closes; tests). */
  async idle(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes])
  }

  /**
   * Deletes every entry, in memory and in the store, that `valid` rejects (a voice, model or wording that is no longer
   * configured). Returns how many store entries were deleted. Never throws.
   */
  async retain(valid: (scope: Omit<PhraseScope, 'format'>) => boolean): Promise<number> {
    // The configuration changed: the misses remembered are asked afresh with the rest.
    this.misses.clearAll()
    try {
      const stale = (await this.d.repo.list()).filter((r: PhraseMetaRow) => !valid(r)).map((r) => r.key)
      for (const k of stale) this.forget(k)
      const n = await this.d.repo.delete(stale)
      if (n > 0) this.d.log.info('phrase_cache.invalidated', { entries: n })
      return n
    } catch (err) {
      this.d.metrics.failures.inc({ op: 'invalidate' })
      this.d.log.warn('phrase_cache.invalidate_failed', { err })
      return 0
    }
  }

  /** Bytes in the memory tier (tests, the bench). */
  get memoryBytes(): number {
    return this.hotBytes
  }

  private remember(e: CachedPhrase): void {
    this.forget(e.key)
    this.hot.set(e.key, e)
    this.hotBytes += e.bytes
    for (const [k] of this.hot) {
      if (this.hotBytes <= this.d.maxBytes) break
      this.forget(k)
    }
  }

  private forget(key: string): void {
    const old = this.hot.get(key)
    if (!old) return
    this.hot.delete(key)
    this.hotBytes -= old.bytes
  }
}

/** Splits the audio into chunks of about {@link CHUNK_MS}, whole samples and whole base64 groups (a multiple of 6 bytes). */
function toCached(key: string, text: string, format: string, b64: string): CachedPhrase {
  const bytes = Buffer.from(b64, 'base64')
  const step = Math.max(6, Math.floor((bytesPerMs(format) * CHUNK_MS) / 6) * 6)
  const chunks: string[] = []
  for (let i = 0; i < bytes.length; i += step) chunks.push(bytes.subarray(i, i + step).toString('base64'))
  return { key, text, chunks, bytes: bytes.length }
}

export { FIXED_CALL_LINES, fixedTexts } from './fixed-texts'

/** One call's view of the cache: its voice, model and output format are fixed for the call. */
export type CallPhrases = { readonly cache: PhraseCache; readonly scope: (text: string) => PhraseScope }

export function callPhrases(cache: PhraseCache, s: Omit<PhraseScope, 'text'>): CallPhrases {
  return { cache, scope: (text) => ({ voice: s.voice, model: s.model, format: s.format, text }) }
}

/** What the configuration makes valid now: the configured model, and each business's voice with its fixed lines (task questions included). */
export function phraseValidity(businesses: readonly Business[], config: Pick<Config, 'OPENAI_VOICE' | 'OPENAI_REALTIME_MODEL'>): (s: Omit<PhraseScope, 'format'>) => boolean {
  const valid = new Set<string>()
  for (const b of businesses) {
    const voice = b.voice ?? config.OPENAI_VOICE
    for (const text of businessFixedTexts(b)) valid.add(JSON.stringify([voice, text]))
  }
  return (s) => s.model === config.OPENAI_REALTIME_MODEL && valid.has(JSON.stringify([s.voice, s.text]))
}
