/**
 * @module audio/signal
 * Small DSP helpers for tests, simulators and diagnostics (not the per-frame relay path): generate tones and
 * silence, measure level (RMS, dBFS) and the strength of one frequency (Goertzel).
 */

export type Samples = Int16Array | Float32Array | Float64Array

const FULL_SCALE = 32767

/** A sine of `freqHz` lasting `ms` at `rate`, peak `amplitude` × full scale, starting at phase 0. */
export function tone(freqHz: number, ms: number, rate: number, amplitude = 0.5): Int16Array {
  const n = Math.round((ms * rate) / 1000)
  const out = new Int16Array(n)
  const w = (2 * Math.PI * freqHz) / rate
  const peak = amplitude * FULL_SCALE
  for (let i = 0; i < n; i++) out[i] = Math.round(peak * Math.sin(w * i))
  return out
}

export function silence(ms: number, rate: number): Int16Array {
  return new Int16Array(Math.round((ms * rate) / 1000))
}

/**
 * Squared amplitude of the `freq` component of `samples` (a sine of peak A gives ≈ A², in sample units), computed
 * with the Goertzel recurrence. Works for any frequency, not just DFT bins; a window may be applied first
 * (see `blackmanHarris`), in which case divide by the window's coherent gain squared to get A² back.
 */
export function goertzelPower(samples: Samples, freq: number, rate: number): number {
  const n = samples.length
  if (n === 0) return 0
  const w = (2 * Math.PI * freq) / rate
  const coeff = 2 * Math.cos(w)
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! + coeff * s1 - s2
    s2 = s1
    s1 = s0
  }
  const magSq = s1 * s1 + s2 * s2 - coeff * s1 * s2
  return (4 * Math.max(0, magSq)) / (n * n)
}

export function rms(samples: Samples): number {
  if (samples.length === 0) return 0
  let sum = 0
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!
  return Math.sqrt(sum / samples.length)
}

/** RMS relative to a full-scale sine's peak (so a full-scale square wave is 0 dBFS, a full-scale sine −3 dBFS). */
export function dbfs(samples: Samples): number {
  const r = rms(samples)
  return r === 0 ? -Infinity : 20 * Math.log10(r / FULL_SCALE)
}

/** 4-term Blackman-Harris window coherent gain (mean of the window). */
export const BLACKMAN_HARRIS_GAIN = 0.35875

/** `samples` × a 4-term Blackman-Harris window (−92 dB side lobes), for measuring weak components next to a strong one. */
export function blackmanHarris(samples: Samples): Float64Array {
  const n = samples.length
  const out = new Float64Array(n)
  const k = (2 * Math.PI) / Math.max(1, n - 1)
  for (let i = 0; i < n; i++) {
    const w = 0.35875 - 0.48829 * Math.cos(k * i) + 0.14128 * Math.cos(2 * k * i) - 0.01168 * Math.cos(3 * k * i)
    out[i] = samples[i]! * w
  }
  return out
}

/** Ratio in decibels of two powers. */
export function powerDb(power: number, reference: number): number {
  return 10 * Math.log10(power / reference)
}
