/**
 * @module audio/wav
 * The RIFF/WAVE container, as far as telephony needs it: mono PCM16 or G.711 μ-law (format tag 7). Writes whole
 * files and the header of a stream of unknown length (sizes 0xFFFFFFFF, what `wav/*` play streams start with), and
 * parses headers by walking the chunk list rather than assuming the canonical 44-byte layout, since encoders add
 * `LIST`, `fact` or padding chunks before `data`.
 */

import type { AudioEncoding } from './formats'
import { mulawDecode } from './mulaw'
import { bytesToPcm16, pcm16Bytes } from './pcm'

export class WavError extends Error {
  override readonly name = 'WavError'
}

export type WavInfo = {
  readonly encoding: AudioEncoding
  readonly rate: number
  /** Offset of the first audio byte. */
  readonly dataOffset: number
  /** Audio bytes present in the buffer (the declared size, clamped to what is there). */
  readonly dataBytes: number
  /** Size declared in the `data` chunk header; undefined for a stream of unknown length (0xFFFFFFFF or 0). */
  readonly declaredDataBytes: number | undefined
}

const FORMAT_PCM = 1
const FORMAT_MULAW = 7
const FORMAT_EXTENSIBLE = 0xfffe
const UNKNOWN_SIZE = 0xffffffff

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0)
}

/** True when `bytes` starts with a RIFF/WAVE signature. */
export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && fourcc(bytes, 0) === 'RIFF' && fourcc(bytes, 8) === 'WAVE'
}

/**
 * Reads the header of a mono PCM16 or μ-law WAV. Throws `WavError` for anything else, and for a buffer that ends
 * before the `data` chunk starts.
 */
export function parseWavHeader(bytes: Uint8Array): WavInfo {
  if (!isWav(bytes)) throw new WavError('not a WAV file (no RIFF/WAVE signature)')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let fmt: { encoding: AudioEncoding; rate: number } | undefined
  let at = 12
  while (at + 8 <= bytes.length) {
    const id = fourcc(bytes, at)
    const size = view.getUint32(at + 4, true)
    const body = at + 8
    if (id === 'fmt ') {
      if (size < 16) throw new WavError(`WAV fmt chunk is ${size} bytes; at least 16 expected`)
      if (body + 16 > bytes.length) break
      fmt = readFmt(view, body, size)
    } else if (id === 'data') {
      if (!fmt) throw new WavError('WAV has its data chunk before the fmt chunk')
      const available = bytes.length - body
      const unknown = size === UNKNOWN_SIZE || size === 0
      return {
        ...fmt,
        dataOffset: body,
        dataBytes: unknown ? available : Math.min(size, available),
        declaredDataBytes: unknown ? undefined : size,
      }
    }
    at = body + size + (size & 1) // chunks are padded to an even length
  }
  throw new WavError(fmt ? 'WAV has no data chunk (or the header is truncated)' : 'WAV has no fmt chunk (or the header is truncated)')
}

function readFmt(view: DataView, at: number, size: number): { encoding: AudioEncoding; rate: number } {
  let tag = view.getUint16(at, true)
  const channels = view.getUint16(at + 2, true)
  const rate = view.getUint32(at + 4, true)
  const bits = view.getUint16(at + 14, true)
  if (tag === FORMAT_EXTENSIBLE && size >= 40 && at + 26 <= view.byteLength) tag = view.getUint16(at + 24, true) // sub-format GUID's first 2 bytes
  if (channels !== 1) throw new WavError(`WAV has ${channels} channels; only mono is supported`)
  if (rate <= 0) throw new WavError('WAV has a zero sample rate')
  if (tag === FORMAT_PCM && bits === 16) return { encoding: 'pcm16', rate }
  if (tag === FORMAT_MULAW && bits === 8) return { encoding: 'mulaw', rate }
  if (tag === FORMAT_PCM) throw new WavError(`WAV is ${bits}-bit PCM; only 16-bit PCM is supported`)
  throw new WavError(`WAV format tag ${tag} is not supported (only PCM16 = 1 and μ-law = 7)`)
}

/** The header and the audio bytes (a view into `bytes`). */
export function parseWav(bytes: Uint8Array): WavInfo & { readonly data: Uint8Array } {
  const info = parseWavHeader(bytes)
  return { ...info, data: bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes) }
}

/** A WAV file as PCM16 samples, whichever of the supported encodings it holds. */
export function decodeWav(bytes: Uint8Array): { readonly rate: number; readonly samples: Int16Array } {
  const w = parseWav(bytes)
  const samples = w.encoding === 'mulaw' ? mulawDecode(w.data) : bytesToPcm16(w.data).slice()
  return { rate: w.rate, samples }
}

function header(encoding: AudioEncoding, rate: number, dataBytes: number, riffBytes: number, channels = 1): Uint8Array {
  const mulaw = encoding === 'mulaw'
  const fmtSize = mulaw ? 18 : 16 // non-PCM formats carry a cbSize field, 0 here
  const out = new Uint8Array(20 + fmtSize + 8)
  const v = new DataView(out.buffer)
  const bytesPerSample = mulaw ? 1 : 2
  out.set([0x52, 0x49, 0x46, 0x46], 0) // RIFF
  v.setUint32(4, riffBytes, true)
  out.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8) // WAVEfmt_
  v.setUint32(16, fmtSize, true)
  v.setUint16(20, mulaw ? FORMAT_MULAW : FORMAT_PCM, true)
  v.setUint16(22, channels, true)
  v.setUint32(24, rate, true)
  v.setUint32(28, rate * bytesPerSample * channels, true)
  v.setUint16(32, bytesPerSample * channels, true)
  v.setUint16(34, bytesPerSample * 8, true)
  const data = 20 + fmtSize
  out.set([0x64, 0x61, 0x74, 0x61], data) // data
  v.setUint32(data + 4, dataBytes, true)
  return out
}

/** A complete mono PCM16 WAV file. */
export function writeWav(samples: Int16Array, rate: number): Uint8Array {
  const bytes = samples.length * 2
  const h = header('pcm16', rate, bytes, 36 + bytes)
  const out = new Uint8Array(h.length + bytes)
  out.set(h, 0)
  out.set(pcm16Bytes(samples), h.length)
  return out
}

/** The header that starts a WAV stream of unknown length: RIFF and data sizes are 0xFFFFFFFF. */
export function wavStreamHeader(encoding: AudioEncoding, rate: number): Uint8Array {
  return header(encoding, rate, UNKNOWN_SIZE, UNKNOWN_SIZE)
}

/** The 44-byte header of a stereo PCM16 WAV holding `dataBytes` of interleaved samples (left, right). */
export function stereoWavHeader(rate: number, dataBytes: number): Uint8Array {
  return header('pcm16', rate, dataBytes, 36 + dataBytes, 2)
}
