import { describe, expect, test } from 'bun:test'
import { mulawEncode } from './mulaw'
import { WavError, decodeWav, isWav, parseWav, parseWavHeader, wavStreamHeader, writeWav } from './wav'

function u32(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff]
}
function u16(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff]
}
function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0))
}
/** Hand-built WAV with arbitrary chunks, to test the parser against layouts other than ours. */
function build(chunks: [string, number[]][]): Uint8Array {
  const body: number[] = ascii('WAVE')
  for (const [id, data] of chunks) {
    body.push(...ascii(id), ...u32(data.length), ...data)
    if (data.length % 2 === 1) body.push(0)
  }
  return new Uint8Array([...ascii('RIFF'), ...u32(body.length), ...body])
}
function fmt(tag: number, channels: number, rate: number, bits: number): number[] {
  const block = (channels * bits) / 8
  return [...u16(tag), ...u16(channels), ...u32(rate), ...u32(rate * block), ...u16(block), ...u16(bits)]
}

describe('WAV', () => {
  test('writes the canonical 44-byte PCM16 header', () => {
    const wav = writeWav(new Int16Array([1, -1, 256]), 16000)
    expect(wav.length).toBe(44 + 6)
    const v = new DataView(wav.buffer)
    expect(String.fromCharCode(...wav.subarray(0, 4))).toBe('RIFF')
    expect(v.getUint32(4, true)).toBe(36 + 6)
    expect(String.fromCharCode(...wav.subarray(8, 16))).toBe('WAVEfmt ')
    expect(v.getUint32(16, true)).toBe(16)
    expect(v.getUint16(20, true)).toBe(1)
    expect(v.getUint16(22, true)).toBe(1)
    expect(v.getUint32(24, true)).toBe(16000)
    expect(v.getUint32(28, true)).toBe(32000)
    expect(v.getUint16(32, true)).toBe(2)
    expect(v.getUint16(34, true)).toBe(16)
    expect(String.fromCharCode(...wav.subarray(36, 40))).toBe('data')
    expect(v.getUint32(40, true)).toBe(6)
    expect(Array.from(wav.subarray(44))).toEqual([1, 0, 0xff, 0xff, 0, 1])
  })
  test('round-trips PCM16', () => {
    const samples = new Int16Array([0, 1000, -1000, 32767, -32768])
    const back = decodeWav(writeWav(samples, 24000))
    expect(back.rate).toBe(24000)
    expect(Array.from(back.samples)).toEqual(Array.from(samples))
  })
  test('finds fmt and data past other chunks (LIST, odd-sized padding) and reads μ-law', () => {
    const codes = mulawEncode(new Int16Array([0, 8, -8, 32124]))
    const wav = build([
      ['LIST', ascii('INFOabc')], // odd size → padded
      ['fmt ', [...fmt(7, 1, 8000, 8), ...u16(0)]],
      ['fact', u32(4)],
      ['data', Array.from(codes)],
    ])
    const info = parseWav(wav)
    expect(info.encoding).toBe('mulaw')
    expect(info.rate).toBe(8000)
    expect(info.dataBytes).toBe(4)
    expect(info.declaredDataBytes).toBe(4)
    expect(Array.from(decodeWav(wav).samples)).toEqual([0, 8, -8, 32124])
  })
  test('a streaming header declares unknown sizes and the data runs to the end of the buffer', () => {
    const h = wavStreamHeader('pcm16', 8000)
    expect(h.length).toBe(44)
    const v = new DataView(h.buffer)
    expect(v.getUint32(4, true)).toBe(0xffffffff)
    expect(v.getUint32(40, true)).toBe(0xffffffff)
    const withAudio = new Uint8Array([...h, 1, 0, 2, 0])
    const info = parseWavHeader(withAudio)
    expect(info).toEqual({ encoding: 'pcm16', rate: 8000, dataOffset: 44, dataBytes: 4, declaredDataBytes: undefined })
    const mu = parseWavHeader(wavStreamHeader('mulaw', 8000))
    expect(mu.encoding).toBe('mulaw')
    expect(mu.dataOffset).toBe(46) // fmt chunk of 18 bytes (with cbSize) for non-PCM
  })
  test('a declared size beyond the buffer is clamped', () => {
    const wav = writeWav(new Int16Array(100), 8000)
    expect(parseWav(wav.subarray(0, 60)).dataBytes).toBe(16)
  })
  test('clear errors for what we cannot play', () => {
    const err = (b: Uint8Array) => {
      try {
        parseWavHeader(b)
        return 'parsed'
      } catch (e) {
        expect(e).toBeInstanceOf(WavError)
        return (e as Error).message
      }
    }
    expect(err(new Uint8Array([1, 2, 3]))).toContain('not a WAV')
    expect(err(build([['fmt ', fmt(1, 2, 8000, 16)], ['data', []]]))).toContain('2 channels')
    expect(err(build([['fmt ', fmt(3, 1, 8000, 32)], ['data', []]]))).toContain('format tag 3')
    expect(err(build([['fmt ', fmt(1, 1, 8000, 8)], ['data', []]]))).toContain('8-bit PCM')
    expect(err(build([['data', [1, 2]]]))).toContain('before the fmt')
    expect(err(build([['fmt ', fmt(1, 1, 8000, 16)]]))).toContain('no data chunk')
    expect(err(writeWav(new Int16Array(4), 8000).subarray(0, 30))).toContain('truncated')
    expect(isWav(writeWav(new Int16Array(0), 8000))).toBe(true)
  })
  test('WAVE_FORMAT_EXTENSIBLE with a PCM sub-format is PCM', () => {
    const ext = [...fmt(0xfffe, 1, 16000, 16), ...u16(22), ...u16(16), ...u32(4), ...u16(1), ...Array(14).fill(0)]
    expect(parseWavHeader(build([['fmt ', ext], ['data', [0, 0]]])).encoding).toBe('pcm16')
  })
})
