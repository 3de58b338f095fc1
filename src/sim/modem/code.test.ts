import { describe, expect, test } from 'bun:test'
import { ALPHABET, GAP_MS, HIGH_TONES_HZ, LOW_TONES_HZ, MS_PER_CHAR, charsInMs, heardText, msForText, normalizeText, symbolTones, toneSymbol } from './code'

describe('tone code', () => {
  test('44 characters, each with its own tone pair inside the telephone band', () => {
    expect(ALPHABET.length).toBe(44)
    expect(new Set(ALPHABET).size).toBe(44)
    const pairs = new Set<string>()
    for (let s = 0; s < ALPHABET.length; s++) {
      const { low, high } = symbolTones(s)
      expect(toneSymbol(low, high)).toBe(s)
      pairs.add(`${LOW_TONES_HZ[low]}+${HIGH_TONES_HZ[high]}`)
    }
    expect(pairs.size).toBe(44)
    expect(toneSymbol(6, 6)).toBe(-1)
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
  test('normalises what it cannot carry', () => {
    expect(normalizeText('Café Zoë — “OK”?\nYes: it’s 10-4!')).toBe("cafe zoe  ok? yes: it's 10-4!")
    expect(normalizeText('ÄÖÜ ß @#$ 42')).toBe('aou   42')
  })
})
