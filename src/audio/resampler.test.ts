import { describe, expect, test } from 'bun:test'
import { Resampler, createResampler } from './resampler'
import { BLACKMAN_HARRIS_GAIN, blackmanHarris, goertzelPower, rms, tone } from './signal'
import { mulberry32 as prng } from '../sim/prng'

const PAIRS = [
  [8000, 16000],
  [8000, 24000],
  [16000, 24000],
  [24000, 16000],
  [24000, 8000],
  [16000, 8000],
] as const


/** Speech-like test signal: three tones plus deterministic noise, up to ~0.8 of full scale. */
function testSignal(n: number, rate: number): Int16Array {
  const rnd = prng(7)
  const out = new Int16Array(n)
  for (let i = 0; i < n; i++) {
    const t = i / rate
    const v = 9000 * Math.sin(2 * Math.PI * 440 * t) + 7000 * Math.sin(2 * Math.PI * 1870 * t) + 5000 * Math.sin(2 * Math.PI * 3100 * t)
    out[i] = Math.round(v + (rnd() - 0.5) * 4000)
  }
  return out
}

function chunked(r: Resampler, input: Int16Array, sizes: readonly number[]): Int16Array {
  const parts: Int16Array[] = []
  let at = 0
  for (let k = 0; at < input.length; k++) {
    const size = Math.min(sizes[k % sizes.length]!, input.length - at)
    parts.push(r.process(input.subarray(at, at + size)))
    at += size
  }
  const out = new Int16Array(parts.reduce((s, p) => s + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function randomSizes(seed: number, count: number): number[] {
  const rnd = prng(seed)
  const fixed = [1, 7, 160, 333, 2, 0, 1, 1, 479, 3]
  return [...fixed, ...Array.from({ length: count }, () => Math.floor(rnd() * 700))]
}

/** Tone amplitude (peak, in sample units) at `freq` over `samples`, Blackman-Harris windowed. */
function amplitude(samples: Int16Array, freq: number, rate: number): number {
  return Math.sqrt(goertzelPower(blackmanHarris(samples), freq, rate)) / BLACKMAN_HARRIS_GAIN
}

/** Strongest component outside ±guard Hz of `freq`, in dB relative to the component at `freq`. */
function worstSpurDb(samples: Int16Array, freq: number, rate: number, guard = 100): number {
  const w = blackmanHarris(samples)
  const ref = goertzelPower(w, freq, rate)
  let worst = 0
  for (let f = 20; f < rate / 2 - 10; f += 10) {
    if (Math.abs(f - freq) <= guard) continue
    worst = Math.max(worst, goertzelPower(w, f, rate))
  }
  return 10 * Math.log10(worst / ref)
}

/** Output after the filter has settled: skips the first 20 ms, keeps `ms`. */
function settled(out: Int16Array, rate: number, ms = 200): Int16Array {
  const skip = rate / 50
  return out.subarray(skip, skip + (rate * ms) / 1000)
}

describe('Resampler', () => {
  test('20 ms frames map to 20 ms frames exactly, from the first frame on', () => {
    for (const [from, to] of PAIRS) {
      const r = createResampler(from, to)
      const frame = new Int16Array(from / 50)
      for (let i = 0; i < 50; i++) expect(r.process(frame).length).toBe(to / 50)
    }
  })

  test('total output is floor(N·L/M) for N inputs, whatever the chunk sizes', () => {
    for (const [from, to] of PAIRS) {
      const input = testSignal(from, from) // 1 s
      for (const seed of [1, 2, 3]) {
        const r = createResampler(from, to)
        let total = 0
        let fed = 0
        const sizes = randomSizes(seed, 40)
        for (let k = 0; fed < input.length; k++) {
          const n = Math.min(sizes[k % sizes.length]!, input.length - fed)
          const expected = r.outputLength(n)
          const out = r.process(input.subarray(fed, fed + n))
          expect(out.length).toBe(expected)
          fed += n
          total += out.length
          expect(total).toBe(Math.floor((fed * r.up) / r.down))
        }
        expect(total).toBe((input.length * to) / from)
      }
    }
    // Single samples: 16k→24k alternates 1 and 2 outputs (L/M = 3/2), 24k→8k gives one output every third input.
    const up = createResampler(16000, 24000)
    expect(Array.from({ length: 6 }, () => up.process(new Int16Array(1)).length)).toEqual([1, 2, 1, 2, 1, 2])
    const down = createResampler(24000, 8000)
    expect(Array.from({ length: 6 }, () => down.process(new Int16Array(1)).length)).toEqual([0, 0, 1, 0, 0, 1])
  })

  test('chunked output is bit-identical to one-shot output (no clicks at chunk edges)', () => {
    for (const [from, to] of PAIRS) {
      const input = testSignal(from / 2, from) // 500 ms
      const oneShot = createResampler(from, to).process(input)
      for (const seed of [11, 12]) {
        const out = chunked(createResampler(from, to), input, randomSizes(seed, 30))
        expect(out.length).toBe(oneShot.length)
        let maxDiff = 0
        for (let i = 0; i < out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i]! - oneShot[i]!))
        expect(maxDiff).toBe(0)
      }
    }
  })

  test('writes into a caller-provided buffer', () => {
    const r = createResampler(16000, 24000)
    const buf = new Int16Array(480)
    const out = r.process(tone(1000, 20, 16000), buf)
    expect(out).toBe(buf)
    const big = new Int16Array(1000)
    const part = r.process(tone(1000, 20, 16000), big)
    expect(part.length).toBe(480)
    expect(part.buffer).toBe(big.buffer)
    expect(() => r.process(new Int16Array(320), new Int16Array(10))).toThrow(RangeError)
  })

  test('tones across the passband leave no image or alias above −80 dB, in every pair', () => {
    for (const [from, to] of PAIRS) {
      const nyquist = Math.min(from, to) / 2
      const passEdge = nyquist * (nyquist <= 4000 ? 0.85 : 0.75)
      for (const f of [300, 1000, 3000, Math.round(passEdge * 0.98)]) {
        const out = createResampler(from, to).process(tone(f, 300, from, 0.9))
        const spur = worstSpurDb(settled(out, to), f, to)
        if (!(spur < -80)) throw new Error(`${from}→${to}: ${f} Hz leaves a spur at ${spur.toFixed(1)} dB`)
      }
    }
  })

  test('going down, everything above the lower Nyquist frequency is attenuated by at least 80 dB (no alias)', () => {
    for (const [from, to] of PAIRS.filter(([a, b]) => a > b)) {
      for (const f of [to / 2 + 100, to * 0.6, from * 0.48]) {
        const input = tone(f, 300, from, 0.9)
        const out = settled(createResampler(from, to).process(input), to)
        const attenuation = 20 * Math.log10(Math.max(rms(out), 1e-9) / rms(settled(input, from)))
        if (!(attenuation < -80)) throw new Error(`${from}→${to}: ${f} Hz only attenuated ${attenuation.toFixed(1)} dB`)
      }
    }
    // The classic case: 10 kHz in 24 kHz audio would land on 6 kHz at 16 kHz.
    const out = settled(createResampler(24000, 16000).process(tone(10000, 300, 24000, 0.9)), 16000)
    expect(amplitude(out, 6000, 16000)).toBeLessThan(0.9 * 32767 * 10 ** (-80 / 20))
  })

  test('streams of any chunking share one kernel without disturbing each other (interleaved resamplers)', () => {
    const input = testSignal(8000, 16000)
    const alone = createResampler(16000, 24000).process(input)
    const a = createResampler(16000, 24000)
    const b = createResampler(24000, 8000)
    const parts: Int16Array[] = []
    for (let at = 0; at < input.length; at += 320) {
      parts.push(a.process(input.subarray(at, at + 320)).slice())
      b.process(testSignal(480, 24000))
    }
    expect(Array.from(parts.flatMap((p) => Array.from(p)))).toEqual(Array.from(alone))
  })

  test('a 1 kHz tone keeps its amplitude within ±0.5 dB', () => {
    for (const [from, to] of PAIRS) {
      const input = tone(1000, 300, from, 0.5)
      const out = createResampler(from, to).process(input)
      const gainDb = 20 * Math.log10(amplitude(settled(out, to), 1000, to) / amplitude(settled(input, from), 1000, from))
      expect(Math.abs(gainDb)).toBeLessThan(0.5)
      expect(Math.abs(gainDb)).toBeLessThan(0.05) // what the design actually achieves
    }
  })

  test('clips instead of wrapping around', () => {
    const square = new Int16Array(2400)
    for (let i = 0; i < square.length; i++) square[i] = (i >> 4) & 1 ? 32767 : -32768
    const out = createResampler(24000, 16000).process(square)
    let min = 0
    let max = 0
    for (const v of out) {
      min = Math.min(min, v)
      max = Math.max(max, v)
    }
    expect(max).toBe(32767) // Gibbs overshoot would exceed int16 without clipping
    expect(min).toBe(-32768)
  })

  test('same rate is a copy; reset restarts the stream; odd ratios are refused', () => {
    const same = createResampler(16000, 16000)
    const x = testSignal(333, 16000)
    expect(Array.from(same.process(x))).toEqual(Array.from(x))
    const r = createResampler(16000, 24000)
    const a = r.process(testSignal(320, 16000))
    r.process(testSignal(1234, 16000))
    r.reset()
    expect(Array.from(r.process(testSignal(320, 16000)))).toEqual(Array.from(a))
    expect(() => createResampler(44100, 8000)).toThrow(RangeError)
    expect(() => createResampler(0, 8000)).toThrow(RangeError)
    expect(createResampler(16000, 24000).delayMs).toBeLessThan(5)
  })
})
