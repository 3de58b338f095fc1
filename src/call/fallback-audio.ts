/**
 * @module call/fallback-audio
 * The apology a caller hears when the model cannot speak (the Realtime API is unreachable or failed fatally): a short
 * recorded clip that needs no model. The built-in clip (generated with flite, `assets/apology.wav`) is embedded in the
 * compiled binary; `FALLBACK_AUDIO_FILE` replaces it with a mono PCM16 or μ-law WAV of any rate. It is sent as one
 * play stream with `altText`, converted to the call's negotiated format.
 */
import builtIn from './assets/apology.wav' with { type: 'file' }
import { describeFormat, type AcMediaFormat } from '../audio/formats'
import { mulawEncode } from '../audio/mulaw'
import { bytesToBase64, pcm16Bytes } from '../audio/pcm'
import { resampleTo } from '../audio/resample-once'
import { decodeWav, wavStreamHeader } from '../audio/wav'
import { en } from '../i18n/packs/en'

/** What the built-in clip says (the play stream's altText, the transcript line). */
export const APOLOGY_TEXT = en.call.technicalTrouble

export type FallbackClip = { readonly rate: number; readonly samples: Int16Array; readonly altText: string }

/** Audio per play-stream chunk. */
const CHUNK_MS = 100

/** Reads the clip: `file` (FALLBACK_AUDIO_FILE) or the built-in one. Throws a plain message for a bad file. */
export async function loadFallbackClip(file?: string): Promise<FallbackClip> {
  const path = file ?? builtIn
  const bytes = new Uint8Array(await Bun.file(path).arrayBuffer())
  const { rate, samples } = decodeWav(bytes)
  if (samples.length === 0) throw new Error('the WAV file holds no audio')
  return { rate, samples, altText: file === undefined ? APOLOGY_TEXT : 'We are sorry, we are having technical trouble right now.' }
}

/** The clip as base64 play-stream chunks in `format` (a `wav/*` stream starts with its header), and its length. */
export function clipChunks(clip: FallbackClip, format: AcMediaFormat): { readonly chunks: string[]; readonly durationMs: number } {
  const f = describeFormat(format)
  const samples = resampleTo(clip.samples, clip.rate, f.rate)
  const per = Math.max(1, Math.round((f.rate * CHUNK_MS) / 1000))
  const chunks: string[] = []
  for (let i = 0; i < samples.length; i += per) {
    const part = samples.subarray(i, Math.min(samples.length, i + per))
    const bytes = f.encoding === 'mulaw' ? mulawEncode(part) : pcm16Bytes(part)
    if (i === 0 && f.container === 'wav') {
      const h = wavStreamHeader(f.encoding, f.rate)
      const joined = new Uint8Array(h.length + bytes.length)
      joined.set(h, 0)
      joined.set(bytes, h.length)
      chunks.push(bytesToBase64(joined))
    } else chunks.push(bytesToBase64(bytes))
  }
  return { chunks, durationMs: (samples.length * 1000) / f.rate }
}
