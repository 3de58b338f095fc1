/**
 * @module call/phrase-misses
 * What the phrase cache recently asked the store for (issue 20's leftover). A fixed line nobody has spoken yet is in
 * no store, and without this memory every call start asked for it again: one store query per call, until the line was
 * first spoken. A key asked is not asked again for a while — a miss (or a failed read) is remembered for `ttlMs`, long
 * enough that call starts stop querying, short enough that audio another instance stores meanwhile is found soon
 * after — and a key being read is not read twice at once: concurrent call starts share the read in flight. Bounded in
 * entries, oldest out. Pure bookkeeping: the cache does the I/O.
 */

/** How long a key the store did not have is not asked again. */
export const MISS_TTL_MS = 30_000
/** At most this many keys remembered (a business has a few dozen fixed lines per voice and format). */
export const MAX_MISSES = 4096

type Asked = { readonly until: number; readonly loading: Promise<void> | undefined }

export class PhraseMisses {
  /** Oldest first (each write re-inserts), so expiry and the bound both trim from the front. */
  private readonly asked = new Map<string, Asked>()

  constructor(private readonly o: { readonly ttlMs: number; readonly maxEntries: number } = { ttlMs: MISS_TTL_MS, maxEntries: MAX_MISSES }) {}

  /**
   * Whether `key` was asked recently: undefined to ask the store now; else the read in flight to wait for, or
   * `loading: undefined` for a remembered miss.
   */
  recent(key: string, now: number): { readonly loading: Promise<void> | undefined } | undefined {
    const e = this.asked.get(key)
    return e !== undefined && e.until > now ? e : undefined
  }

  /** `keys` are being read (`loading` settles when the read did). A read that hangs past the lifetime is asked again. */
  asking(keys: readonly string[], loading: Promise<void>, now: number): void {
    for (const k of keys) this.put(k, { until: now + this.o.ttlMs, loading })
    this.trim(now)
  }

  /**
   * The read `loading` settled: the keys in `found` are cached now, the rest missed (or the read failed) and are not
   * asked again until the lifetime passes. A key whose entry another read, a store of its own or a clear replaced
   * meanwhile is left as that made it.
   */
  settled(keys: readonly string[], found: ReadonlySet<string>, loading: Promise<void>, now: number): void {
    for (const k of keys) {
      if (this.asked.get(k)?.loading !== loading) continue
      if (found.has(k)) this.asked.delete(k)
      else this.put(k, { until: now + this.o.ttlMs, loading: undefined })
    }
    this.trim(now)
  }

  /** This process has the key's audio (it stored the line itself): no entry stands in the way of it. */
  clear(key: string): void {
    this.asked.delete(key)
  }

  /** A configuration change: everything is asked afresh. */
  clearAll(): void {
    this.asked.clear()
  }

  get size(): number {
    return this.asked.size
  }

  private put(key: string, e: Asked): void {
    this.asked.delete(key)
    this.asked.set(key, e)
  }

  private trim(now: number): void {
    for (const [k, e] of this.asked) {
      if (e.until > now && this.asked.size <= this.o.maxEntries) break
      this.asked.delete(k)
    }
  }
}
