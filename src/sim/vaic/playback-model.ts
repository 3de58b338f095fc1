/**
 * @module sim/vaic/playback-model
 * The caller's loudspeaker, modelled in time: VoiceAI Connect plays each play stream at 1× from the arrival of its
 * first chunk, streams back to back in the order they were opened. A stream whose audio arrives slower than real
 * time stalls (the caller hears a gap) and continues when more audio comes. Barge-in throws away whatever is queued
 * and not yet heard; a hang-up cuts everything. The model is pure: every method takes the current time, so tests
 * drive it with a fake clock and the simulator with the wall clock. It is advanced lazily to each event's time, which
 * is exact because nothing changes between events.
 */

export type CutReason = 'barge-in' | 'hangup' | 'transfer'

type Entry = {
  readonly id: string
  /** Milliseconds of audio received (the whole stream, including any received after a cut). */
  receivedMs: number
  /** Milliseconds of audio the caller has heard. */
  heardMs: number
  /** Audio that can still be played: received before any cut. */
  playableMs: number
  stopped: boolean
  hasAudio: boolean
  cut: CutReason | undefined
  cutAt: number | undefined
  done: boolean
  doneAt: number | undefined
}

export type Finished = { readonly id: string; readonly at: number; readonly heardMs: number; readonly cut: CutReason | undefined }

export class PlaybackModel {
  private readonly entries: Entry[] = []
  private readonly byId = new Map<string, Entry>()
  private readonly finished: Finished[] = []
  /** The time the model has been advanced to. */
  private clock: number

  constructor(start: number) {
    this.clock = start
  }

  /** `playStream.start`: the stream joins the queue; it starts playing when its first audio arrives. */
  open(id: string, now: number): void {
    this.advance(now)
    if (this.byId.has(id)) return
    const e: Entry = { id, receivedMs: 0, heardMs: 0, playableMs: 0, stopped: false, hasAudio: false, cut: undefined, cutAt: undefined, done: false, doneAt: undefined }
    this.entries.push(e)
    this.byId.set(id, e)
  }

  /** `playStream.chunk` worth `ms` of audio. Audio for a cut stream is counted but never played. */
  audio(id: string, ms: number, now: number): void {
    this.advance(now)
    const e = this.byId.get(id)
    if (!e || e.stopped) return
    e.receivedMs += ms
    e.hasAudio = true
    if (e.cut === undefined) e.playableMs += ms
  }

  /** `playStream.stop`: no more audio; the stream finishes when what is queued has been heard. */
  stop(id: string, now: number): void {
    this.advance(now)
    const e = this.byId.get(id)
    if (!e || e.stopped) return
    e.stopped = true
    this.advance(now)
  }

  /**
   * Discards the unheard audio of every stream that has audio and has not finished (what VAIC does on barge-in, and
   * what a hang-up does to the line). Returns the streams cut, with what had been heard of each.
   */
  cut(reason: CutReason, now: number): { id: string; heardMs: number }[] {
    this.advance(now)
    const cut: { id: string; heardMs: number }[] = []
    for (const e of this.entries) {
      if (e.done || e.cut !== undefined || !e.hasAudio) continue
      e.cut = reason
      e.cutAt = now
      e.playableMs = e.heardMs
      cut.push({ id: e.id, heardMs: e.heardMs })
    }
    this.advance(now)
    return cut
  }

  /** True while some stream that has begun (has audio) is neither finished nor cut: the caller hears the bot. */
  playing(now: number): boolean {
    this.advance(now)
    return this.entries.some((e) => !e.done && e.cut === undefined && e.hasAudio && (e.heardMs < e.playableMs || !e.stopped))
  }

  /** True when every stream opened so far has finished (nothing open, nothing queued). */
  idle(now: number): boolean {
    this.advance(now)
    return this.entries.every((e) => e.done)
  }

  heardMs(id: string, now: number): number {
    this.advance(now)
    return this.byId.get(id)?.heardMs ?? 0
  }

  receivedMs(id: string): number {
    return this.byId.get(id)?.receivedMs ?? 0
  }

  cutOf(id: string): { reason: CutReason; at: number } | undefined {
    const e = this.byId.get(id)
    return e?.cut !== undefined && e.cutAt !== undefined ? { reason: e.cut, at: e.cutAt } : undefined
  }

  /** When the head stream will finish if nothing else arrives (to arm a timer); undefined while it is still open. */
  nextFinishAt(): number | undefined {
    const head = this.entries.find((e) => !e.done)
    if (!head || !head.stopped) return undefined
    return this.clock + Math.max(0, head.playableMs - head.heardMs)
  }

  /** Streams that finished playing since the last call, in order, each with the instant it finished. */
  takeFinished(): Finished[] {
    return this.finished.splice(0)
  }

  /**
   * Plays forward to `now`. The head stream plays while it has audio; if it runs dry while still open, the time is
   * lost (silence on the line). A stopped stream whose audio has all been heard is finished and the next one starts
   * from that instant.
   */
  advance(now: number): void {
    let t = this.clock
    // Time never runs backwards (two events may carry the same instant).
    if (now < t) now = t
    for (const e of this.entries) {
      if (e.done) continue
      const play = Math.min(e.playableMs - e.heardMs, now - t)
      if (play > 0) {
        e.heardMs += play
        t += play
      }
      if (e.stopped && e.heardMs >= e.playableMs) {
        e.done = true
        // A stream cut earlier ended when it was cut (its audio stopped there) unless the playhead is later.
        e.doneAt = e.cutAt !== undefined ? Math.max(t, e.cutAt) : t
        this.finished.push({ id: e.id, at: e.doneAt, heardMs: e.heardMs, cut: e.cut })
        continue
      }
      // The head is open and dry (or waiting for its first chunk): the rest of the interval is silence.
      break
    }
    this.clock = now
  }
}
