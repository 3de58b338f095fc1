/**
 * @module ops/log-throttle
 * One log line per interval for a failure that can repeat at every call (a store read failing through an outage):
 * the first is logged, the repeats within the interval are only counted, and the next line says how many there were.
 * Metrics still count every one.
 */
export class LogThrottle {
  private next = Number.NEGATIVE_INFINITY
  private held = 0

  constructor(private readonly everyMs: number) {}

  /** Whether to log now; when so, how many were held back since the last line. */
  take(now: number): { readonly log: true; readonly suppressed: number } | { readonly log: false } {
    if (now < this.next) {
      this.held++
      return { log: false }
    }
    const suppressed = this.held
    this.held = 0
    this.next = now + this.everyMs
    return { log: true, suppressed }
  }
}
