/**
 * @module sim/vaic/voice-queue
 * What the simulated caller is about to say: utterances (and explicit pauses) queued as PCM16 at the user stream's
 * rate, taken chunk by chunk by the user-stream pump. Each utterance's promise settles once its last sample has been
 * handed to the socket, or when the queue is cleared (hang-up, drop) with what was actually sent.
 */

export type SayResult = {
  /** Milliseconds of this utterance that were sent to the bot. */
  readonly sentMs: number
  /** False when the call ended (or the user stream could not start) before all of it was sent. */
  readonly complete: boolean
}

type Segment = {
  readonly samples: Int16Array
  pos: number
  readonly resolve: (r: SayResult) => void
}

export class VoiceQueue {
  private readonly segments: Segment[] = []
  private wakers: (() => void)[] = []

  constructor(private readonly rate: number) {}

  get pendingSamples(): number {
    let n = 0
    for (const s of this.segments) n += s.samples.length - s.pos
    return n
  }

  get empty(): boolean {
    return this.segments.length === 0
  }

  push(samples: Int16Array): Promise<SayResult> {
    const { promise, resolve } = Promise.withResolvers<SayResult>()
    if (samples.length === 0) {
      resolve({ sentMs: 0, complete: true })
      return promise
    }
    this.segments.push({ samples, pos: 0, resolve })
    this.wakeAll()
    return promise
  }

  /** Resolves when something is queued (at once if something already is). */
  waitForAudio(): Promise<void> {
    if (!this.empty) return Promise.resolve()
    return new Promise<void>((resolve) => this.wakers.push(resolve))
  }

  /** Wakes every pending {@link waitForAudio} without audio (the pump is stopping). */
  interrupt(): void {
    this.wakeAll()
  }

  private wakeAll(): void {
    for (const wake of this.wakers.splice(0)) wake()
  }

  /**
   * Up to `n` samples from the head of the queue, spanning utterances. With `pad`, the chunk is filled up to `n` with
   * silence (a real-time stream never sends short frames); without it an empty queue gives undefined. The returned
   * `done` callbacks settle the utterances this chunk completes: call them after the chunk was sent.
   */
  take(n: number, pad: boolean): { samples: Int16Array; done: () => void } | undefined {
    if (this.empty && !pad) return undefined
    const out = new Int16Array(pad ? n : Math.min(n, this.pendingSamples))
    let filled = 0
    const finished: Segment[] = []
    while (filled < out.length && this.segments.length > 0) {
      const s = this.segments[0]!
      const k = Math.min(out.length - filled, s.samples.length - s.pos)
      out.set(s.samples.subarray(s.pos, s.pos + k), filled)
      s.pos += k
      filled += k
      if (s.pos >= s.samples.length) finished.push(this.segments.shift()!)
    }
    return {
      samples: out,
      done: () => {
        for (const s of finished) s.resolve({ sentMs: this.ms(s.samples.length), complete: true })
      },
    }
  }

  /** Drops everything queued; each utterance learns how much of it was sent. */
  clear(): void {
    for (const s of this.segments.splice(0)) s.resolve({ sentMs: this.ms(s.pos), complete: false })
    this.wakeAll()
  }

  private ms(samples: number): number {
    return (samples * 1000) / this.rate
  }
}
