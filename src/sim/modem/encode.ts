/**
 * @module sim/modem/encode
 * Text → tone-code audio (see `sim/modem/code`). Deterministic: the same text and rate always give the same samples,
 * so simulator runs are reproducible. Utterances are not padded with silence; the caller adds its own pauses.
 */

import { ALPHABET, FADE_MS, GAP_MS, HIGH_TONES_HZ, LOW_TONES_HZ, TONE_AMPLITUDE, TONE_MS, normalizeText, symbolTones } from './code'

const FULL_SCALE = 32767

export function encodeText(text: string, rate: number): Int16Array {
  const chars = normalizeText(text)
  const toneLen = Math.round((TONE_MS * rate) / 1000)
  const gapLen = Math.round((GAP_MS * rate) / 1000)
  const fadeLen = Math.round((FADE_MS * rate) / 1000)
  const out = new Int16Array(chars.length * (toneLen + gapLen))
  // Raised-cosine fade shared by every burst; sharp edges would splatter energy across the band as clicks.
  const fade = new Float64Array(fadeLen)
  for (let i = 0; i < fadeLen; i++) fade[i] = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / fadeLen)
  const peak = TONE_AMPLITUDE * FULL_SCALE
  let at = 0
  for (const c of chars) {
    const { low, high } = symbolTones(ALPHABET.indexOf(c))
    const wl = (2 * Math.PI * LOW_TONES_HZ[low]!) / rate
    const wh = (2 * Math.PI * HIGH_TONES_HZ[high]!) / rate
    for (let i = 0; i < toneLen; i++) {
      const envelope = i < fadeLen ? fade[i]! : i >= toneLen - fadeLen ? fade[toneLen - 1 - i]! : 1
      out[at + i] = Math.round(peak * envelope * (Math.sin(wl * i) + Math.sin(wh * i)))
    }
    at += toneLen + gapLen
  }
  return out
}
