/**
 * @module sim/vaic/caller-audio
 * Turns what the simulated caller says (PCM16 at any telephony rate) into `userStream.chunk` payloads in the format
 * the bot accepted: resampled to the format's rate, μ-law or PCM16 LE, base64. For `wav/*` formats the first chunk
 * of every user stream carries a streaming WAV header (sizes 0xFFFFFFFF), as VoiceAI Connect's own players write it.
 */
import { describeFormat, type AcMediaFormat, type FormatInfo } from '../../audio/formats'
import { mulawEncode } from '../../audio/mulaw'
import { bytesToBase64, pcm16Bytes } from '../../audio/pcm'
import { wavStreamHeader } from '../../audio/wav'

export class CallerEncoder {
  readonly info: FormatInfo
  private headerDue: boolean

  constructor(readonly format: AcMediaFormat) {
    this.info = describeFormat(format)
    this.headerDue = this.info.container === 'wav'
  }

  get rate(): number {
    return this.info.rate
  }

  /** Samples in one chunk of `ms` milliseconds. */
  samplesFor(ms: number): number {
    return Math.round((this.info.rate * ms) / 1000)
  }

  /** A new user stream begins: a `wav/*` stream starts with a header again. */
  startStream(): void {
    this.headerDue = this.info.container === 'wav'
  }

  /** Base64 payload for `samples` (already at {@link rate}). */
  encode(samples: Int16Array): string {
    const audio = this.info.encoding === 'mulaw' ? mulawEncode(samples) : pcm16Bytes(samples)
    if (!this.headerDue) return bytesToBase64(audio)
    this.headerDue = false
    const header = wavStreamHeader(this.info.encoding, this.info.rate)
    const out = new Uint8Array(header.length + audio.length)
    out.set(header, 0)
    out.set(audio, header.length)
    return bytesToBase64(out)
  }
}
