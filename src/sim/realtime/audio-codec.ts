/**
 * @module sim/realtime/audio-codec
 * The session's audio formats as PCM16 in and base64 out, built on src/audio: `audio/pcm` is 24 kHz PCM16 LE,
 * `audio/pcmu` 8 kHz G.711 μ-law. The emulator works on linear samples at the format's own rate (VAD, ear, voice),
 * so nothing is resampled. (audio/pcma is refused earlier, at session.update: there is no A-law codec here.)
 */
import type { RealtimeAudioFormats } from 'openai/resources/realtime/realtime'
import { mulawDecode, mulawEncode } from '../../audio/mulaw'
import { base64ToBytes, bytesToBase64, ByteCarry, pcm16ToBase64 } from '../../audio/pcm'

export const rateOf = (f: RealtimeAudioFormats): number => (f.type === 'audio/pcm' ? 24000 : 8000)

/** Bytes per ms of the encoded stream (48 for PCM16 at 24 kHz, 8 for μ-law). */
export const bytesPerMs = (f: RealtimeAudioFormats): number => (f.type === 'audio/pcm' ? 48 : 8)

/** Decodes appended audio chunks of one format; PCM keeps sample alignment across odd-sized chunks. */
export class InputDecoder {
  private readonly carry = new ByteCarry()
  constructor(readonly format: RealtimeAudioFormats) {}
  get rate(): number {
    return rateOf(this.format)
  }
  /** A fresh array (never a view of a reused buffer), so callers may keep it. */
  decode(b64: string): Int16Array {
    const bytes = base64ToBytes(b64)
    if (this.format.type === 'audio/pcmu') return mulawDecode(bytes)
    return this.carry.push(bytes).slice()
  }
}

export function encodeOutput(format: RealtimeAudioFormats, samples: Int16Array): string {
  return format.type === 'audio/pcmu' ? bytesToBase64(mulawEncode(samples)) : pcm16ToBase64(samples)
}

export function decodeOutput(format: RealtimeAudioFormats, b64: string): Int16Array {
  const bytes = base64ToBytes(b64)
  if (format.type === 'audio/pcmu') return mulawDecode(bytes)
  return new ByteCarry().push(bytes).slice()
}

/** Standard base64, whole quanta only (what `input_audio_buffer.append` must carry). */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
