/**
 * @module telephony/audiocodes/rate-limit
 * Per-client-IP upgrade budget over a sliding minute. A misbehaving peer (or a scanner) opening sockets in a loop is
 * turned away with 429 before any state exists. Memory is bounded: stale entries are swept as time passes.
 */
export class UpgradeRateLimiter {
  private readonly hits = new Map<string, number[]>()
  private readonly seen = new WeakSet<object>()
  private lastSweep = 0

  constructor(private readonly perMinute: number, private readonly now: () => number = Date.now) {}

  /** Counts one upgrade for `ip`. The same `request` object counts once, however often it is asked about. */
  allow(ip: string, request?: object): boolean {
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

  private sweep(t: number): void {
    this.lastSweep = t
    for (const [ip, list] of this.hits) if ((list[list.length - 1] ?? 0) <= t - 60_000) this.hits.delete(ip)
  }
}
