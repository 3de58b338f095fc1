/**
 * @module sim/vaic/pacer
 * Real-time pacing on absolute deadlines: tick n is due at `start + n·periodMs`, so timer lateness never accumulates
 * (a relative `setTimeout(periodMs)` loop drifts by every wake-up's lateness, about 1 ms per 20 ms tick). After a
 * long stall (debugger, blocked event loop, a paused stream) the schedule re-anchors instead of bursting the backlog.
 */

export class Pacer {
  private next: number

  /**
   * @param periodMs time between ticks
   * @param now the clock, in ms (`performance.now` by default)
   * @param maxLagMs behind by more than this, the schedule restarts from now
   * @param sleep waits the given ms (`Bun.sleep` by default; tests pass a fake clock's)
   */
  constructor(
    readonly periodMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxLagMs = 250,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => Bun.sleep(ms),
  ) {
    this.next = this.now()
  }

  /** Restarts the schedule: the next tick is due now. */
  reset(): void {
    this.next = this.now()
  }

  /** Waits for the next deadline (returns at once when it has passed), then schedules the one after it. */
  async tick(): Promise<void> {
    const now = this.now()
    if (now - this.next > this.maxLagMs) this.next = now
    const wait = this.next - now
    this.next += this.periodMs
    if (wait > 0) await this.sleep(wait)
  }
}
