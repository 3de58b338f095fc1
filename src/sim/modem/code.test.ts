import { describe, expect, test } from 'bun:test'
import { ALPHABET, GAP_MS, HIGH_TONES_HZ, LOW_TONES_HZ, MS_PER_CHAR, charsInMs, heardText, msForText, normalizeText, symbolTones, toneSymbol } from './code'

describe('tone code', () => {
  test('56 characters, each with its own tone pair inside the telephone band', () => {
    expect(ALPHABET.length).toBe(56)
    expect(new Set(ALPHABET).size).toBe(56)
    const pairs = new Set<string>()
    for (let s = 0; s < ALPHABET.length; s++) {
      const { low, high } = symbolTones(s)
      expect(toneSymbol(low, high)).toBe(s)
      pairs.add(`${LOW_TONES_HZ[low]}+${HIGH_TONES_HZ[high]}`)
    }
    expect(pairs.size).toBe(56)
    expect(toneSymbol(7, 7)).toBe(-1)
    expect(Math.min(...LOW_TONES_HZ)).toBeGreaterThanOrEqual(400)
    expect(Math.max(...HIGH_TONES_HZ)).toBeLessThanOrEqual(3300)
  })
  test('25 characters per second', () => {
    expect(MS_PER_CHAR).toBe(40)
    expect(msForText('Hello!')).toBe(240)
  })
  test('charsInMs counts characters whose tone has fully played', () => {
    expect(charsInMs(0)).toBe(0)
    expect(charsInMs(MS_PER_CHAR - GAP_MS - 1)).toBe(0)
    expect(charsInMs(MS_PER_CHAR - GAP_MS)).toBe(1)
    expect(charsInMs(700)).toBe(17)
    expect(charsInMs(-50)).toBe(0)
    expect(heardText('Book an appointment', 700)).toBe('book an appointme')
    expect(heardText('Hi', 10_000)).toBe('hi')
  })
  test('normalises what it cannot carry; German and Spanish letters and marks are carried', () => {
    expect(normalizeText('Café Zoë — “OK”?\nYes: it’s 10-4!')).toBe("café zoe  ok? yes: it's 10-4!")
    expect(normalizeText('ÄÖÜ ß @#$ 42')).toBe('äöü ß  42')
    expect(normalizeText('¿Reservo la cita para mañana? ¡Sí! Ça va, à bientôt')).toBe('¿reservo la cita para mañana? ¡sí! ca va, a bientot')
    // Decomposed input (a + combining umlaut) is the same letter.
    expect(normalizeText('Gru\u0308n')).toBe('grün')
  })
  test('backward compatible: the first 44 characters keep their tone pairs', () => {
    const OLD = "abcdefghijklmnopqrstuvwxyz0123456789 ,.?!':-"
    for (let s = 0; s < OLD.length; s++) {
      expect(ALPHABET[s]).toBe(OLD[s]!)
      expect(symbolTones(s)).toEqual({ low: s % 7, high: Math.floor(s / 7) })
    }
    expect(LOW_TONES_HZ.slice(0, 7)).toEqual([500, 600, 700, 800, 900, 1000, 1100])
  })
})
