/**
 * @module audio/transcoder
 * One direction of one call's audio, base64 in → base64 out: strip a WAV header, decode (μ-law or PCM16 with odd-byte
 * carry), resample, encode, and write a streaming WAV header when the receiver wants `wav/*`. It keeps the state a
 * stream needs (resampler history, carried byte), so create one converter per call and direction.
 *
 * The fast paths matter more than the slow one: when both sides use the same raw format, `convert` returns the very
 * string it was given (no base64 decode, no copy); when only the container differs, only the chunk that carries the
 * header is rewritten and every other chunk is returned untouched.
 */

import { type AcMediaFormat, type AudioEncoding, type Container, type RelayPlan, describeFormat, relayPlan } from './formats'
import { mulawDecode, mulawEncode } from './mulaw'
import { ByteCarry, base64ToBytes, bytesToBase64, pcm16Bytes } from './pcm'
import { Resampler, STAGED_INPUT_AT, STAGED_OUTPUT_AT, resamplerHeap } from './resampler'
import { WavError, isWav, parseWavHeader, wavStreamHeader } from './wav'

export type AudioSide = {
  readonly encoding: AudioEncoding
  readonly rate: number
  /** Default 'raw'. A 'wav' input may start (or restart) with a RIFF header; a 'wav' output starts with one. */
  readonly container?: Container
}

export type Converter = {
  /** The next chunk of the stream. */
  convert(b64: string): string
  /** True when every chunk is returned as is. */
  readonly passthrough: boolean
  /** Chunks that were base64-decoded so far (0 forever on a passthrough converter). */
  readonly decodedChunks: number
  /** Starts a new stream: forgets history and carried bytes, and writes the WAV header again if the output is WAV. */
  reset(): void
}

export type ConverterHooks = {
  /** Called with the byte count each time a chunk is base64-decoded (tests use it to prove the fast path). */
  readonly onDecode?: (bytes: number) => void
}

/** "RIFF" in base64 is "UklGRg"/"UklGRi"/"UklGRj"/"UklGRk": a WAV header can be ruled out without decoding. */
const RIFF_B64_PREFIX = 'UklGR'
/** Chunks of 1–3 bytes that could be the start of "RIFF" ("R", "RI", "RIF"). */
const RIFF_B64_STUBS = new Set(['Ug==', 'Ukk=', 'UklG'])
/** A header split across chunks is reassembled up to this size; beyond it the bytes are treated as audio. */
const MAX_HEADER_BYTES = 4096

/** The streaming WAV header (sizes 0xFFFFFFFF) as base64, for the first message of a `wav/*` play stream. */
export function wavStreamHeaderBase64(encoding: AudioEncoding, rate: number): string {
  return bytesToBase64(wavStreamHeader(encoding, rate))
}

/** The first bytes of `bytes` are a prefix of "RIFF" (a header cut short by the end of the chunk). */
function startsLikeRiff(bytes: Uint8Array): boolean {
  const riff = [0x52, 0x49, 0x46, 0x46]
  for (let i = 0; i < Math.min(4, bytes.length); i++) if (bytes[i] !== riff[i]) return false
  return bytes.length > 0
}

function describe(s: AudioSide): string {
  return `${s.container ?? 'raw'}/${s.encoding}@${s.rate}`
}

class StreamConverter implements Converter {
  readonly passthrough: boolean
  private decoded = 0
  /** Same encoding and rate: bytes are never interpreted, only the header is removed or added. */
  private readonly bytesOnly: boolean
  private readonly carry = new ByteCarry()
  private readonly resampler: Resampler | undefined
  /** raw PCM16 → raw PCM16 at another rate (the `raw/lpcm16` and `raw/lpcm16_8` calls): decoded straight into the
   * resampler's kernel memory and encoded straight from it, so a frame allocates nothing but the string it returns. */
  private readonly staged: boolean
  /** The odd byte held back between chunks on the staged path (−1: none). */
  private stagedCarry = -1
  private headerPending: boolean
  /** Start of a RIFF header whose `data` chunk has not arrived yet. */
  private partialHeader: Uint8Array | undefined
  private pcm = new Int16Array(0)
  private resampled = new Int16Array(0)
  private encoded = new Uint8Array(0)

  constructor(
    private readonly from: AudioSide,
    private readonly to: AudioSide,
    private readonly hooks: ConverterHooks,
  ) {
    const sameAudio = from.encoding === to.encoding && from.rate === to.rate
    const wavIn = from.container === 'wav'
    const wavOut = to.container === 'wav'
    if ((from.encoding === 'mulaw' && from.rate !== 8000) || (to.encoding === 'mulaw' && to.rate !== 8000)) {
      throw new RangeError(`μ-law audio is 8000 Hz (converter ${describe(from)} → ${describe(to)})`)
    }
    this.passthrough = sameAudio && !wavIn && !wavOut
    this.bytesOnly = sameAudio
    this.resampler = from.rate === to.rate ? undefined : new Resampler(from.rate, to.rate)
    this.headerPending = wavOut
    this.staged = this.resampler !== undefined && from.encoding === 'pcm16' && to.encoding === 'pcm16' && !wavIn && !wavOut
  }

  get decodedChunks(): number {
    return this.decoded
  }

  convert(b64: string): string {
    if (this.passthrough) return b64
    if (this.staged) {
      const r = this.resampler!
      // Base64 never decodes to more than 3/4 of its length; a chunk too large for the stage takes the general path.
      if (((b64.length * 3) >> 2) + 1 <= r.stagedCapacity * 2) return this.convertStaged(r, b64)
    }
    const mayHaveHeader = this.partialHeader !== undefined || b64.startsWith(RIFF_B64_PREFIX) || (b64.length === 4 && RIFF_B64_STUBS.has(b64))
    if (this.bytesOnly && !mayHaveHeader && !this.headerPending) return b64

    let bytes = this.decode(b64)
    if (mayHaveHeader) {
      const audio = this.stripHeader(bytes)
      if (audio === undefined) return '' // the header continues in the next chunk
      bytes = audio
    }
    const out = this.bytesOnly ? bytes : this.transcode(bytes)
    if (!this.headerPending) return bytesToBase64(out)
    this.headerPending = false
    const h = wavStreamHeader(this.to.encoding, this.to.rate)
    const joined = new Uint8Array(h.length + out.length)
    joined.set(h, 0)
    joined.set(out, h.length)
    return bytesToBase64(joined)
  }

  private convertStaged(r: Resampler, b64: string): string {
    const mem = resamplerHeap.bytes
    let at = STAGED_INPUT_AT
    if (this.stagedCarry >= 0) mem[at++] = this.stagedCarry
    const decoded = mem.write(b64, at, 'base64')
    this.decoded++
    this.hooks.onDecode?.(decoded)
    const bytes = at + decoded - STAGED_INPUT_AT
    this.stagedCarry = (bytes & 1) === 1 ? mem[STAGED_INPUT_AT + bytes - 1]! : -1
    const count = r.processStaged(bytes >> 1)
    return mem.toString('base64', STAGED_OUTPUT_AT, STAGED_OUTPUT_AT + count * 2)
  }

  reset(): void {
    this.stagedCarry = -1
    this.carry.reset()
    this.resampler?.reset()
    this.partialHeader = undefined
    this.headerPending = this.to.container === 'wav'
  }

  private decode(b64: string): Uint8Array {
    const bytes = base64ToBytes(b64)
    this.decoded++
    this.hooks.onDecode?.(bytes.length)
    return bytes
  }

  /** The audio after a RIFF header at the start of `bytes`; undefined while the header is incomplete. */
  private stripHeader(chunk: Uint8Array): Uint8Array | undefined {
    let bytes = chunk
    if (this.partialHeader) {
      bytes = new Uint8Array(this.partialHeader.length + chunk.length)
      bytes.set(this.partialHeader, 0)
      bytes.set(chunk, this.partialHeader.length)
      this.partialHeader = undefined
    }
    if (bytes.length < 12) return startsLikeRiff(bytes) ? this.holdHeader(bytes) : bytes
    if (!isWav(bytes)) return bytes
    let info
    try {
      info = parseWavHeader(bytes)
    } catch (e) {
      if (e instanceof WavError && /truncated/.test(e.message)) return this.holdHeader(bytes)
      throw e
    }
    if (info.encoding !== this.from.encoding || info.rate !== this.from.rate) {
      throw new WavError(`WAV header says ${info.encoding}@${info.rate} but the stream was negotiated as ${describe(this.from)}`)
    }
    // A new header starts a new stream: a byte carried from the old one would misalign the new one.
    this.carry.reset()
    return bytes.subarray(info.dataOffset)
  }

  private holdHeader(bytes: Uint8Array): Uint8Array | undefined {
    if (bytes.length > MAX_HEADER_BYTES) return bytes
    this.partialHeader = bytes.slice()
    return undefined
  }

  private transcode(bytes: Uint8Array): Uint8Array {
    let samples: Int16Array
    if (this.from.encoding === 'mulaw') {
      if (this.pcm.length < bytes.length) this.pcm = new Int16Array(bytes.length * 2)
      samples = mulawDecode(bytes, this.pcm).subarray(0, bytes.length)
    } else samples = this.carry.push(bytes)

    if (this.resampler) {
      const n = this.resampler.outputLength(samples.length)
      if (this.resampled.length < n) this.resampled = new Int16Array(n * 2)
      samples = this.resampler.process(samples, this.resampled.subarray(0, n))
    }

    if (this.to.encoding === 'pcm16') return pcm16Bytes(samples)
    if (this.encoded.length < samples.length) this.encoded = new Uint8Array(samples.length * 2)
    return mulawEncode(samples, this.encoded).subarray(0, samples.length)
  }
}

/** Same raw format both sides: no state at all, so one converter serves every call (nothing allocated per call). */
const PASSTHROUGH: Converter = Object.freeze({ convert: (b64: string) => b64, passthrough: true, decodedChunks: 0, reset: () => undefined })

export function createConverter(from: AudioSide, to: AudioSide, hooks: ConverterHooks = {}): Converter {
  const raw = (from.container ?? 'raw') === 'raw' && (to.container ?? 'raw') === 'raw'
  if (raw && from.encoding === to.encoding && from.rate === to.rate && (from.encoding !== 'mulaw' || from.rate === 8000)) return PASSTHROUGH
  return new StreamConverter(from, to, hooks)
}

export type CallConverters = {
  readonly plan: RelayPlan
  /** Caller audio (the negotiated AudioCodes format) → the OpenAI input format. */
  readonly fromCaller: Converter
  /** OpenAI output audio → the negotiated format, with a WAV header first for `wav/*` (reset per play stream). */
  readonly toCaller: Converter
}

/** Both directions of one call, per `relayPlan`. */
export function createCallConverters(f: AcMediaFormat, hooks: ConverterHooks = {}): CallConverters {
  const plan = relayPlan(f)
  const ac = describeFormat(f)
  const openai: AudioSide = plan.openai.type === 'audio/pcmu' ? { encoding: 'mulaw', rate: 8000 } : { encoding: 'pcm16', rate: 24000 }
  return {
    plan,
    fromCaller: createConverter(ac, openai, hooks),
    toCaller: createConverter(openai, { encoding: ac.encoding, rate: ac.rate, container: ac.container }, hooks),
  }
}
