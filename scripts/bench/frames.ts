/**
 * @module bench/frames
 * What the benchmark sends: 20 ms audio frames that can be recognised after the relay, by call and sequence number.
 *
 * - **header** (passthrough formats, and every direct-socket baseline): the first 12 bytes of each frame are a header
 *   (magic, run tag, call, seq) and the rest comes from a pool of random bodies, so every frame is distinct and the
 *   receiver can also check the whole payload arrived byte-identical. 12 bytes is a whole number of base64 quanta, so
 *   the header is the first 16 characters of the base64 text and the body's base64 is simply appended.
 * - **plateau** (`raw/lpcm16`, resampled 16k→24k up and 24k→16k down): bytes do not survive a resampler, but a
 *   constant signal does, exactly (each polyphase branch of src/audio/resampler has unity DC gain, and linear
 *   interpolation of a constant is that constant). So the frame is two constant halves: the sequence number, then
 *   tag+call. Receivers read two samples in the middle of each half, clear of the filter's transition band and its
 *   group delay, for our Kaiser resampler as well as for the reference relays' linear one.
 */

export const BENCH_FORMATS = ['raw/mulaw', 'raw/lpcm16_24', 'raw/lpcm16'] as const
export type BenchFormat = (typeof BENCH_FORMATS)[number]
export type FrameEncoding = 'header' | 'plateau'

export type FormatSpec = {
  /** Bytes of one 20 ms frame on the VAIC side. */
  readonly bytes: number
  /** Bytes of one 20 ms frame on the upstream (OpenAI) side. */
  readonly upstreamBytes: number
  /** The session format the relay configures upstream. */
  readonly openai: { readonly type: 'audio/pcmu' } | { readonly type: 'audio/pcm'; readonly rate: 24000 }
  /** How frames are marked when they go through a relay. */
  readonly relayEncoding: FrameEncoding
  readonly path: 'passthrough' | 'resampled'
}

export const FORMAT_SPECS: { readonly [F in BenchFormat]: FormatSpec } = {
  'raw/mulaw': { bytes: 160, upstreamBytes: 160, openai: { type: 'audio/pcmu' }, relayEncoding: 'header', path: 'passthrough' },
  'raw/lpcm16_24': { bytes: 960, upstreamBytes: 960, openai: { type: 'audio/pcm', rate: 24000 }, relayEncoding: 'header', path: 'passthrough' },
  'raw/lpcm16': { bytes: 640, upstreamBytes: 960, openai: { type: 'audio/pcm', rate: 24000 }, relayEncoding: 'plateau', path: 'resampled' },
}

export function isBenchFormat(s: string): s is BenchFormat {
  return (BENCH_FORMATS as readonly string[]).includes(s)
}

export const FRAME_MS = 20

/** A recognised frame: which run (tag, 4 bits), which call, which frame of that call. */
export type FrameId = { readonly tag: number; readonly call: number; readonly seq: number }

// ---- base64 without allocations for the few bytes a receiver needs ---------------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DECODE = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/** Decodes `count` whole quanta (4 characters → 3 bytes) of `s` from character `from` into `out`; false if invalid. */
function decodeQuanta(s: string, from: number, count: number, out: Uint8Array): boolean {
  if (from + count * 4 > s.length) return false
  for (let q = 0; q < count; q++) {
    const i = from + q * 4
    const a = DECODE[s.charCodeAt(i) & 127] ?? -1
    const b = DECODE[s.charCodeAt(i + 1) & 127] ?? -1
    const c = DECODE[s.charCodeAt(i + 2) & 127] ?? -1
    const d = DECODE[s.charCodeAt(i + 3) & 127] ?? -1
    if ((a | b | c | d) < 0) return false
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[q * 3] = (n >> 16) & 255
    out[q * 3 + 1] = (n >> 8) & 255
    out[q * 3 + 2] = n & 255
  }
  return true
}

function encodeBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

// ---- header frames ----------------------------------------------------------------------------------------------

const MAGIC0 = 0x46 // 'F'
const MAGIC1 = 0x41 // 'A'
const HEADER_BYTES = 12
const HEADER_CHARS = 16
const POOL = 61

/** Deterministic bytes (xorshift32), so every run sends the same payloads. */
function randomBytes(n: number, seed: number): Uint8Array {
  let x = seed | 0 || 0x9e3779b9
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 255
  }
  return out
}

/** Builds and recognises header frames of one size. */
export class HeaderFrames {
  private readonly bodies: string[]
  private readonly head = new Uint8Array(HEADER_BYTES)
  private readonly scratch = new Uint8Array(HEADER_BYTES)

  constructor(readonly bytes: number) {
    if (bytes < HEADER_BYTES + 3) throw new RangeError(`frames of ${bytes} bytes cannot carry the header`)
    this.bodies = Array.from({ length: POOL }, (_, i) => encodeBytes(randomBytes(bytes - HEADER_BYTES, 0x5eed + i * 7919)))
  }

  /** The base64 payload of frame `seq` of `call` (distinct for every call and seq). */
  payload(tag: number, call: number, seq: number): string {
    const h = this.head
    h[0] = MAGIC0
    h[1] = MAGIC1
    h[2] = tag & 255
    h[3] = 0xb7
    h[4] = call & 255
    h[5] = (call >>> 8) & 255
    h[6] = (call >>> 16) & 255
    h[7] = (call >>> 24) & 255
    h[8] = seq & 255
    h[9] = (seq >>> 8) & 255
    h[10] = (seq >>> 16) & 255
    h[11] = (seq >>> 24) & 255
    return encodeBytes(h) + (this.bodies[(seq + call * 7) % POOL] ?? '')
  }

  /** The frame's identity from its first 16 characters; undefined when it is not one of ours. */
  identify(b64: string): FrameId | undefined {
    const b = this.scratch
    if (!decodeQuanta(b64, 0, HEADER_CHARS / 4, b) || b[0] !== MAGIC0 || b[1] !== MAGIC1 || b[3] !== 0xb7) return undefined
    const call = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0
    const seq = (b[8]! | (b[9]! << 8) | (b[10]! << 16) | (b[11]! << 24)) >>> 0
    return { tag: b[2]!, call, seq }
  }
}

// ---- plateau frames ---------------------------------------------------------------------------------------------

/**
 * Where receivers read each half, in samples, per frame length. 320 = 16 kHz (the caller's side, after 16k→24k→16k:
 * our resampler delays ~35 samples in total and smears ±35), 480 = 24 kHz (the upstream, after 16k→24k: ~27 ± 27).
 * Each half is read at two points two samples apart that must agree, so a read inside a transition is detected.
 */
export const PLATEAU_READ: Readonly<Record<number, readonly [number, number]>> = {
  320: [115, 275],
  480: [150, 390],
}
const toI16 = (v: number) => ((v & 0xffff) << 16) >> 16

export class PlateauFrames {
  private readonly samples: Int16Array
  private readonly scratch = new Uint8Array(6)

  /** `samples` per frame at the sender's rate (320 at 16 kHz). */
  constructor(readonly samplesPerFrame: number) {
    this.samples = new Int16Array(samplesPerFrame)
  }

  payload(tag: number, call: number, seq: number): string {
    const half = this.samplesPerFrame >> 1
    this.samples.fill(toI16(seq), 0, half)
    this.samples.fill(toI16(((tag & 0xf) << 12) | (call & 0xfff)), half)
    return encodeBytes(new Uint8Array(this.samples.buffer))
  }

  /** Reads the frame back at the receiver; `frameSamples` is what arrived (a relay may deliver ±1 sample). */
  identify(b64: string): FrameId | undefined {
    const samples = Math.floor((b64.length / 4) * 3) >> 1
    const points = PLATEAU_READ[samples] ?? PLATEAU_READ[samples + 1] ?? PLATEAU_READ[samples - 1]
    if (!points) return undefined
    const a = this.sampleAt(b64, points[0])
    const a2 = this.sampleAt(b64, points[0] + 2)
    const b = this.sampleAt(b64, points[1])
    const b2 = this.sampleAt(b64, points[1] + 2)
    if (a === undefined || b === undefined || a !== a2 || b !== b2) return undefined
    const word = b & 0xffff
    return { tag: word >>> 12, call: word & 0xfff, seq: a & 0xffff }
  }

  /** Sample `j` (PCM16 LE) of a base64 frame, decoding only the 8 characters that hold it. */
  private sampleAt(b64: string, j: number): number | undefined {
    const byte = j * 2
    const group = Math.floor(byte / 3)
    if (!decodeQuanta(b64, group * 4, 2, this.scratch)) return undefined
    const r = byte - group * 3
    return toI16(this.scratch[r]! | (this.scratch[r + 1]! << 8))
  }
}

/** Limits of the plateau encoding: 12 bits of call, 16 bits of seq (21 minutes of 20 ms frames). */
export const PLATEAU_MAX_CALLS = 4096
export const PLATEAU_MAX_FRAMES = 65536

export type FrameCodec = { payload(tag: number, call: number, seq: number): string; identify(b64: string): FrameId | undefined }

/** The codec for what the load generator sends (`vaicSide`) or what the upstream receives, per encoding. */
export function codecFor(format: BenchFormat, encoding: FrameEncoding, side: 'vaic' | 'upstream'): FrameCodec {
  const spec = FORMAT_SPECS[format]
  const bytes = side === 'vaic' ? spec.bytes : spec.upstreamBytes
  return encoding === 'header' ? new HeaderFrames(bytes) : new PlateauFrames(bytes / 2)
}

// ---- wire helpers shared by the load generator and the fake upstream --------------------------------------------

/** The string between `"key":"` and the next quote, or undefined (base64 never contains a quote). */
export function stringField(msg: string, key: string, from = 0): string | undefined {
  const needle = '"' + key + '":"'
  const i = msg.indexOf(needle, from)
  if (i < 0) return undefined
  const start = i + needle.length
  const end = msg.indexOf('"', start)
  return end < 0 ? undefined : msg.slice(start, end)
}
