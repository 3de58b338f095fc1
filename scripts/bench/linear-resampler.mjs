/**
 * @module bench/linear-resampler
 * The reference relays' resampler (the Node relay and the Bun reference relays share this one file, plain JavaScript
 * so Node runs it as is): stateful linear interpolation between 16 and 24 kHz on base64 PCM16 frames, the simple thing
 * a hand-written relay does (no low-pass filter, so 24k→16k aliases; fine for a cost comparison). The position is
 * carried as an exact integer fraction so chunking never drifts. Types: linear-resampler.d.mts.
 */
export class LinearResampler {
  constructor(inRate, outRate) {
    let a = inRate
    let b = outRate
    while (b !== 0) [a, b] = [b, a % b]
    this.up = outRate / a
    this.down = inRate / a
    /** Position of the next output, in units of 1/up input samples, relative to the start of the next chunk. */
    this.pos = 0
    /** The last input sample of the previous chunk (index -1). */
    this.prev = 0
  }

  /** One chunk of PCM16 LE base64 in, the resampled chunk out. */
  convert(b64) {
    const bytes = Buffer.from(b64, 'base64')
    const n = bytes.length >> 1
    const at = (i) => (i < 0 ? this.prev : ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >> 16)
    const out = Buffer.allocUnsafe(Math.ceil(((n + 1) * this.up) / this.down) * 2 + 4)
    let o = 0
    let p = this.pos
    // Interpolate between input i and i+1 while i+1 is in this chunk (i is -1 right after a chunk edge: `prev`).
    while (p < (n - 1) * this.up) {
      const i = Math.floor(p / this.up)
      const frac = (p - i * this.up) / this.up
      const a = at(i)
      const v = Math.round(a + (at(i + 1) - a) * frac)
      out.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, o)
      o += 2
      p += this.down
    }
    if (n > 0) this.prev = at(n - 1)
    this.pos = p - n * this.up
    return out.subarray(0, o).toString('base64')
  }
}
