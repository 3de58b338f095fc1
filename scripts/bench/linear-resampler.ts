/**
 * @module bench/linear-resampler
 * The reference relays' resampler: stateful linear interpolation between 16 and 24 kHz on base64 PCM16 frames, the
 * simple thing a hand-written relay does (no low-pass filter, so 24k→16k aliases; fine for a cost comparison). The
 * position is carried as an exact integer fraction so chunking never drifts. scripts/bench/node-relay.mjs carries the
 * same algorithm in plain JavaScript.
 */

export class LinearResampler {
  private readonly up: number
  private readonly down: number
  /** Position of the next output, in units of 1/up input samples, relative to the start of the next chunk. */
  private pos = 0
  /** The last input sample of the previous chunk (index -1). */
  private prev = 0

  constructor(inRate: number, outRate: number) {
    const g = gcd(inRate, outRate)
    this.up = outRate / g
    this.down = inRate / g
  }

  /** One chunk of PCM16 LE base64 in, the resampled chunk out. */
  convert(b64: string): string {
    const bytes = Buffer.from(b64, 'base64')
    const n = bytes.length >> 1
    const at = (i: number) => (i < 0 ? this.prev : ((bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16) >> 16)
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

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}
