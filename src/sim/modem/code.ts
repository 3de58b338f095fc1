/**
 * @module sim/modem/code
 * The tone code our simulators speak instead of words, so a fake caller and a fake model can "hear" each other
 * through the real audio path without speech recognition. Each character is a dual-tone burst (like DTMF: one
 * frequency from a low group, one from a high group) followed by a silent gap. The first 44 characters (English) use
 * 7 low × 7 high tones as they always did; the German and Spanish letters and marks were added later, on the five
 * pairs left over and on an eighth low tone (1200 Hz) with the seven high ones: 56 characters, and every text that
 * was encodable before sounds exactly the same.
 *
 * Why these choices: every frequency lies in 500–2900 Hz, inside the passband of G.711 at 8 kHz and of every
 * resampler direction; two tones from well-separated groups are classified independently with wide margins (100 Hz
 * and 250 Hz spacing against a ~25 ms burst), where 44 single tones would sit only ~65 Hz apart; and the fixed
 * 40 ms per character (~25 characters per second) makes "how much text fits in N ms" a simple division, which a fake
 * model needs to truncate its transcript at what the caller heard.
 */

/** Index = symbol number. Anything else is dropped (whitespace becomes a space). */
export const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 ,.?!':-" + 'äöüßñ' + 'áéíóú¿¡'

/** The first seven tones: the original grid. The eighth carries only symbols 49–55. */
export const LOW_TONES_HZ: readonly number[] = [500, 600, 700, 800, 900, 1000, 1100, 1200]
export const HIGH_TONES_HZ: readonly number[] = [1400, 1650, 1900, 2150, 2400, 2650, 2900]

/** Tone burst, including its raised-cosine fade in and out. */
export const TONE_MS = 28
export const FADE_MS = 4
/** Silence after each burst, so repeated characters stay separate bursts. */
export const GAP_MS = 12
export const MS_PER_CHAR = TONE_MS + GAP_MS
/** Peak of each of the two tones, as a fraction of full scale (the sum peaks at 0.4: clearly speech to a VAD). */
export const TONE_AMPLITUDE = 0.2

/** Symbols on the original 7 × 7 grid. */
const GRID = 7 * 7

/** The (low, high) tone indices of a symbol. */
export function symbolTones(symbol: number): { readonly low: number; readonly high: number } {
  if (symbol >= GRID) return { low: 7, high: symbol - GRID }
  return { low: symbol % 7, high: Math.floor(symbol / 7) }
}

/** The symbol of a (low, high) tone pair, or -1 for the pairs no character uses. */
export function toneSymbol(low: number, high: number): number {
  const s = low === 7 ? GRID + high : high * 7 + low
  return s < ALPHABET.length ? s : -1
}

/**
 * What the code can carry: lowercase, the German and Spanish letters as they are, other accents removed ('ç' → 'c'),
 * typographic apostrophes made plain, whitespace as single spaces, anything else outside `ALPHABET` dropped.
 * Decoding returns exactly `normalizeText(input)`.
 */
export function normalizeText(text: string): string {
  const plain = text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/\s/g, ' ')
  let out = ''
  for (const c of plain) {
    if (ALPHABET.includes(c)) out += c
    else {
      const base = c.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      if (base.length === 1 && ALPHABET.includes(base)) out += base
    }
  }
  return out
}

/** Characters whose tone has completely played after `ms` of audio (the trailing gap need not have). */
export function charsInMs(ms: number): number {
  return Math.max(0, Math.floor((ms + GAP_MS) / MS_PER_CHAR))
}

/** Duration of the encoded `text`. */
export function msForText(text: string): number {
  return normalizeText(text).length * MS_PER_CHAR
}

/** The part of `text` (normalised) the caller has heard after `ms` of its audio played. */
export function heardText(text: string, ms: number): string {
  return normalizeText(text).slice(0, charsInMs(ms))
}
