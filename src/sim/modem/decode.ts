/**
 * @module sim/modem/decode
 * Tone-code audio → text (see `sim/modem/code`), streaming. Audio is cut into 2 ms frames; a burst starts when a
 * frame's RMS rises above an "on" level and ends after two frames below an "off" level (the 12 ms gap between
 * characters guarantees that even after filters smear the edges). Both levels rise with the noise floor (the quietest
 * frame of the last 200 ms, which always includes a gap), and a burst also ends 10 dB below its own loudest frame,
 * so steady background noise does not merge bursts. Each burst is Hann-windowed and classified by
 * comparing Goertzel power at the 7 low and 7 high candidate frequencies, so levels, phases and small timing shifts
 * do not matter. Frames are processed sample by sample, so the result is independent of how audio is chunked.
 */

import { ALPHABET, HIGH_TONES_HZ, LOW_TONES_HZ, toneSymbol } from './code'

export type DecoderOptions = {
  /** Silence that ends an utterance; the separator is put between utterances. Default 150 ms. */
  readonly utteranceGapMs?: number
  /** Text put between two utterances (only when text is still buffered). Default ' '; '' to disable. */
  readonly separator?: string
}

export type ToneDecoder = {
  push(samples: Int16Array): void
  /** Finishes a burst still in progress (end of stream). */
  flush(): void
  /** Everything decoded and not yet taken. */
  text(): string
  /** Returns `text()` and clears it. */
  take(): string
  reset(): void
}

const FRAME_MS = 2
/** Frame RMS levels in sample units when there is no noise: bursts have an RMS of ~6500. */
const ON_RMS = 1000
const OFF_RMS = 500
const QUIET_FRAMES_TO_END = 2
/** The noise floor is the quietest frame of the last 200 ms; bursts must stand well above it. */
const FLOOR_FRAMES = 100
const ON_OVER_FLOOR = 12 // energy ratio, ≈ 11 dB
const OFF_OVER_FLOOR = 4 // ≈ 6 dB
/** A burst also ends 10 dB below its loudest frame, which works before the noise floor is known. */
const OFF_UNDER_PEAK = 0.1
const MIN_BURST_MS = 12
/** Longest burst taken for a character (28 ms plus filter smear); anything longer is something else. */
const MAX_BURST_MS = 60
/** Share of a burst's energy the two detected tones must explain; speech or noise explains far less. */
const MIN_TONE_SHARE = 0.5

class Decoder implements ToneDecoder {
  private readonly frameLen: number
  private readonly frame: Float64Array
  private readonly prev: Float64Array
  private fill = 0
  private energy = 0
  private readonly burst: Float64Array
  /** The windowed burst, reused. */
  private readonly windowed: Float64Array
  private burstLen = 0
  private active = false
  private overflow = false
  private quiet = 0
  private peak = 0
  private silentFrames = 0
  private readonly gapFrames: number
  private readonly minBurst: number
  private readonly separator: string
  /** A character was decoded since the last utterance gap. */
  private spoke = false
  private separatorDue = false
  private buffer = ''
  private readonly lowCoeff: Float64Array
  private readonly highCoeff: Float64Array
  /** Mean square of the last FLOOR_FRAMES frames (a ring). */
  private readonly recent = new Float64Array(FLOOR_FRAMES)
  private recentAt = 0

  constructor(rate: number, opts: DecoderOptions) {
    this.frameLen = Math.max(1, Math.round((FRAME_MS * rate) / 1000))
    this.frame = new Float64Array(this.frameLen)
    this.prev = new Float64Array(this.frameLen)
    this.burst = new Float64Array(Math.round((MAX_BURST_MS * rate) / 1000) + 2 * this.frameLen)
    this.windowed = new Float64Array(this.burst.length)
    this.gapFrames = Math.ceil((opts.utteranceGapMs ?? 150) / FRAME_MS)
    this.minBurst = Math.round((MIN_BURST_MS * rate) / 1000)
    this.separator = opts.separator ?? ' '
    this.lowCoeff = Float64Array.from(LOW_TONES_HZ, (f) => 2 * Math.cos((2 * Math.PI * f) / rate))
    this.highCoeff = Float64Array.from(HIGH_TONES_HZ, (f) => 2 * Math.cos((2 * Math.PI * f) / rate))
  }

  push(samples: Int16Array): void {
    const frame = this.frame
    const len = this.frameLen
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!
      frame[this.fill++] = s
      this.energy += s * s
      if (this.fill === len) {
        this.onFrame(this.energy / len)
        this.fill = 0
        this.energy = 0
      }
    }
  }

  flush(): void {
    if (this.active) this.finish()
  }

  text(): string {
    return this.buffer
  }

  take(): string {
    const t = this.buffer
    this.buffer = ''
    return t
  }

  reset(): void {
    this.fill = 0
    this.energy = 0
    this.active = false
    this.burstLen = 0
    this.quiet = 0
    this.silentFrames = 0
    this.spoke = false
    this.separatorDue = false
    this.buffer = ''
    this.prev.fill(0)
    this.recent.fill(0)
  }

  private onFrame(meanSquare: number): void {
    this.recent[this.recentAt] = meanSquare
    this.recentAt = (this.recentAt + 1) % FLOOR_FRAMES
    let floor = Infinity
    for (let i = 0; i < FLOOR_FRAMES; i++) floor = Math.min(floor, this.recent[i]!)
    const on = Math.max(ON_RMS * ON_RMS, floor * ON_OVER_FLOOR)
    if (!this.active) {
      if (meanSquare > on) {
        this.active = true
        this.overflow = false
        this.burstLen = 0
        this.quiet = 0
        this.peak = meanSquare
        this.append(this.prev) // the fade-in started below the "on" level
        this.append(this.frame)
      } else if (++this.silentFrames >= this.gapFrames && this.spoke) {
        this.spoke = false
        this.separatorDue = true
      }
    } else {
      this.append(this.frame)
      this.peak = Math.max(this.peak, meanSquare)
      const off = Math.max(OFF_RMS * OFF_RMS, floor * OFF_OVER_FLOOR, this.peak * OFF_UNDER_PEAK)
      if (meanSquare < off) {
        if (++this.quiet >= QUIET_FRAMES_TO_END) this.finish()
      } else this.quiet = 0
    }
    this.prev.set(this.frame)
  }

  private append(frame: Float64Array): void {
    if (this.burstLen + frame.length > this.burst.length) {
      this.overflow = true // far longer than a character: not our code (speech, music, a held tone)
      return
    }
    this.burst.set(frame, this.burstLen)
    this.burstLen += frame.length
  }

  private finish(): void {
    this.active = false
    this.silentFrames = this.quiet
    if (this.overflow || this.burstLen < this.minBurst) return
    const symbol = this.classify(this.burst.subarray(0, this.burstLen))
    if (symbol < 0) return
    if (this.separatorDue && this.buffer.length > 0) this.buffer += this.separator
    this.separatorDue = false
    this.spoke = true
    this.buffer += ALPHABET[symbol]!
  }

  /** The symbol of a burst, or -1 when it is not a clean tone pair. */
  private classify(x: Float64Array): number {
    const n = x.length
    const y = this.windowed.subarray(0, n)
    let sumW = 0
    let sumW2 = 0
    let energy = 0
    for (let i = 0; i < n; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n)
      const v = x[i]! * w
      y[i] = v
      sumW += w
      sumW2 += w * w
      energy += v * v
    }
    if (energy === 0) return -1
    const low = strongest(y, this.lowCoeff)
    const high = strongest(y, this.highCoeff)
    // |Y|² of a tone of peak A is (A·ΣW/2)², and its share of the windowed energy is A²/2·ΣW².
    const toneEnergy = ((low.power + high.power) * 4 * sumW2) / (2 * sumW * sumW)
    if (toneEnergy < MIN_TONE_SHARE * energy) return -1
    return toneSymbol(low.index, high.index)
  }
}

/** Goertzel |Y(f)|² for each candidate (given as 2·cos ω); the index and power of the largest. */
function strongest(y: Float64Array, coeffs: Float64Array): { index: number; power: number } {
  let index = 0
  let power = -1
  for (let k = 0; k < coeffs.length; k++) {
    const c = coeffs[k]!
    let s1 = 0
    let s2 = 0
    for (let i = 0; i < y.length; i++) {
      const s0 = y[i]! + c * s1 - s2
      s2 = s1
      s1 = s0
    }
    const p = s1 * s1 + s2 * s2 - c * s1 * s2
    if (p > power) {
      power = p
      index = k
    }
  }
  return { index, power }
}

export function createDecoder(rate: number, opts: DecoderOptions = {}): ToneDecoder {
  return new Decoder(rate, opts)
}

/** One-shot decode of a whole recording. */
export function decodeText(samples: Int16Array, rate: number, opts: DecoderOptions = {}): string {
  const d = new Decoder(rate, opts)
  d.push(samples)
  d.flush()
  return d.text()
}
