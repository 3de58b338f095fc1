/**
 * @module sim/realtime/modem-io
 * The default ear and voice: the tone modem of sim/modem. The voice "speaks" text as tone-code audio and the ear
 * decodes the caller's tone-code audio back to text, so a simulated caller and the emulated model understand each
 * other exactly through the real audio path (formats, μ-law, resampling, VAD) with no speech recognition.
 */
import { charsInMs, normalizeText } from '../modem/code'
import { decodeText } from '../modem/decode'
import { encodeText } from '../modem/encode'
import type { Ear, Voice } from './brain'

/**
 * Maps "n normalised characters heard" back to a length in the original text, so a truncated transcript keeps the
 * brain's own spelling ("What time would you like?") instead of the modem's lowercase form. Characters the modem
 * drops (quotes, brackets) cost no audio and are kept with the character before them.
 */
export function originalLength(text: string, heardChars: number): number {
  if (heardChars <= 0) return 0
  let count = 0
  let i = 0
  for (const c of text) {
    i += c.length
    if (normalizeText(c) !== '') count++
    if (count >= heardChars) break
  }
  return i
}

export const modemVoice: Voice = {
  synthesize: (text, rate) => encodeText(text, rate),
  charsHeard: (text, ms) => originalLength(text, charsInMs(ms)),
}

export const modemEar: Ear = {
  transcribe: (pcm, rate) => decodeText(pcm, rate),
}
