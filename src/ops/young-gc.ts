/**
 * @module ops/young-gc
 * Young (eden) collections paced by the audio the relay moves, instead of left to JSC's own trigger alone.
 *
 * Why: JSC lets the young generation grow to about the size of the heap left after the last full collection. For
 * this server that is 6–9 MB (its code, Elysia, TypeBox, the warm-up's parsers), for a bare relay about 1 MB. So
 * between two collections ours piled up about five times the bare relay's dead frame strings: at 300 μ-law calls
 * about 25 KiB of RSS per call, and each cycle freed and re-faulted that much fresh memory (README, "Stop 5").
 *
 * What: every relayed audio message's length is noted ({@link YoungGcPacer.note}: one add and one compare per
 * frame, no allocation). Once `budgetChars` characters have passed since the last paced collection, one is run
 * after the current batch of socket events (never inside a frame's handler). Each message text is garbage soon
 * after it is relayed, so the young generation holds about the budget's worth of frames (plus their cells) and no
 * more, whatever the format and the number of calls: the pacing follows the traffic, an idle server collects
 * nothing. JSC's own trigger still applies; with the budget far below it, it rarely fires.
 *
 * Pure: the collection and the deferral are effects handed in (`bun:jsc`'s `edenGC` and `setImmediate` in the
 * server, recorded calls in the tests).
 */

export type YoungGcEffects = {
  /** One young collection, now. */
  readonly collect: () => void
  /** Runs `run` once the current batch of events is done. */
  readonly defer: (run: () => void) => void
}

/** What the phone leg tells about each relayed audio message. */
export type AudioMeter = { note(chars: number): void }

/** Notes nothing: the pacing is off (`GC_YOUNG_BUDGET_KIB=0`) or there is no pacer (tests of the legs alone). */
export const NO_AUDIO_METER: AudioMeter = { note() {} }

export class YoungGcPacer implements AudioMeter {
  private since = 0
  private pending = false
  private readonly run = (): void => {
    this.pending = false
    this.since = 0
    this.fx.collect()
  }

  constructor(
    readonly budgetChars: number,
    private readonly fx: YoungGcEffects,
  ) {
    if (!(budgetChars > 0)) throw new RangeError(`YoungGcPacer: budget must be positive, got ${budgetChars}`)
  }

  note(chars: number): void {
    this.since += chars
    if (this.since < this.budgetChars || this.pending) return
    this.pending = true
    this.fx.defer(this.run)
  }
}
