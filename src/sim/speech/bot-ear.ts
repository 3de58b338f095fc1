/**
 * @module sim/speech/bot-ear
 * The simulated caller's ear for real speech: it listens to a VoiceAI Connect simulator's play streams (the bot's
 * audio as VAIC received it, 16 kHz on the `raw/lpcm16` path) and recognizes each one once it is complete, with
 * pocketsphinx. Steps then check what the caller heard by KEY WORDS ({@link keyWords}): a stream counts as the
 * expected line when enough of the line's key words are in it ({@link keysNeeded}); transcripts are never compared.
 *
 * The simulator itself is left alone (it still decodes tone-modem text, which is empty for speech): the ear reads
 * the streams' audio through `streamAudio`, so the same simulator serves both demos.
 */
import type { VaicSimulator } from '../vaic/simulator'
import type { Recognizer } from './recognizer'
import { slotRecord, type SlotRecord } from './slots'
import { keyWords, keysFound, keysNeeded, writtenForm } from './text'

const POLL_MS = 20

type Watched = {
  /** Recognized text by stream index (written form); absent while the stream plays or is being recognized. */
  readonly heard: (string | undefined)[]
  started: number
  /** Steps look at streams from the one the previous step matched: lines are checked in the order they are said. */
  from: number
  readonly timer: ReturnType<typeof setInterval>
}

export type BotHeard = { readonly index: number; readonly text: string; readonly record: SlotRecord }

export class BotEar {
  private readonly calls = new Map<VaicSimulator, Watched>()
  private readonly pending = new Set<Promise<unknown>>()
  /** Every step's result, matched or not, in order. */
  readonly records: SlotRecord[] = []

  constructor(
    private readonly recognizer: Recognizer,
    private readonly onHeard?: (call: VaicSimulator, index: number, text: string) => void,
  ) {}

  /** Starts recognizing the call's play streams as they complete. */
  watch(call: VaicSimulator): void {
    if (this.calls.has(call)) return
    const w: Watched = { heard: [], started: 0, from: 0, timer: setInterval(() => this.scan(call, w), POLL_MS) }
    this.calls.set(call, w)
  }

  /** What the caller heard of the call's `index`-th stream, once recognized. */
  heard(call: VaicSimulator, index: number): string | undefined {
    return this.calls.get(call)?.heard[index]
  }

  /**
   * Resolves once a complete stream (from the previous match on) contains enough of `expected`'s key words; rejects
   * after `timeoutMs`, naming what was heard. Either way the best attempt is recorded for the score.
   */
  waitForSaid(call: VaicSimulator, expected: string, timeoutMs: number): Promise<BotHeard> {
    const w = this.calls.get(call)
    if (!w) return Promise.reject(new Error('BotEar.waitForSaid on a call it does not watch'))
    const keys = keyWords(expected)
    const need = keysNeeded(keys.length)
    return new Promise<BotHeard>((resolve, reject) => {
      const deadline = performance.now() + timeoutMs
      const check = () => {
        let best: { index: number; text: string; found: number } | undefined
        for (let i = w.from; i < w.heard.length; i++) {
          const text = w.heard[i]
          if (text === undefined) continue
          const found = keysFound(keys, text).length
          if (found >= need && found > 0) {
            clearInterval(timer)
            w.from = i
            const record = slotRecord('bot', expected, text)
            this.records.push(record)
            resolve({ index: i, text, record })
            return
          }
          if (!best || found > best.found) best = { index: i, text, found }
        }
        if (performance.now() < deadline) return
        clearInterval(timer)
        this.records.push(slotRecord('bot', expected, best?.text ?? ''))
        const so = w.heard.slice(w.from).map((t) => JSON.stringify(t ?? '…')).join(', ') || 'nothing'
        reject(new Error(`timed out after ${timeoutMs} ms: no bot line with ${need} of the key words [${keys.join(', ')}] (heard: ${so})`))
      }
      const timer = setInterval(check, POLL_MS)
      check()
    })
  }

  /** Waits for recognitions in flight (so saved results are complete). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending])
  }

  dispose(): void {
    for (const w of this.calls.values()) clearInterval(w.timer)
    this.calls.clear()
  }

  private scan(call: VaicSimulator, w: Watched): void {
    const streams = call.streams
    for (; w.started < streams.length; w.started++) {
      const s = streams[w.started]!
      if (s.open) break
      const index = w.started
      const audio = call.streamAudio(s.id)
      if (!audio || audio.samples.length === 0) {
        w.heard[index] = ''
        continue
      }
      const p = this.recognizer
        .recognize(audio.samples, audio.rate)
        .then(
          (raw) => writtenForm(raw),
          () => '',
        )
        .then((text) => {
          w.heard[index] = text
          this.onHeard?.(call, index, text)
        })
        .finally(() => this.pending.delete(p))
      this.pending.add(p)
    }
  }
}
