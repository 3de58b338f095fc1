import { describe, expect, test } from 'bun:test'
import { MULAW_DECODE_TABLE, mulawDecode, mulawDecodeSample, mulawEncode, mulawEncodeSample } from './mulaw'

describe('G.711 μ-law', () => {
  test('decodes the reference values', () => {
    expect(mulawDecodeSample(0xff)).toBe(0)
    expect(mulawDecodeSample(0x7f)).toBe(0)
    expect(mulawDecodeSample(0x00)).toBe(-32124)
    expect(mulawDecodeSample(0x80)).toBe(32124)
    expect(mulawDecodeSample(0xfe)).toBe(8)
    expect(mulawDecodeSample(0x7e)).toBe(-8)
    expect(mulawDecodeSample(0xef)).toBe(132)
    expect(mulawDecodeSample(0x0f)).toBe(-16764) // start of the top segment
  })
  test('encodes the reference values', () => {
    expect(mulawEncodeSample(0)).toBe(0xff)
    expect(mulawEncodeSample(-1)).toBe(0x7f)
    expect(mulawEncodeSample(32124)).toBe(0x80)
    expect(mulawEncodeSample(-32124)).toBe(0x00)
    expect(mulawEncodeSample(32767)).toBe(0x80) // clipped
    expect(mulawEncodeSample(-32768)).toBe(0x00)
    expect(mulawEncodeSample(8)).toBe(0xfe)
    expect(mulawEncodeSample(-8)).toBe(0x7e)
  })
  test('every code survives decode → encode (except the negative zero, which becomes +0)', () => {
    for (let c = 0; c < 256; c++) expect(mulawEncodeSample(MULAW_DECODE_TABLE[c]!)).toBe(c === 0x7f ? 0xff : c)
  })
  test('decode is odd-symmetric and monotonic', () => {
    for (let c = 0; c < 128; c++) expect(MULAW_DECODE_TABLE[c]! + MULAW_DECODE_TABLE[c + 128]!).toBe(0)
    for (let c = 0x80; c < 0xff; c++) expect(MULAW_DECODE_TABLE[c]!).toBeGreaterThan(MULAW_DECODE_TABLE[c + 1]!)
  })
  test('round-trip error stays within half a quantisation step of each segment', () => {
    let worstRelative = 0
    for (let s = -32768; s <= 32767; s++) {
      const back = mulawDecodeSample(mulawEncodeSample(s))
      const mag = Math.min(Math.abs(s), 32635)
      const segment = Math.max(0, Math.floor(Math.log2((mag + 0x84) >> 7)))
      const step = 8 << segment // 8, 16, … 1024
      const err = Math.abs(back - Math.max(-32635, Math.min(32635, s)))
      expect(err).toBeLessThanOrEqual(step / 2)
      if (Math.abs(s) > 1000) worstRelative = Math.max(worstRelative, err / Math.abs(s))
    }
    expect(worstRelative).toBeLessThan(0.035) // half a step over the segment start: ≈ 1/32, the G.711 design point
  })
  test('array versions match the scalar ones and honour the output buffer', () => {
    const pcm = new Int16Array([0, 1, -1, 100, -100, 1000, -1000, 32767, -32768, 12345])
    const codes = mulawEncode(pcm)
    expect(Array.from(codes)).toEqual(Array.from(pcm, (s) => mulawEncodeSample(s)))
    const dst = new Int16Array(16)
    const back = mulawDecode(codes, dst)
    expect(back).toBe(dst)
    expect(Array.from(back.subarray(0, codes.length))).toEqual(Array.from(codes, (c) => mulawDecodeSample(c)))
    expect(() => mulawDecode(codes, new Int16Array(2))).toThrow(RangeError)
  })
})
