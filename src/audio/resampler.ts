/**
 * @module audio/resampler
 * Streaming sample-rate conversion between the telephony rates (8, 16 and 24 kHz) by a rational factor L/M
 * (e.g. 16k→24k is up 3, down 2), with a Kaiser-windowed-sinc FIR run in polyphase form: only the taps that meet a
 * real (non-zero-stuffed) input sample are ever multiplied, and only the outputs we keep are ever computed.
 *
 * It is stateful: the last input samples of each call are kept as the filter history of the next one, and the
 * output position is carried as an exact integer phase, so splitting a stream into chunks of any sizes produces
 * bit-identical output to one call with everything (no clicks at 20 ms frame edges).
 *
 * Sample-count guarantee: after a total of N input samples, exactly floor(N·L/M) output samples have been produced,
 * whatever the chunking (16k→24k: 320 in → 480 out for every 20 ms frame; 24k→8k: 480 → 160). An output sample is
 * emitted only once every input it depends on has arrived, which costs a latency of `delayMs` (the filter's group
 * delay: about 1 ms between 16 and 24 kHz, 3.5 ms to or from 8 kHz) plus at most M−1 input samples.
 *
 * Filter: passband to 85 % (8 kHz side) or 75 % (16 kHz side and up) of the lower Nyquist frequency, stopband from
 * the lower Nyquist frequency on, 65 dB stopband attenuation (ripple ≈ 0.005 dB). Each polyphase branch is normalised
 * to unity DC gain so no branch pattern (a tone at the output rate / L) is added to flat signals.
 */

/** Above this the rates are not "telephony" ones and the polyphase table would be large. */
const MAX_FACTOR = 12
const STOPBAND_DB = 65

type Design = {
  readonly up: number
  readonly down: number
  /** Taps per polyphase branch. */
  readonly taps: number
  /** Branch p (for up-phase p) occupies [p·taps, (p+1)·taps), stored reversed so the dot product walks forward. */
  readonly table: Float64Array
  /** Per phase: input index advance and next phase when stepping one output (M up-sampled samples). */
  readonly advance: Int32Array
  readonly nextPhase: Int32Array
  readonly delayOutSamples: number
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the β we use). */
function besselI0(x: number): number {
  let sum = 1
  let term = 1
  const q = (x * x) / 4
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k)
    sum += term
    if (term < sum * 1e-17) break
  }
  return sum
}

function design(inRate: number, outRate: number): Design {
  const g = gcd(inRate, outRate)
  const up = outRate / g
  const down = inRate / g
  if (up === 1 && down === 1) {
    return { up, down, taps: 1, table: new Float64Array([1]), advance: new Int32Array([1]), nextPhase: new Int32Array(1), delayOutSamples: 0 }
  }
  const lowRate = Math.min(inRate, outRate)
  const stopHz = lowRate / 2
  // 8 kHz audio is band-limited telephony (≤ 3.4 kHz) so the transition can be narrow there; at 16 kHz a 2 kHz
  // transition halves the filter length while keeping everything below 6 kHz untouched.
  const passHz = stopHz * (lowRate <= 8000 ? 0.85 : 0.75)
  const fsUp = inRate * up
  const cutoff = (passHz + stopHz) / 2 / fsUp // cycles per up-sampled sample
  const transition = (2 * Math.PI * (stopHz - passHz)) / fsUp
  const beta = 0.1102 * (STOPBAND_DB - 8.7)
  const minLength = Math.ceil((STOPBAND_DB - 8) / (2.285 * transition)) + 1
  // Branch length rounded up to a multiple of 4 for the 4-way unrolled dot product (a slightly longer, better filter).
  const taps = Math.ceil(minLength / up / 4) * 4
  const length = taps * up
  const centre = (length - 1) / 2
  const i0beta = besselI0(beta)
  const h = new Float64Array(length)
  for (let n = 0; n < length; n++) {
    const x = n - centre
    const r = (2 * n) / (length - 1) - 1
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta
    const arg = 2 * Math.PI * cutoff * x
    const sinc = x === 0 ? 2 * cutoff : Math.sin(arg) / (Math.PI * x)
    h[n] = sinc * window
  }
  const table = new Float64Array(length)
  for (let p = 0; p < up; p++) {
    let sum = 0
    for (let j = 0; j < taps; j++) sum += h[p + j * up]!
    for (let j = 0; j < taps; j++) table[p * taps + (taps - 1 - j)] = h[p + j * up]! / sum
  }
  const advance = new Int32Array(up)
  const nextPhase = new Int32Array(up)
  for (let p = 0; p < up; p++) {
    advance[p] = Math.floor((p + down) / up)
    nextPhase[p] = (p + down) % up
  }
  return { up, down, taps, table, advance, nextPhase, delayOutSamples: centre / down }
}

const designs = new Map<string, Design>()

function designFor(inRate: number, outRate: number): Design {
  const key = `${inRate}>${outRate}`
  let d = designs.get(key)
  if (!d) {
    d = design(inRate, outRate)
    designs.set(key, d)
  }
  return d
}

export class Resampler {
  readonly inRate: number
  readonly outRate: number
  /** L and M: the output rate is inRate·L/M, in lowest terms. */
  readonly up: number
  readonly down: number
  /** Group delay of the filter, in milliseconds of audio. */
  readonly delayMs: number
  private readonly d: Design
  /** Inputs kept from earlier calls, ahead of the new ones in `work`. */
  private readonly hist: number
  private work: Float64Array
  /** Phase of the next output in the up-sampled grid (0 … L−1). */
  private phase = 0
  /** Index, relative to the first sample of the next chunk, of the newest input the next output needs. */
  private next = 0
  /** (inputs so far · L) mod M: what is left over towards the next output. */
  private rem = 0

  constructor(inRate: number, outRate: number) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new RangeError(`resampler rates must be positive integers (got ${inRate} → ${outRate})`)
    }
    const g = gcd(inRate, outRate)
    if (inRate / g > MAX_FACTOR || outRate / g > MAX_FACTOR) {
      throw new RangeError(`resampler supports simple ratios such as 8000/16000/24000 Hz (got ${inRate} → ${outRate})`)
    }
    this.inRate = inRate
    this.outRate = outRate
    this.d = designFor(inRate, outRate)
    this.up = this.d.up
    this.down = this.d.down
    this.delayMs = (this.d.delayOutSamples * 1000) / outRate
    this.hist = this.d.taps + this.d.down
    this.work = new Float64Array(this.hist + 960)
  }

  /** How many samples the next `process` call will return for `inputLength` samples. */
  outputLength(inputLength: number): number {
    return Math.floor((this.rem + inputLength * this.up) / this.down)
  }

  /**
   * Resamples the next chunk of the stream. Writes into `out` when given (it must hold `outputLength(input.length)`
   * samples) and returns the filled part; otherwise allocates the result. Output is rounded and clipped to int16.
   */
  process(input: Int16Array, out?: Int16Array): Int16Array {
    const n = input.length
    const count = this.outputLength(n)
    this.rem = (this.rem + n * this.up) % this.down
    let dst: Int16Array
    if (out === undefined) dst = new Int16Array(count)
    else if (out.length < count) throw new RangeError(`resampler output holds ${out.length} samples, need ${count}`)
    else dst = out.length === count ? out : out.subarray(0, count)
    if (this.up === 1 && this.down === 1) {
      dst.set(input)
      return dst
    }

    const hist = this.hist
    if (this.work.length < hist + n) {
      const grown = new Float64Array(hist + Math.max(n, this.work.length * 2))
      grown.set(this.work.subarray(0, hist))
      this.work = grown
    }
    const work = this.work
    for (let i = 0; i < n; i++) work[hist + i] = input[i]!

    const { taps, table, advance, nextPhase } = this.d
    let phase = this.phase
    // Start of the window (oldest input) for the next output, as an index into `work`.
    let start = this.next + hist - taps + 1
    for (let o = 0; o < count; o++) {
      const t = phase * taps
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      // Four accumulators let the CPU overlap the multiply-adds; the summation order is fixed, so the result does not
      // depend on chunking.
      for (let k = 0; k < taps; k += 4) {
        a0 += table[t + k]! * work[start + k]!
        a1 += table[t + k + 1]! * work[start + k + 1]!
        a2 += table[t + k + 2]! * work[start + k + 2]!
        a3 += table[t + k + 3]! * work[start + k + 3]!
      }
      let v = Math.round(a0 + a1 + (a2 + a3))
      if (v > 32767) v = 32767
      else if (v < -32768) v = -32768
      dst[o] = v
      start += advance[phase]!
      phase = nextPhase[phase]!
    }
    this.phase = phase
    this.next = start - hist + taps - 1 - n
    // Keep the newest `hist` inputs (older ones can no longer be reached) at the front for the next call.
    work.copyWithin(0, n, n + hist)
    return dst
  }

  /** Forgets the history (start of a new, unrelated stream). */
  reset(): void {
    this.work.fill(0)
    this.phase = 0
    this.next = 0
    this.rem = 0
  }
}

export function createResampler(inRate: number, outRate: number): Resampler {
  return new Resampler(inRate, outRate)
}
