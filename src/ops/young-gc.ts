/**
 * @module ops/young-gc
 * Young (eden) collections paced by the audio the relay moves, instead of left to JSC's own trigger alone.
 *
 * Why: JSC lets the young generation grow to about the size of the heap left after the last full collection. For
 * this server that is 6–9 MB (its code, Elysia, TypeBox, the warm-up's parsers), for a bare relay about 1 MB. So
 * between two collections ours piled up about five times the bare relay's dead frame strings: at 300 μ-law calls
 * about 20 KiB of RSS per call, and each cycle freed and re-faulted that much fresh memory (README, "Stop 5").
 *
 * What: every relayed audio message's length is noted ({@link YoungGcPacer.note}: one add and one compare per
 * frame, no allocation, no clock). Once `budgetChars` characters have passed since the last paced collection, one
 * runs after the current batch of socket events (never inside a frame's handler). Each message text is garbage
 * soon after it is relayed, so the young generation holds about the budget's worth of frames and no more: the
 * pacing follows the traffic, and an idle server collects nothing.
 *
 * Bounded: a young collection's cost grows with the calls alive (their objects are the roots it scans), so the
 * collections may take at most `maxShare` of the time: after one that took d ms the next waits until d ÷ maxShare
 * ms after it began (the run is then scheduled for that moment, not retried per frame). Where the budget would ask
 * for more (many calls of 24 kHz audio), young garbage grows past the budget rather than the relay's CPU with it;
 * JSC's own trigger still applies as before.
 *
 * Pure: the clock, the collection and the scheduling are effects handed in (`bun:jsc`'s `edenGC`, `setImmediate`
 * and `setTimeout` in the server; a recorded clock and queue in the tests).
 */

export type YoungGcEffects = {
  /** One young collection, now. */
  readonly collect: () => void
  /** Monotonic milliseconds. */
  readonly now: () => number
  /** Runs `run` once the current batch of events is done. */
  readonly defer: (run: () => void) => void
  /** Runs `run` in `ms` milliseconds. */
  readonly later: (run: () => void, ms: number) => void
}

/** What the phone leg tells about each relayed audio message. */
export type AudioMeter = { note(chars: number): void }

/** Notes nothing: the pacing is off (`GC_YOUNG_BUDGET_KIB=0`) or there is no pacer (tests of the legs alone). */
export const NO_AUDIO_METER: AudioMeter = { note() {} }

export class YoungGcPacer implements AudioMeter {
  private since = 0
  private pending = false
  /** The earliest time the next paced collection may start (the share bound). */
  private nextAt = 0
  private readonly run = (): void => {
    this.pending = false
    this.since = 0
    const started = this.fx.now()
    this.fx.collect()
    this.nextAt = started + (this.fx.now() - started) / this.maxShare
  }

  constructor(
    readonly budgetChars: number,
    readonly maxShare: number,
    private readonly fx: YoungGcEffects,
  ) {
    if (!(budgetChars > 0)) throw new RangeError(`YoungGcPacer: budget must be positive, got ${budgetChars}`)
    if (!(maxShare > 0 && maxShare <= 1)) throw new RangeError(`YoungGcPacer: share must be in (0, 1], got ${maxShare}`)
  }

  note(chars: number): void {
    this.since += chars
    if (this.since < this.budgetChars || this.pending) return
    this.pending = true
    const wait = this.nextAt - this.fx.now()
    if (wait > 0) this.fx.later(this.run, wait)
    else this.fx.defer(this.run)
  }
}
