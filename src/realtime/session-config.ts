/**
 * @module realtime/session-config
 * The `session.update` payload, from configuration and the call's state: formats, voice, turn detection, noise
 * reduction, caller transcription, instructions and the tools the task runtime registers.
 */
import type { RealtimeFunctionTool, RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime'
import type { Config } from '../config/schema'
import type { OpenAiAudioFormat } from '../audio/formats'

export type ToolSpec = { readonly name: string; readonly description: string; readonly parameters: Record<string, unknown> }

export type SessionInputs = {
  readonly config: Config
  readonly format: OpenAiAudioFormat
  readonly instructions: string
  readonly tools: readonly ToolSpec[]
  /** Caller silence that makes the model re-prompt (server_vad only; semantic_vad calls use VAIC's noUserInput). */
  readonly idleTimeoutMs?: number
  /** The business's voice (default OPENAI_VOICE). */
  readonly voice?: string
  /** ISO 639-1 language of the caller, for transcription. */
  readonly language?: string
}

export function buildSession(s: SessionInputs): RealtimeSessionCreateRequest {
  const c = s.config
  const turn_detection =
    c.TURN_DETECTION === 'semantic_vad'
      ? { type: 'semantic_vad' as const, eagerness: c.VAD_EAGERNESS, create_response: true, interrupt_response: true }
      : {
          type: 'server_vad' as const,
          threshold: c.VAD_THRESHOLD,
          prefix_padding_ms: c.VAD_PREFIX_PADDING_MS,
          silence_duration_ms: c.VAD_SILENCE_MS,
          create_response: true,
          interrupt_response: true,
          ...(s.idleTimeoutMs !== undefined ? { idle_timeout_ms: s.idleTimeoutMs } : {}),
        }
  const tools: RealtimeFunctionTool[] = s.tools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters }))
  return {
    type: 'realtime',
    model: c.OPENAI_REALTIME_MODEL,
    instructions: s.instructions,
    output_modalities: ['audio'],
    audio: {
      input: {
        format: s.format,
        ...(c.NOISE_REDUCTION === 'off' ? {} : { noise_reduction: { type: c.NOISE_REDUCTION } }),
        transcription: { model: c.TRANSCRIPTION_MODEL, ...(s.language ? { language: s.language } : {}) },
        turn_detection,
      },
      output: { format: s.format, voice: s.voice ?? c.OPENAI_VOICE },
    },
    tools,
    tool_choice: 'auto',
  }
}
