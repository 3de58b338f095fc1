/**
 * @module audio/playout
 * An estimate of how much of each bot output item the caller has actually heard. VoiceAI Connect never acknowledges
 * playback, yet on barge-in OpenAI must be told where to truncate the assistant's item (`conversation.item.truncate`
 * with `audio_end_ms`), or the model believes the caller heard sentences that were never played.
 *
 * The estimate: an item starts playing `playoutDelayMs` (the assumed jitter-buffer and network delay) after its first
 * chunk was sent, plays in real time, and cannot have played more than was sent. Playback is sequential on the phone:
 * an item whose first chunk is sent while the previous one is still playing starts when the previous one ends, so a
 * per-call playback cursor carries the end of the last item. An item whose audio comes slower than real time underruns:
 * the phone plays what it has, waits, and goes on when more arrives (as VoiceAI Connect's jitter buffer does), so the
 * item's playback start moves later by the wait, or every later barge-in would be truncated at audio never heard.
 * All times are milliseconds on one clock.
 */
import { mapDrop, mapPut } from '../ops/sparse-map'

type Item = {
  /** The item's id: the map's key, kept so the item last scheduled is known without a lookup. */
  readonly id: string
  /** Estimated playback start, moved later by every underrun (playback waited for audio). */
  startAt: number
  bytes: number
  /** Set by `interrupt`: playback was cut after this many ms. */
  cutMs: number | undefined
}

export class PlayoutTracker {
  private items: Map<string, Item> | undefined
  /** The item whose end is the playback cursor, or undefined when `cursorEnd` holds it as a number. */
  private last: Item | undefined
  private cursorEnd = -Infinity

  /**
   * @param playoutDelayMs assumed delay between sending audio and the caller hearing it
   * @param bytesPerMs size of one millisecond of the audio passed to `sent` (1 to pass milliseconds directly)
   */
  constructor(
    readonly playoutDelayMs: number,
    readonly bytesPerMs = 1,
  ) {}

  /** Records `bytes` more audio of `itemId` sent at `nowMs`. The first call for an item schedules its playback. */
  sent(itemId: string, bytes: number, nowMs: number): void {
    // Every delta of an item but its first is for the item last scheduled: no map lookup for those.
    const last = this.last
    const known = last !== undefined && last.id === itemId ? last : this.items?.get(itemId)
    if (known) {
      if (known.cutMs !== undefined) return
      // Everything sent before had been played by the time this audio reaches the phone: it waited that long.
      const waited = nowMs + this.playoutDelayMs - (known.startAt + this.lengthMs(known))
      if (waited > 0) known.startAt += waited
      known.bytes += bytes
      return
    }
    const item: Item = { id: itemId, startAt: Math.max(nowMs + this.playoutDelayMs, this.cursor()), bytes, cutMs: undefined }
    this.items = mapPut(this.items, itemId, item)
    this.last = item
  }

  /** Milliseconds of `itemId` sent so far (0 for an unknown item). */
  sentMs(itemId: string): number {
    const item = this.items?.get(itemId)
    return item ? this.lengthMs(item) : 0
  }

  /** Whole milliseconds of `itemId` the caller has heard by `nowMs`: clamp(now − start, 0, sent), rounded down. */
  heardMs(itemId: string, nowMs: number): number {
    const item = this.items?.get(itemId)
    return item ? this.heard(item, nowMs) : 0
  }

  /** Estimated playback start of `itemId`, for logs. */
  startsAt(itemId: string): number | undefined {
    return this.items?.get(itemId)?.startAt
  }

  /**
   * Playback was cleared at `nowMs` (barge-in): every item keeps only what had been heard, later audio sent for those
   * items is ignored, and the next item starts playing as soon as it arrives.
   */
  interrupt(nowMs: number): void {
    if (this.items) for (const item of this.items.values()) item.cutMs = this.heard(item, nowMs)
    this.last = undefined
    this.cursorEnd = -Infinity
  }

  forget(itemId: string): void {
    const item = this.items?.get(itemId)
    if (!item) return
    if (item === this.last) {
      this.cursorEnd = this.cursor()
      this.last = undefined
    }
    this.items = mapDrop(this.items, itemId)
  }

  private lengthMs(item: Item): number {
    return item.cutMs ?? item.bytes / this.bytesPerMs
  }

  private heard(item: Item, nowMs: number): number {
    return Math.floor(Math.min(Math.max(nowMs - item.startAt, 0), this.lengthMs(item)))
  }

  /** When everything scheduled so far will have finished playing. */
  private cursor(): number {
    return this.last ? this.last.startAt + this.lengthMs(this.last) : this.cursorEnd
  }
}
