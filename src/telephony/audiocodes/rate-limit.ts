/**
 * @module telephony/audiocodes/rate-limit
 * Per-client-IP budget of FAILED authentications over a sliding minute. VoiceAI Connect (and any reverse proxy)
 * connects from a handful of addresses, so authorized upgrades are never counted here: they are bounded by
 * MAX_CONCURRENT_CALLS and the overload policy instead. A client guessing tokens (or a scanner) is turned away with
 * 429 before any state exists. Memory is bounded: stale entries are swept as time passes.
 */
export class AuthFailureLimiter {
  private readonly hits = new Map<string, number[]>()
  private readonly seen = new WeakSet<object>()
  private lastSweep = 0

  constructor(private readonly perMinute: number, private readonly now: () => number = Date.now) {}

  /**
   * Counts one failed authentication from `ip`; false once the budget of the last minute is spent. The same
   * `request` object counts once, however often it is asked about (Elysia runs an upgrade's hook twice).
   */
  failure(ip: string, request?: object): boolean {
    const t = this.now()
    if (t - this.lastSweep > 60_000) this.sweep(t)
    let list = this.hits.get(ip)
    if (!list) this.hits.set(ip, (list = []))
    while (list.length > 0 && (list[0] ?? 0) <= t - 60_000) list.shift()
    if (request && this.seen.has(request)) return list.length <= this.perMinute
    if (list.length >= this.perMinute) return false
    list.push(t)
    if (request) this.seen.add(request)
    return true
  }

  /** Whether `ip` has spent its budget (nothing is counted): a right token is refused too while it has. */
  exhausted(ip: string): boolean {
    const t = this.now()
    const list = this.hits.get(ip)
    return list !== undefined && list.filter((at) => at > t - 60_000).length >= this.perMinute
  }

  private sweep(t: number): void {
    this.lastSweep = t
    for (const [ip, list] of this.hits) if ((list[list.length - 1] ?? 0) <= t - 60_000) this.hits.delete(ip)
  }
}
