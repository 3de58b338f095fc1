/**
 * @module sim/realtime/wire
 * The shapes the emulator SENDS, taken from the official Realtime GA types (`openai` package, type-only) so a wrong
 * field name or event name fails at compile time. One deviation: the official `RealtimeSessionCreateRequest` has no
 * `null` for `transcription`, `noise_reduction`, `include`, `tracing`… although the API's own `session.created`
 * example sends `null` for "off". `EffectiveSession` is built from the official member types and widens only those
 * fields to `| null`, so the emulator can send what the real server sends.
 */
import type {
  AudioTranscription,
  RealtimeAudioConfigInput,
  RealtimeAudioConfigOutput,
  RealtimeAudioFormats,
  RealtimeAudioInputTurnDetection,
  RealtimeFunctionTool,
  RealtimeServerEvent,
  RealtimeToolChoiceConfig,
  RealtimeTracingConfig,
  RealtimeTruncation,
  SessionCreatedEvent,
  SessionUpdatedEvent,
} from 'openai/resources/realtime/realtime'
import type { ResponsePrompt } from 'openai/resources/responses/responses'

export type VoiceName = NonNullable<RealtimeAudioConfigOutput['voice']>

export interface EffectiveSession {
  type: 'realtime'
  object: 'realtime.session'
  id: string
  model: string
  /** Unix seconds; the session cap (`sessionMaxMs`) after creation. */
  expires_at: number
  output_modalities: Array<'text' | 'audio'>
  instructions: string
  tools: RealtimeFunctionTool[]
  tool_choice: RealtimeToolChoiceConfig
  max_output_tokens: number | 'inf'
  truncation: RealtimeTruncation
  tracing: RealtimeTracingConfig | null
  prompt: ResponsePrompt | null
  include: Array<'item.input_audio_transcription.logprobs'> | null
  audio: {
    input: {
      format: RealtimeAudioFormats
      transcription: AudioTranscription | null
      noise_reduction: RealtimeAudioConfigInput.NoiseReduction | null
      turn_detection: RealtimeAudioInputTurnDetection | null
    }
    output: { format: RealtimeAudioFormats; voice: VoiceName; speed: number }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** Every event the emulator sends, without `event_id` (the outbox assigns it). */
export type OutgoingEvent =
  | DistributiveOmit<Exclude<RealtimeServerEvent, SessionCreatedEvent | SessionUpdatedEvent>, 'event_id'>
  | { type: 'session.created'; session: EffectiveSession }
  | { type: 'session.updated'; session: EffectiveSession }

export type OutgoingType = OutgoingEvent['type']

/** A sent event as the test sees it: the typed event plus its id. */
export type SentEvent = OutgoingEvent & { event_id: string }
