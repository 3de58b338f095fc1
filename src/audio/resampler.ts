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
 * delay: 1.4 ms between 16 and 24 kHz, 4.7 ms to or from 8 kHz) plus at most M−1 input samples.
 *
 * Filter: passband to 85 % (8 kHz side) or 75 % (16 kHz side and up) of the lower Nyquist frequency, stopband from
 * the lower Nyquist frequency on, designed for 86 dB (every image and alias measured below −86 dB; the tests hold it
 * to −80 dB). Each polyphase branch is normalised to unity DC gain so no branch pattern (a tone at the output rate
 * / L) is added to flat signals. The taps are computed once per ratio, at first use, into the SIMD kernel's memory
 * ({@link module:audio/fir-kernel}): 16k→24k 44 taps per output, 24k→16k 68, 8k→24k 76, 24k→8k 220.
 *
 * Cost per 20 ms frame (one process on a busy 2-core VM, fastest batch): 1.6–1.7 µs between 16 and 24 kHz, 2.2–2.6 µs
 * to or from 8 kHz, allocation-free when the caller passes `out` (or stages bytes, {@link Resampler.processStaged}),
 * against 8–16 µs for the previous double-precision JS loop.
 */

import { INPUT_AT, MAX_HISTORY, MAX_INPUT, MAX_OUTPUT, OUTPUT_AT, STATE_AT, WORK_AT, allocTable, fir, heap } from './fir-kernel'

export { heap as resamplerHeap } from './fir-kernel'
/** Byte offsets in `resamplerHeap.bytes` of the staged input and output (see {@link Resampler.processStaged}). */
export const STAGED_INPUT_AT = INPUT_AT
export const STAGED_OUTPUT_AT = OUTPUT_AT

/** Above this the rates are not "telephony" ones and the polyphase table would be large. */
const MAX_FACTOR = 12
/** Designed attenuation; the Kaiser length formula is an estimate, this leaves margin over the −80 dB we test. */
const STOPBAND_DB = 86

type Design = {
  readonly up: number
  readonly down: number
  /** Taps per polyphase branch (a multiple of 4: one SIMD vector each). */
  readonly taps: number
  /** Byte offset, in the kernel memory, of the branches: branch p at [p·taps, (p+1)·taps) f32, stored reversed so
   * the dot product walks forward. */
  readonly tableAt: number
  /** Byte offset of the phase records, phase p at p·12: [its branch's address, the window's advance in bytes when
   * stepping one output (M up-sampled samples), the next phase's record address]. */
  readonly recordsAt: number
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
  if (up === 1 && down === 1) return { up, down, taps: 0, tableAt: 0, recordsAt: 0, delayOutSamples: 0 }
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
  // Branch length rounded up to a multiple of 4, one SIMD vector per step (a slightly longer, better filter).
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
  if (taps + down > MAX_HISTORY) throw new RangeError(`resampler filter too long for ${inRate} → ${outRate}`)
  const tableAt = allocTable(length * 4)
  const recordsAt = allocTable(up * 12)
  const table = heap.f32
  for (let p = 0; p < up; p++) {
    let sum = 0
    for (let j = 0; j < taps; j++) sum += h[p + j * up]!
    for (let j = 0; j < taps; j++) table[tableAt / 4 + p * taps + (taps - 1 - j)] = h[p + j * up]! / sum
  }
  for (let p = 0; p < up; p++) {
    const r = recordsAt / 4 + p * 3
    heap.i32[r] = tableAt + p * taps * 4
    heap.i32[r + 1] = Math.floor((p + down) / up) * 4
    heap.i32[r + 2] = recordsAt + ((p + down) % up) * 12
  }
  return { up, down, taps, tableAt, recordsAt, delayOutSamples: centre / down }
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
  /** Inputs kept from earlier calls (as f32, the kernel's working type): the filter history. */
  private readonly history: Float32Array
  /** Phase of the next output in the up-sampled grid, as the address of its phase record. */
  private phase: number
  /** Address in the kernel's work area (history first, then the new chunk) where the next output's window starts. */
  private start: number
  /** (inputs so far · L) mod M: what is left over towards the next output. */
  private rem = 0
  /** Largest input piece whose output fits the kernel's output area. */
  private readonly maxPiece: number
  // Views of the kernel memory reused from frame to frame (same frame size → no allocation).
  private generation = -1
  private historyView = new Float32Array(0)
  private outputView = new Int16Array(0)

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
    this.history = new Float32Array(this.d.taps + this.d.down)
    this.phase = this.d.recordsAt
    this.start = WORK_AT + (this.d.down + 1) * 4
    this.maxPiece = Math.min(MAX_INPUT, Math.floor(((MAX_OUTPUT - 1) * this.down) / this.up) - this.down)
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
    let dst: Int16Array
    if (out === undefined) dst = new Int16Array(count)
    else if (out.length < count) throw new RangeError(`resampler output holds ${out.length} samples, need ${count}`)
    else dst = out.length === count ? out : out.subarray(0, count)
    if (this.up === 1 && this.down === 1) {
      dst.set(input)
      return dst
    }
    if (n <= this.maxPiece) this.piece(input, dst, 0)
    else {
      // Longer than the kernel's scratch area (one-shot conversions, never a frame): the same stream in pieces.
      for (let at = 0, o = 0; at < n; at += this.maxPiece) o += this.piece(input.subarray(at, Math.min(n, at + this.maxPiece)), dst, o)
    }
    return dst
  }

  /**
   * The zero-copy entry for streams that live as bytes (the converters): write up to {@link stagedCapacity} samples as
   * PCM16 LE at byte {@link STAGED_INPUT_AT} of `heap.bytes` (e.g. `Buffer.write(b64, at, 'base64')`), call this, and
   * read the returned number of samples at byte {@link STAGED_OUTPUT_AT}. Valid until the next call into any
   * resampler (they share the kernel).
   */
  processStaged(n: number): number {
    if (n > this.maxPiece || n < 0) throw new RangeError(`resampler stage holds ${this.maxPiece} samples, got ${n}`)
    if (this.up === 1 && this.down === 1) {
      heap.bytes.copyWithin(OUTPUT_AT, INPUT_AT, INPUT_AT + n * 2)
      return n
    }
    return this.run(n)
  }

  /** Samples `processStaged` accepts at once. */
  get stagedCapacity(): number {
    return this.maxPiece
  }

  /** Runs the kernel over `input` (≤ maxPiece samples), writing its outputs into `dst` at `at`; returns their count. */
  private piece(input: Int16Array, dst: Int16Array, at: number): number {
    heap.i16.set(input, INPUT_AT / 2)
    const count = this.run(input.length)
    if (this.outputView.length !== count) this.outputView = heap.i16.subarray(OUTPUT_AT / 2, OUTPUT_AT / 2 + count)
    dst.set(this.outputView, at)
    return count
  }

  /** The kernel over the `n` samples in its input area, with this stream's history and phase. */
  private run(n: number): number {
    const count = Math.floor((this.rem + n * this.up) / this.down)
    this.rem = (this.rem + n * this.up) % this.down
    const d = this.d
    if (this.generation !== heap.generation) {
      this.generation = heap.generation
      this.historyView = heap.f32.subarray(WORK_AT / 4, WORK_AT / 4 + this.history.length)
      this.outputView = heap.i16.subarray(0, 0)
    }
    heap.f32.set(this.history, WORK_AT / 4)
    heap.i32[STATE_AT / 4] = this.phase
    heap.i32[STATE_AT / 4 + 1] = this.start
    fir(d.taps * 4, WORK_AT, this.history.length * 4, n, count, INPUT_AT, OUTPUT_AT, STATE_AT, d.up, d.down * 4)
    this.phase = heap.i32[STATE_AT / 4]!
    this.start = heap.i32[STATE_AT / 4 + 1]!
    this.history.set(this.historyView)
    return count
  }

  /** Forgets the history (start of a new, unrelated stream). */
  reset(): void {
    this.history.fill(0)
    this.phase = this.d.recordsAt
    this.start = WORK_AT + (this.d.down + 1) * 4
    this.rem = 0
  }
}

export function createResampler(inRate: number, outRate: number): Resampler {
  return new Resampler(inRate, outRate)
}
