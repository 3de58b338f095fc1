import { describe, expect, test } from 'bun:test'
import { ByteCarry, base64ToBytes, base64ToPcm16, bytesToBase64, bytesToPcm16, pcm16Bytes, pcm16ToBase64 } from './pcm'

describe('PCM16 and base64', () => {
  test('PCM16 is little-endian on the wire', () => {
    const s = new Int16Array([1, -2, 0x1234, -32768, 32767])
    expect(Array.from(pcm16Bytes(s))).toEqual([0x01, 0x00, 0xfe, 0xff, 0x34, 0x12, 0x00, 0x80, 0xff, 0x7f])
    expect(pcm16ToBase64(s)).toBe(Buffer.from([0x01, 0x00, 0xfe, 0xff, 0x34, 0x12, 0x00, 0x80, 0xff, 0x7f]).toString('base64'))
    expect(Array.from(base64ToPcm16(pcm16ToBase64(s)))).toEqual([1, -2, 0x1234, -32768, 32767])
  })
  test('an aligned buffer becomes a view, a misaligned one a correct copy, a trailing odd byte is ignored', () => {
    const backing = new Uint8Array([0xaa, 0x01, 0x00, 0xfe, 0xff, 0x07])
    const aligned = bytesToPcm16(backing.subarray(0, 5))
    expect(aligned.buffer).toBe(backing.buffer)
    expect(Array.from(aligned)).toEqual([0x01aa, -512])
    const odd = bytesToPcm16(backing.subarray(1, 6))
    expect(odd.buffer).not.toBe(backing.buffer)
    expect(Array.from(odd)).toEqual([1, -2])
  })
  test('bytes ⇄ base64', () => {
    const b = new Uint8Array([0, 1, 2, 250, 251, 255])
    expect(bytesToBase64(b)).toBe('AAEC+vv/')
    expect(Array.from(base64ToBytes('AAEC+vv/'))).toEqual([0, 1, 2, 250, 251, 255])
    expect(bytesToBase64(b.subarray(1, 3))).toBe('AQI=')
  })
})

describe('ByteCarry', () => {
  test('odd-sized chunks never shift sample alignment', () => {
    const samples = new Int16Array(1000)
    for (let i = 0; i < samples.length; i++) samples[i] = (i * 7919) % 65536 - 32768
    const bytes = pcm16Bytes(samples)
    const carry = new ByteCarry()
    const got: number[] = []
    let at = 0
    for (const size of [1, 3, 2, 7, 0, 1, 1, 5, 333, 160, 999, 2000]) {
      const chunk = bytes.slice(at, Math.min(at + size, bytes.length))
      at += chunk.length
      got.push(...carry.push(chunk))
      expect(got.length).toBe(Math.floor(at / 2))
      expect(carry.pending).toBe(at % 2)
    }
    expect(at).toBe(bytes.length)
    expect(got).toEqual(Array.from(samples))
  })
  test('reset drops a held byte', () => {
    const carry = new ByteCarry()
    expect(carry.push(new Uint8Array([1])).length).toBe(0)
    carry.reset()
    expect(Array.from(carry.push(new Uint8Array([2, 0])))).toEqual([2])
  })
})
