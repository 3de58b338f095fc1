/**
 * @module audio/mulaw
 * G.711 μ-law ⇄ linear PCM16, table driven. Decoding is one lookup in a 256-entry table; encoding is one lookup in a
 * 64 Ki-entry table indexed by the raw 16-bit sample, built once with the classic bias/segment algorithm (bias 0x84,
 * clip 32635), so the per-sample cost is a load and a store with no branches.
 */

const BIAS = 0x84
const CLIP = 32635

/** The reference decoder (ITU-T G.711 / Sun g711.c `ulaw2linear`), used to build the table. */
function decodeOne(code: number): number {
  const u = ~code & 0xff
  const t = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4)
  return u & 0x80 ? BIAS - t : t - BIAS
}

/** The classic encoder: sign, 3-bit segment (position of the top bit of |x| + bias), 4-bit mantissa, all inverted. */
function encodeOne(sample: number): number {
  let mag = sample < 0 ? -sample : sample
  const sign = sample < 0 ? 0x80 : 0
  if (mag > CLIP) mag = CLIP
  mag += BIAS
  let exponent = 7
  for (let mask = 0x4000; (mag & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = (mag >> (exponent + 3)) & 0x0f
  return ~(sign | (exponent << 4) | mantissa) & 0xff
}

/** code → linear sample. */
export const MULAW_DECODE_TABLE: Int16Array = (() => {
  const t = new Int16Array(256)
  for (let c = 0; c < 256; c++) t[c] = decodeOne(c)
  return t
})()

/** (sample & 0xffff) → code. 64 KiB: a single load per sample beats the segment search on the hot path. */
const ENCODE_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(65536)
  for (let i = 0; i < 65536; i++) t[i] = encodeOne(i >= 32768 ? i - 65536 : i)
  return t
})()

/** μ-law bytes → PCM16 samples. Writes into `dst` (which must hold `src.length` samples) when given. */
export function mulawDecode(src: Uint8Array, dst?: Int16Array): Int16Array {
  const n = src.length
  const out = dst ?? new Int16Array(n)
  if (out.length < n) throw new RangeError(`mulawDecode: output holds ${out.length} samples, need ${n}`)
  const table = MULAW_DECODE_TABLE
  for (let i = 0; i < n; i++) out[i] = table[src[i]!]!
  return out
}

/** PCM16 samples → μ-law bytes. Writes into `dst` (which must hold `src.length` bytes) when given. */
export function mulawEncode(src: Int16Array, dst?: Uint8Array): Uint8Array {
  const n = src.length
  const out = dst ?? new Uint8Array(n)
  if (out.length < n) throw new RangeError(`mulawEncode: output holds ${out.length} bytes, need ${n}`)
  const table = ENCODE_TABLE
  for (let i = 0; i < n; i++) out[i] = table[src[i]! & 0xffff]!
  return out
}

/** One sample, for tests and non-hot paths. */
export function mulawEncodeSample(sample: number): number {
  return ENCODE_TABLE[sample & 0xffff]!
}

export function mulawDecodeSample(code: number): number {
  return MULAW_DECODE_TABLE[code & 0xff]!
}
