import { describe, expect, test } from 'bun:test'
import { BASE64_CHECK_MAX, KERNEL_MEMORY_BYTES, base64Alphabet } from './base64-kernel'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

describe('base64Alphabet (WebAssembly SIMD)', () => {
  test('every character is checked, at every length and position across the 16-byte blocks', () => {
    for (let n = 0; n <= 70; n++) {
      const ok = Array.from({ length: n }, (_, i) => ALPHABET[(i * 7) % 64]).join('')
      expect(base64Alphabet(ok, n)).toBe(true)
      for (let at = 0; at < n; at++) {
        for (const bad of ['=', '-', '_', ' ', '"', '\\', '\n', '\0', '@', '[', '`', '{', '*', ',', '.', ':', '\x7f']) {
          const s = ok.slice(0, at) + bad + ok.slice(at + 1)
          if (base64Alphabet(s, n)) throw new Error(`accepted ${JSON.stringify(bad)} at ${at} of ${n}`)
        }
      }
    }
  })

  test('each byte value: only the 64 characters of the alphabet pass', () => {
    for (let c = 0; c < 256; c++) expect(base64Alphabet('AAAA' + String.fromCharCode(c) + 'AAAAAAAAAAAAAAAAAAA', 24)).toBe(ALPHABET.includes(String.fromCharCode(c)))
  })

  test('characters past the count are not classified (the padding); any non-ASCII character refuses the text', () => {
    expect(base64Alphabet('QUJD==', 4)).toBe(true)
    expect(base64Alphabet('QUJD==', 5)).toBe(false)
    // Non-ASCII: its UTF-8 is longer than the text, so it never reaches the kernel as some ASCII byte.
    expect(base64Alphabet('QUJDŁ', 4)).toBe(false)
    expect(base64Alphabet('QUJ' + String.fromCharCode(0x141), 4)).toBe(false)
    expect(base64Alphabet('QUJ\u{1F600}', 3)).toBe(false)
  })

  test('the longest text passes; a longer one is refused', () => {
    expect(base64Alphabet('A'.repeat(BASE64_CHECK_MAX), BASE64_CHECK_MAX)).toBe(true)
    expect(base64Alphabet('A'.repeat(BASE64_CHECK_MAX + 1), BASE64_CHECK_MAX + 1)).toBe(false)
  })

  test('a long text with non-ASCII characters is refused, whether its UTF-8 fits the memory or is cut short', () => {
    const max = BASE64_CHECK_MAX
    // Fits: one 2-byte character at the end, at the start, in the middle.
    expect(base64Alphabet('A'.repeat(max - 1) + 'é', max - 1)).toBe(false)
    expect(base64Alphabet('é' + 'A'.repeat(max - 1), max)).toBe(false)
    expect(base64Alphabet('A'.repeat(max >> 1) + '\u0100' + 'A'.repeat((max >> 1) - 1), max)).toBe(false)
    // Cut short: UTF-8 far longer than the memory (3- and 4-byte characters, a lone surrogate), at every phase of
    // the last whole character against the room's end.
    for (let lead = 0; lead < 4; lead++) {
      expect(base64Alphabet('A'.repeat(lead) + '€'.repeat(max - lead), max)).toBe(false)
      expect(base64Alphabet('A'.repeat(lead) + '\u{1F600}'.repeat((max - lead) >> 1), (max - lead) & ~1)).toBe(false)
      expect(base64Alphabet('A'.repeat(lead) + '\uD800'.repeat(max - lead), max)).toBe(false)
      expect(base64Alphabet('A'.repeat(max - 2 * lead - 2) + 'é'.repeat(2 * lead + 2), max)).toBe(false)
    }
    // Past the count (where the caller's padding is): nothing there is classified, so only the length test
    // refuses these. It would not if a cut-short write could stop at exactly the text's length.
    expect(base64Alphabet('A'.repeat(max - 2) + 'éé', max - 2)).toBe(false)
    for (let c = max >> 1; c < (max >> 1) + 3; c++) expect(base64Alphabet('A'.repeat(c) + '€'.repeat(max - c), c)).toBe(false)
    // And the memory itself: the longest text once plus the prefix and tail, not its UTF-8 worst case.
    expect(KERNEL_MEMORY_BYTES).toBeLessThan(BASE64_CHECK_MAX * 2)
    expect(KERNEL_MEMORY_BYTES).toBeGreaterThanOrEqual(BASE64_CHECK_MAX + 16 + 16 + 4)
  })
})
