/**
 * @module audio/formats
 * The media formats of both ends of the relay and how one maps onto the other: the AudioCodes Bot API names
 * (`raw/lpcm16_24`, `wav/mulaw`, …) negotiated in `session.initiate`, the OpenAI Realtime audio formats, and the
 * relay plan saying whether a call's audio can be moved as an untouched base64 string or must be converted.
 */

/** Every media format VoiceAI Connect may offer that we can handle. Plain `lpcm16` is 16 kHz, not 24. */
export type AcMediaFormat =
  | 'raw/lpcm16_24'
  | 'raw/mulaw'
  | 'raw/lpcm16'
  | 'raw/lpcm16_8'
  | 'wav/lpcm16_24'
  | 'wav/mulaw'
  | 'wav/lpcm16'
  | 'wav/lpcm16_8'

export type AudioEncoding = 'pcm16' | 'mulaw'
export type SampleRate = 8000 | 16000 | 24000
export type Container = 'raw' | 'wav'

export type FormatInfo = {
  readonly encoding: AudioEncoding
  readonly rate: SampleRate
  readonly container: Container
  /** Bytes of audio payload per millisecond (the WAV header, if any, is not audio). */
  readonly bytesPerMs: number
}

/** The audio formats of the OpenAI Realtime session (`session.audio.input/output.format`). */
export type OpenAiAudioFormat = { readonly type: 'audio/pcm'; readonly rate: 24000 } | { readonly type: 'audio/pcmu' }

/**
 * Negotiation order, best first: formats that pass through untouched (no CPU, no quality loss) beat those that need
 * resampling, and within each group higher rates beat lower ones. WAV variants come last because each stream carries
 * a header we must strip or write.
 */
export const FORMAT_PREFERENCE: readonly AcMediaFormat[] = [
  'raw/lpcm16_24',
  'raw/mulaw',
  'raw/lpcm16',
  'raw/lpcm16_8',
  'wav/lpcm16_24',
  'wav/mulaw',
  'wav/lpcm16',
  'wav/lpcm16_8',
]

const INFO: { readonly [K in AcMediaFormat]: FormatInfo } = {
  'raw/lpcm16_24': { encoding: 'pcm16', rate: 24000, container: 'raw', bytesPerMs: 48 },
  'raw/mulaw': { encoding: 'mulaw', rate: 8000, container: 'raw', bytesPerMs: 8 },
  'raw/lpcm16': { encoding: 'pcm16', rate: 16000, container: 'raw', bytesPerMs: 32 },
  'raw/lpcm16_8': { encoding: 'pcm16', rate: 8000, container: 'raw', bytesPerMs: 16 },
  'wav/lpcm16_24': { encoding: 'pcm16', rate: 24000, container: 'wav', bytesPerMs: 48 },
  'wav/mulaw': { encoding: 'mulaw', rate: 8000, container: 'wav', bytesPerMs: 8 },
  'wav/lpcm16': { encoding: 'pcm16', rate: 16000, container: 'wav', bytesPerMs: 32 },
  'wav/lpcm16_8': { encoding: 'pcm16', rate: 8000, container: 'wav', bytesPerMs: 16 },
}

export function isAcMediaFormat(s: string): s is AcMediaFormat {
  return Object.hasOwn(INFO, s)
}

export function describeFormat(f: AcMediaFormat): FormatInfo {
  return INFO[f]
}

const PCM24: OpenAiAudioFormat = { type: 'audio/pcm', rate: 24000 }
const PCMU: OpenAiAudioFormat = { type: 'audio/pcmu' }

export type RelayPlan = {
  /** The format to configure on the OpenAI session, for both input and output audio. */
  readonly openai: OpenAiAudioFormat
  /** True when the base64 payload is forwarded as is in both directions. */
  readonly passthrough: boolean
}

/**
 * μ-law stays μ-law (OpenAI speaks G.711 natively, so `wav/mulaw` only loses its header); everything else becomes
 * PCM16 at 24 kHz, OpenAI's native rate, so the model never hears audio resampled twice.
 */
export function relayPlan(f: AcMediaFormat): RelayPlan {
  if (f === 'raw/lpcm16_24') return { openai: PCM24, passthrough: true }
  if (f === 'raw/mulaw') return { openai: PCMU, passthrough: true }
  if (f === 'wav/mulaw') return { openai: PCMU, passthrough: false }
  return { openai: PCM24, passthrough: false }
}

/** The best format we support among those offered (exact, case-sensitive names), or undefined if none is. */
export function chooseFormat(offered: readonly string[]): AcMediaFormat | undefined {
  let best = FORMAT_PREFERENCE.length
  for (const s of offered) {
    if (!isAcMediaFormat(s)) continue
    const rank = FORMAT_PREFERENCE.indexOf(s)
    if (rank < best) best = rank
  }
  return FORMAT_PREFERENCE[best]
}
