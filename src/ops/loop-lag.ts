/**
 * @module ops/loop-lag
 * Event-loop lag: how late a 20 ms timer fires. Every call shares this one loop, so its lag is the delay the next
 * audio frame will see. When the MEDIAN lag over the last few seconds passes the limit the process is saturated —
 * most ticks are late, not just one GC pause or a start-up burst — and new calls are refused (overload by policy)
 * rather than making every live call worse. The p99 is exported for dashboards.
 */

export class LoopLagMonitor {
  private readonly samples: Float64Array
  private next = 0
  private filled = 0
  private timer: ReturnType<typeof setInterval> | undefined
  private expected = 0

  constructor(
    private readonly limitMs: number,
    private readonly intervalMs = 20,
    windowMs = 3000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.samples = new Float64Array(Math.max(10, Math.round(windowMs / intervalMs)))
  }

  start(): void {
    if (this.timer) return
    this.expected = this.now() + this.intervalMs
    this.timer = setInterval(() => this.tick(), this.intervalMs)
    this.timer.unref?.()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** Records one observation (called by the timer; tests call it directly). */
  record(lagMs: number): void {
    this.samples[this.next] = Math.max(0, lagMs)
    this.next = (this.next + 1) % this.samples.length
    if (this.filled < this.samples.length) this.filled++
  }

  /** p99 of the lag over the window, in ms. */
  get p99(): number {
    return this.quantile(0.99)
  }

  /** Median lag over the window, in ms. */
  get p50(): number {
    return this.quantile(0.5)
  }

  /** Saturated: the median tick over a filled window is later than the limit. */
  get overloaded(): boolean {
    return this.filled >= this.samples.length / 2 && this.p50 > this.limitMs
  }

  private quantile(q: number): number {
    if (this.filled === 0) return 0
    const sorted = Array.from(this.samples.subarray(0, this.filled)).sort((a, b) => a - b)
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0
  }

  private tick(): void {
    const t = this.now()
    this.record(t - this.expected)
    this.expected = t + this.intervalMs
  }
}
