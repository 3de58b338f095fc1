/**
 * @module call/playback-controller
 * The bot's side of the audio: one VoiceAI Connect play stream per model output item, the estimate of what the caller
 * has heard (VAIC never acknowledges playback), and barge-in — stop playback, tell the model where its item was cut
 * (`conversation.item.truncate`, or delete an item nobody heard), and drop the late deltas of the cut response.
 *
 * Only audio the phone leg actually took counts as sent: a chunk shed under overload (socket backlog over its limit)
 * never plays, so counting it would move the truncation point past what the caller heard.
 */
import { mapDrop, mapPut, setAdd, setDrop } from '../ops/sparse-map'
import type { AcMediaFormat } from '../audio/formats'
import type { Converter } from '../audio/transcoder'
import { PlayoutTracker } from '../audio/playout'

/** What the controller needs from the phone leg. */
export interface PlaybackLeg {
  /** Opens a play stream and returns its id. */
  startPlay(mediaFormat: AcMediaFormat): string
  /** False when the chunk was not sent (no stream, no socket, or shed under overload). */
  playChunk(b64: string): boolean
  stopPlay(): unknown
}

/** What the controller needs from the model leg. */
export interface TruncationPort {
  truncate(itemId: string, audioEndMs: number): void
  deleteItem(itemId: string): void
}

export type PlaybackDeps = {
  readonly leg: PlaybackLeg
  readonly model: TruncationPort
  readonly format: AcMediaFormat
  /** Model audio → the call's format; undefined when the format is passed through untouched. */
  readonly converter: Pick<Converter, 'convert' | 'reset'> | undefined
  readonly playoutDelayMs: number
  /** Size of one millisecond of the model's output audio: μ-law 8 bytes/ms, PCM16 24 kHz 48 bytes/ms. */
  readonly bytesPerMs: number
  readonly now: () => number
  /** The first delta of an output item is being sent (once per item, not per frame: the console's latency mark). */
  readonly onItemStart?: (itemId: string) => void
  /** Each chunk the phone leg took, in the model's format (call recording; O(1)). */
  readonly tap?: (b64: string) => void
}

/** Why playback was cut: only a barge-in counts as one in the metrics. */
export type InterruptCause = 'barge-in' | 'connection-lost' | 'upstream-lost' | 'machine-answered'

export type Truncation = { readonly itemId: string; readonly heardMs: number; readonly sentMs: number }

type Playing = { readonly responseId: string; readonly itemId: string; readonly streamId: string }

/**
 * The last {@link TAIL_TOLERANCE_MS} of an utterance do not count as audible: the estimate is that uncertain, and a
 * caller who starts speaking as the bot finishes has not interrupted anything worth truncating.
 */
export const TAIL_TOLERANCE_MS = 120

export class PlaybackController {
  private readonly playout: PlayoutTracker
  private current: Playing | undefined
  private last: Playing | undefined
  /** Responses whose remaining audio is dropped (cut by a barge-in, or cancelled). */
  private discarded: Set<string> | undefined
  /** Items whose audio was cut: itemId → fraction of the audio the caller heard (for the transcript). */
  private cut: Map<string, number> | undefined
  /** Play streams VAIC has not reported finished: streamId → its item. */
  private streamItems: Map<string, string> | undefined
  // What every delta needs, as fields of this object: with hundreds of calls a frame meets its call's state out of
  // cache, and each further object it goes through (the deps record here) is one more miss.
  private readonly leg: PlaybackLeg
  private readonly converter: PlaybackDeps['converter']
  private readonly tap: PlaybackDeps['tap']
  private readonly now: () => number

  constructor(private readonly d: PlaybackDeps) {
    this.playout = new PlayoutTracker(d.playoutDelayMs, d.bytesPerMs)
    this.leg = d.leg
    this.converter = d.converter
    this.tap = d.tap
    this.now = d.now
  }

  // ---- hot path -------------------------------------------------------------------------------------------------

  /**
   * One model audio delta: opens the item's play stream on its first delta, sends, counts what was sent. `at`: when
   * it arrived (the model leg read the clock once for it; absent, the clock is read here).
   */
  delta(responseId: string, itemId: string, b64: string, at?: number): void {
    if (this.discarded !== undefined && this.discarded.has(responseId)) return
    let cur = this.current
    if (cur === undefined || cur.itemId !== itemId) {
      if (cur !== undefined) this.endItem()
      const streamId = this.leg.startPlay(this.d.format)
      this.converter?.reset()
      cur = this.current = { responseId, itemId, streamId }
      this.streamItems = mapPut(this.streamItems, streamId, itemId)
      this.d.onItemStart?.(itemId)
    }
    const conv = this.converter
    if (this.leg.playChunk(conv === undefined ? b64 : conv.convert(b64))) {
      this.playout.sent(itemId, (b64.length * 3) >> 2, at ?? this.now())
      this.tap?.(b64)
    }
  }

  // ---- item and stream ends -------------------------------------------------------------------------------------

  /** The model finished the item's audio: its stream is closed (VAIC plays what it has). */
  itemDone(itemId: string): void {
    if (this.current?.itemId === itemId) this.endItem()
  }

  /** VAIC's playFinished: that stream's item is no longer tracked. */
  finished(streamId: string | undefined): void {
    if (streamId === undefined) return
    const itemId = this.streamItems?.get(streamId)
    this.streamItems = mapDrop(this.streamItems, streamId)
    if (itemId !== undefined) this.playout.forget(itemId)
  }

  /** A response is over: its id will not come again. */
  responseDone(responseId: string): void {
    this.discarded = setDrop(this.discarded, responseId)
  }

  /** Drops the rest of the response now playing (it was cancelled). */
  discardCurrent(): void {
    if (this.current) this.discarded = setAdd(this.discarded, this.current.responseId)
  }

  /**
   * The last stream sent and how long its audio still plays (estimated): a hang-up waits for that stream's
   * playFinished, or for this long if VAIC sends none.
   */
  tail(): { readonly streamId: string | undefined; readonly remainingMs: number } {
    const last = this.last
    if (last === undefined) return { streamId: undefined, remainingMs: 0 }
    const now = this.now()
    const remainingMs = Math.max(0, (this.playout.startsAt(last.itemId) ?? now) + this.playout.sentMs(last.itemId) - now)
    return { streamId: last.streamId, remainingMs }
  }

  // ---- barge-in ---------------------------------------------------------------------------------------------------

  /** Bot audio is still playing or queued at VAIC (estimated), beyond the tail tolerance. */
  audible(): boolean {
    if (this.current) return true
    const last = this.last
    if (!last) return false
    return this.playout.sentMs(last.itemId) - this.playout.heardMs(last.itemId, this.now()) > TAIL_TOLERANCE_MS
  }

  /**
   * Stops playback: every item cut short is truncated at what the caller heard (or deleted when nothing was heard:
   * a truncate at 0 ms is refused by some servers), and the response playing is dropped. Returns the truncations.
   */
  interrupt(): Truncation[] {
    const now = this.now()
    const out: Truncation[] = []
    for (const itemId of new Set([this.current?.itemId, this.last?.itemId])) {
      if (itemId === undefined) continue
      const sentMs = this.playout.sentMs(itemId)
      const heardMs = this.playout.heardMs(itemId, now)
      // An item still streaming is cut even when all of it sent so far was heard (the model is slower than playback):
      // the rest of it will never play.
      if (sentMs <= 0 || (heardMs >= sentMs && itemId !== this.current?.itemId)) continue
      this.cut = mapPut(this.cut, itemId, heardMs / sentMs)
      if (heardMs > 0) this.d.model.truncate(itemId, heardMs)
      else this.d.model.deleteItem(itemId)
      out.push({ itemId, heardMs, sentMs })
    }
    if (this.current) {
      this.discarded = setAdd(this.discarded, this.current.responseId)
      this.endItem()
    }
    this.playout.interrupt(now)
    return out
  }

  /** The part of the bot's transcript the caller heard ("…" marks a cut), or undefined when nothing was heard. */
  heardTranscript(itemId: string, text: string): { readonly text: string; readonly interrupted: boolean } | undefined {
    const fraction = this.cut?.get(itemId)
    this.cut = mapDrop(this.cut, itemId)
    const heard = fraction === undefined ? text : text.slice(0, Math.round(text.length * fraction)).trimEnd() + '…'
    if (heard.trim() === '' || heard === '…') return undefined
    return { text: heard, interrupted: fraction !== undefined }
  }

  /** Milliseconds of `itemId` sent to VAIC (tests and logs). */
  sentMs(itemId: string): number {
    return this.playout.sentMs(itemId)
  }

  private endItem(): void {
    const cur = this.current
    if (!cur) return
    this.current = undefined
    this.last = cur
    this.leg.stopPlay()
  }
}
