/**
 * @module sim/speech/speech-io
 * The emulated model's ear and voice for real speech, in place of the tone modem (realtime/modem-io.ts):
 *
 * - the EAR gets each committed caller turn as the model would — 24 kHz `audio/pcm` after FastAgent's uplink
 *   resampler — brings it down to the recognizer's 16 kHz, runs pocketsphinx and hands the brain the words in
 *   written form ("ten am" → "10 am"), which is what the booking brain's phrase rules and the product's parsers read;
 * - the VOICE speaks the brain's lines with flite and resamples them to the session's output rate. `synthesize` is
 *   synchronous in the emulator, so lines are prepared ahead (the reference lines at start) and anything else is
 *   synthesized on the spot with a blocking run (≈50 ms).
 */
import { resampleTo } from '../../audio/resample-once'
import type { Ear, Voice } from '../realtime/brain'
import type { Recognizer } from './recognizer'
import { writtenForm } from './text'
import type { Pcm, Tts } from './tts'

export type Heard = { readonly text: string; readonly raw: string; readonly ms: number; readonly tookMs: number }

export function speechEar(recognizer: Recognizer, onHeard?: (h: Heard) => void): Ear {
  return {
    async transcribe(pcm, rate) {
      const t0 = performance.now()
      const raw = await recognizer.recognize(pcm, rate)
      const heard: Heard = { text: writtenForm(raw), raw, ms: (pcm.length * 1000) / rate, tookMs: performance.now() - t0 }
      onHeard?.(heard)
      return heard.text
    },
  }
}

export type SpeechVoice = Voice & {
  /** Synthesizes `texts` now (in parallel), so the emulator's synchronous calls find them ready. */
  prepare(texts: readonly string[]): Promise<void>
  /** Lines that were not prepared and had to be synthesized synchronously. */
  readonly misses: number
}

export function speechVoice(tts: Tts): SpeechVoice {
  const cache = new Map<string, Pcm>()
  const byRate = new Map<string, Int16Array>()
  let misses = 0
  return {
    synthesize(text, rate) {
      const key = `${rate}|${text}`
      const done = byRate.get(key)
      if (done) return done
      let pcm = cache.get(text)
      if (!pcm) {
        misses++
        pcm = tts.synthesizeSync(text)
        cache.set(text, pcm)
      }
      const out = resampleTo(pcm.samples, pcm.rate, rate)
      byRate.set(key, out)
      return out
    },
    async prepare(texts) {
      await Promise.all(
        texts.filter((t) => !cache.has(t)).map(async (t) => {
          cache.set(t, await tts.synthesize(t))
        }),
      )
    },
    get misses() {
      return misses
    },
  }
}
