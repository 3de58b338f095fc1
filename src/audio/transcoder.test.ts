import { describe, expect, test } from 'bun:test'
import { mulawDecode, mulawEncode } from './mulaw'
import { base64ToBytes, base64ToPcm16, bytesToBase64, pcm16Bytes, pcm16ToBase64 } from './pcm'
import { createResampler } from './resampler'
import { tone } from './signal'
import { createCallConverters, createConverter, wavStreamHeaderBase64 } from './transcoder'
import { WavError, parseWavHeader, wavStreamHeader, writeWav } from './wav'

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Splits `bytes` into base64 chunks of the given (cycled) sizes. */
function chunks(bytes: Uint8Array, sizes: readonly number[]): string[] {
  const out: string[] = []
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!
    out.push(bytesToBase64(bytes.subarray(at, at + n)))
    at += n
  }
  return out
}

describe('createConverter', () => {
  test('same raw format: returns the very same string and never decodes', () => {
    let decodes = 0
    const conv = createConverter({ encoding: 'pcm16', rate: 24000 }, { encoding: 'pcm16', rate: 24000 }, { onDecode: () => decodes++ })
    expect(conv.passthrough).toBe(true)
    const s = pcm16ToBase64(tone(440, 20, 24000))
    for (let i = 0; i < 10; i++) expect(conv.convert(s)).toBe(s)
    expect(decodes).toBe(0)
    expect(conv.decodedChunks).toBe(0)
    const mu = createConverter({ encoding: 'mulaw', rate: 8000, container: 'raw' }, { encoding: 'mulaw', rate: 8000 })
    expect(mu.passthrough).toBe(true)
    expect(mu.convert('/////w==')).toBe('/////w==')
  })

  test('μ-law 8k → PCM16 24k equals decode + resample, 3 output samples per byte', () => {
    const pcm = tone(1000, 200, 8000, 0.4)
    const mu = mulawEncode(pcm)
    const conv = createConverter({ encoding: 'mulaw', rate: 8000 }, { encoding: 'pcm16', rate: 24000 })
    expect(conv.passthrough).toBe(false)
    const out = chunks(mu, [160, 7, 1, 333]).map((c) => base64ToBytes(conv.convert(c)))
    const got = base64ToPcm16(bytesToBase64(concatBytes(out)))
    expect(got.length).toBe(mu.length * 3)
    const expected = createResampler(8000, 24000).process(mulawDecode(mu))
    expect(Array.from(got)).toEqual(Array.from(expected))
  })

  test('PCM16 16k → 24k with odd-sized chunks matches one-shot conversion (byte carry)', () => {
    const pcm = tone(700, 300, 16000, 0.6)
    const bytes = pcm16Bytes(pcm)
    const oneShot = createConverter({ encoding: 'pcm16', rate: 16000 }, { encoding: 'pcm16', rate: 24000 })
    const expected = base64ToBytes(oneShot.convert(bytesToBase64(bytes)))
    expect(expected.length).toBe((pcm.length * 3) / 2 * 2)
    const conv = createConverter({ encoding: 'pcm16', rate: 16000 }, { encoding: 'pcm16', rate: 24000 })
    const got = concatBytes(chunks(bytes, [641, 1, 3, 320, 77]).map((c) => base64ToBytes(conv.convert(c))))
    expect(Array.from(got)).toEqual(Array.from(expected))
  })

  test('PCM16 24k → μ-law 8k', () => {
    const pcm = tone(1000, 100, 24000, 0.5)
    const conv = createConverter({ encoding: 'pcm16', rate: 24000 }, { encoding: 'mulaw', rate: 8000 })
    const out = base64ToBytes(conv.convert(pcm16ToBase64(pcm)))
    expect(out.length).toBe(800)
    expect(Array.from(out)).toEqual(Array.from(mulawEncode(createResampler(24000, 8000).process(pcm))))
  })

  test('a WAV header at the start of a chunk is stripped, even when split across chunks', () => {
    const pcm = tone(500, 40, 16000, 0.3)
    const file = writeWav(pcm, 16000)
    const wavIn = { encoding: 'pcm16', rate: 16000, container: 'wav' } as const
    const direct = createConverter({ encoding: 'pcm16', rate: 16000 }, { encoding: 'pcm16', rate: 24000 })
    const expected = base64ToBytes(direct.convert(pcm16ToBase64(pcm)))

    const whole = createConverter(wavIn, { encoding: 'pcm16', rate: 24000 })
    expect(Array.from(base64ToBytes(whole.convert(bytesToBase64(file))))).toEqual(Array.from(expected))

    const split = createConverter(wavIn, { encoding: 'pcm16', rate: 24000 })
    const parts = chunks(file, [3, 20, 101, 2000]).map((c) => base64ToBytes(split.convert(c)))
    expect(parts[0]!.length).toBe(0) // still inside the header
    expect(Array.from(concatBytes(parts))).toEqual(Array.from(expected))
  })

  test('a header that disagrees with the negotiated format is an error', () => {
    const conv = createConverter({ encoding: 'pcm16', rate: 16000, container: 'wav' }, { encoding: 'pcm16', rate: 24000 })
    expect(() => conv.convert(bytesToBase64(writeWav(new Int16Array(10), 8000)))).toThrow(WavError)
  })

  test('wav/mulaw → pcmu only rewrites the chunk with the header', () => {
    let decodes = 0
    const conv = createConverter({ encoding: 'mulaw', rate: 8000, container: 'wav' }, { encoding: 'mulaw', rate: 8000 }, { onDecode: () => decodes++ })
    expect(conv.passthrough).toBe(false)
    const audio = mulawEncode(tone(800, 20, 8000))
    const first = bytesToBase64(concatBytes([wavStreamHeader('mulaw', 8000), audio]))
    expect(conv.convert(first)).toBe(bytesToBase64(audio))
    const next = bytesToBase64(audio)
    expect(conv.convert(next)).toBe(next)
    expect(decodes).toBe(1)
  })

  test('a WAV output starts with a streaming header, again after reset', () => {
    const conv = createConverter({ encoding: 'pcm16', rate: 24000 }, { encoding: 'pcm16', rate: 8000, container: 'wav' })
    const pcm = tone(440, 20, 24000)
    const first = base64ToBytes(conv.convert(pcm16ToBase64(pcm)))
    const info = parseWavHeader(first)
    expect(info).toMatchObject({ encoding: 'pcm16', rate: 8000, dataOffset: 44, dataBytes: 320, declaredDataBytes: undefined })
    expect(base64ToBytes(conv.convert(pcm16ToBase64(pcm))).length).toBe(320)
    conv.reset()
    expect(base64ToBytes(conv.convert(pcm16ToBase64(pcm))).length).toBe(44 + 320)
    expect(wavStreamHeaderBase64('pcm16', 8000)).toBe(bytesToBase64(wavStreamHeader('pcm16', 8000)))
  })

  test('μ-law at another rate is refused', () => {
    expect(() => createConverter({ encoding: 'mulaw', rate: 16000 }, { encoding: 'pcm16', rate: 24000 })).toThrow(RangeError)
  })
})

describe('createCallConverters', () => {
  test('follows the relay plan for each format', () => {
    for (const f of ['raw/lpcm16_24', 'raw/mulaw'] as const) {
      const c = createCallConverters(f)
      expect(c.plan.passthrough).toBe(true)
      expect(c.fromCaller.passthrough).toBe(true)
      expect(c.toCaller.passthrough).toBe(true)
    }
    const c = createCallConverters('raw/lpcm16_8')
    expect(c.plan.openai).toEqual({ type: 'audio/pcm', rate: 24000 })
    const caller = tone(1000, 20, 8000)
    expect(base64ToPcm16(c.fromCaller.convert(pcm16ToBase64(caller))).length).toBe(480)
    expect(base64ToPcm16(c.toCaller.convert(pcm16ToBase64(tone(1000, 20, 24000)))).length).toBe(160)
    const wav = createCallConverters('wav/lpcm16')
    expect(parseWavHeader(base64ToBytes(wav.toCaller.convert(pcm16ToBase64(tone(1000, 20, 24000))))).rate).toBe(16000)
  })
})
