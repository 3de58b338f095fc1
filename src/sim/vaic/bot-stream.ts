/**
 * @module sim/vaic/bot-stream
 * One play stream as the simulated caller receives it: its audio decoded to PCM16 at the stream's own rate (μ-law or
 * PCM, 8/16/24 kHz, a `wav/*` stream's RIFF header stripped) and kept whole so it can be saved as a WAV file, and
 * "heard" with the tone-modem decoder so tests can assert what the bot said — in full, or within the part of the
 * stream the caller heard before a barge-in or hang-up cut it.
 */
import { describeFormat, isAcMediaFormat, type FormatInfo } from '../../audio/formats'
import { mulawDecode } from '../../audio/mulaw'
import { ByteCarry } from '../../audio/pcm'
import { WavError, isWav, parseWavHeader, writeWav } from '../../audio/wav'
import { createDecoder, decodeText, type ToneDecoder } from '../modem/decode'

export type PushResult = {
  /** Milliseconds of audio the chunk added. */
  readonly ms: number
  /** What is wrong with the chunk's audio, if anything (a violation for the simulator to record). */
  readonly problem?: string
}

export class BotStream {
  /** Audio format facts, or undefined when `format` is not a media format the simulator knows (nothing decodes). */
  readonly info: FormatInfo | undefined
  firstChunkAt: number | undefined
  stoppedAt: number | undefined
  finishedAt: number | undefined
  /** The socket went away while this stream was open (it never got its `playStream.stop`). */
  lost = false
  chunks = 0
  /** Audio bytes received (a WAV header is not audio). */
  bytes = 0
  private readonly parts: Int16Array[] = []
  private samples = 0
  private merged: Int16Array | undefined
  private readonly carry = new ByteCarry()
  private readonly decoder: ToneDecoder | undefined
  private finalText: string | undefined

  /**
   * @param key unique within the call (equals `id` unless the bot reused an id)
   * @param id the bot's `streamId`
   */
  constructor(
    readonly key: string,
    readonly id: string,
    readonly format: string,
    readonly altText: string | undefined,
    readonly startedAt: number,
    readonly socket: number,
  ) {
    this.info = isAcMediaFormat(format) ? describeFormat(format) : undefined
    this.decoder = this.info ? createDecoder(this.info.rate) : undefined
  }

  get rate(): number {
    return this.info?.rate ?? 0
  }

  get durationMs(): number {
    return this.info ? (this.samples * 1000) / this.info.rate : 0
  }

  /** Adds one chunk's bytes (already base64-decoded). */
  push(bytes: Uint8Array, now: number): PushResult {
    this.chunks++
    this.firstChunkAt ??= now
    const info = this.info
    if (!info) {
      this.bytes += bytes.length
      return { ms: 0 }
    }
    let audio = bytes
    let problem: string | undefined
    if (info.container === 'wav' && isWav(bytes)) {
      try {
        const h = parseWavHeader(bytes)
        if (h.encoding !== info.encoding || h.rate !== info.rate) problem = `WAV header says ${h.encoding} at ${h.rate} Hz but the stream is ${this.format}`
        audio = bytes.subarray(h.dataOffset)
      } catch (err) {
        problem = err instanceof WavError ? `bad WAV header: ${err.message}` : 'bad WAV header'
      }
    }
    if (info.encoding === 'pcm16' && audio.length % 2 === 1) problem ??= `PCM16 chunk of ${audio.length} bytes (odd: splits a sample)`
    this.bytes += audio.length
    const pcm = info.encoding === 'mulaw' ? mulawDecode(audio) : this.carry.push(audio).slice()
    if (pcm.length > 0) {
      this.parts.push(pcm)
      this.samples += pcm.length
      this.merged = undefined
      this.decoder?.push(pcm)
    }
    return problem === undefined ? { ms: (pcm.length * 1000) / info.rate } : { ms: (pcm.length * 1000) / info.rate, problem }
  }

  /** `playStream.stop` (or the socket was lost): no more audio; the decoded text is final. */
  close(): void {
    if (this.finalText !== undefined) return
    this.decoder?.flush()
    this.finalText = this.decoder?.text() ?? ''
  }

  get closed(): boolean {
    return this.finalText !== undefined
  }

  /** All the audio received, PCM16 at {@link rate}. */
  pcm(): Int16Array {
    if (this.merged) return this.merged
    const out = new Int16Array(this.samples)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.length
    }
    this.parts.length = 0
    if (out.length > 0) this.parts.push(out)
    this.merged = out
    return out
  }

  /** What the whole stream says (so far, while it is open). */
  text(): string {
    return this.finalText ?? this.decoder?.text() ?? ''
  }

  /** What the first `ms` milliseconds of the stream say: decoded from that audio alone, as the caller heard it. */
  textWithin(ms: number): string {
    if (!this.info) return ''
    const n = Math.min(this.samples, Math.floor((ms * this.info.rate) / 1000))
    if (n >= this.samples) return this.text()
    return decodeText(this.pcm().subarray(0, n), this.info.rate)
  }

  /** The stream as a mono PCM16 WAV file (μ-law streams are stored decoded). */
  wav(): Uint8Array {
    return writeWav(this.pcm(), this.info?.rate ?? 8000)
  }
}
