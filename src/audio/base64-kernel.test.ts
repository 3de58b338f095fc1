import { describe, expect, test } from 'bun:test'
import { BASE64_CHECK_MAX, base64Alphabet } from './base64-kernel'

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
})
