/**
 * @module audio/resample-once
 * One-shot resampling of a whole utterance (test and simulator audio: WAV files, synthesized speech), not for the
 * streaming path. Telephony ratios use the streaming {@link Resampler} with its delay compensated; any other ratio
 * (a 44.1 kHz WAV, espeak-ng's 22.05 kHz) a direct windowed-sinc interpolation.
 */
import { Resampler } from './resampler'

/**
 * `samples` at `fromRate` as samples at `toRate` (a one-shot conversion of a whole utterance). Telephony ratios go
 * through the project's resampler; other rates (a 44.1 kHz WAV, espeak-ng's 22.05 kHz) through {@link resampleAnyRate}.
 */
export function resampleTo(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples
  let r: Resampler
  try {
    r = new Resampler(fromRate, toRate)
  } catch (err) {
    if (err instanceof RangeError) return resampleAnyRate(samples, fromRate, toRate)
    throw err
  }
  // Pad with the filter's delay worth of silence so the tail of the utterance is not swallowed by the filter.
  const tail = new Int16Array(Math.ceil((fromRate * (r.delayMs + 2)) / 1000))
  const body = r.process(samples)
  const rest = r.process(tail)
  const skip = Math.round((toRate * r.delayMs) / 1000)
  const out = new Int16Array(Math.round((samples.length * toRate) / fromRate))
  const all = new Int16Array(body.length + rest.length)
  all.set(body, 0)
  all.set(rest, body.length)
  out.set(all.subarray(skip, skip + out.length))
  return out
}

/** Zero crossings of the sinc on each side of the kernel centre. */
const ANY_RATE_ZEROS = 16

/**
 * Offline resampling by any ratio: each output sample is a Hann-windowed sinc interpolation of the input, low-passed
 * at 90 % of the lower Nyquist frequency. O(n · taps), fine for the few seconds of a simulated caller's utterance;
 * the streaming path never uses it.
 */
export function resampleAnyRate(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  const outLength = Math.round((samples.length * toRate) / fromRate)
  const out = new Int16Array(outLength)
  const cutoff = (0.9 * Math.min(fromRate, toRate)) / 2 / fromRate // cycles per input sample
  const half = Math.ceil(ANY_RATE_ZEROS / (2 * cutoff))
  const step = fromRate / toRate
  for (let i = 0; i < outLength; i++) {
    const centre = i * step
    const first = Math.max(0, Math.ceil(centre - half))
    const last = Math.min(samples.length - 1, Math.floor(centre + half))
    let acc = 0
    let weights = 0
    for (let k = first; k <= last; k++) {
      const x = k - centre
      const arg = 2 * Math.PI * cutoff * x
      const sinc = x === 0 ? 1 : Math.sin(arg) / arg
      const w = sinc * (0.5 + 0.5 * Math.cos((Math.PI * x) / half))
      acc += samples[k]! * w
      weights += w
    }
    const v = Math.round(weights === 0 ? 0 : acc / weights)
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v
  }
  return out
}
