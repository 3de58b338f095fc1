/**
 * @module sim/realtime/brain
 * What stands in for the model: a BRAIN decides what a response says and which tools it calls, an EAR turns the
 * caller's audio into the text the brain "hears", a VOICE turns the brain's words into audio. All three are
 * pluggable; the defaults (booking-brain.ts, modem-io.ts) make the emulator play FastAgent's booking dialogue with
 * tone-modem audio that tests can decode exactly.
 *
 * The brain sees only what a real model sees: the effective instructions, the tool definitions, the conversation
 * items (user transcripts, function calls and outputs, system notes, what the assistant said, cut at truncation) and
 * the `response.create` parameters. It never sees emulator internals or the client's code.
 */
import type { RealtimeFunctionTool, RealtimeToolChoiceConfig } from 'openai/resources/realtime/realtime'
import type { ResponseParams } from './schemas'

export type BrainItem =
  | { readonly type: 'message'; readonly id: string; readonly role: 'user' | 'assistant' | 'system'; readonly text: string }
  | { readonly type: 'function_call'; readonly id: string; readonly call_id: string; readonly name: string; readonly arguments: string }
  | { readonly type: 'function_call_output'; readonly id: string; readonly call_id: string; readonly output: string }

/**
 * Why the response runs: VAD ended a user turn (`user_turn`), the client asked right after a function output
 * (`tool_output`) or otherwise (`create`), or the caller stayed silent for `idle_timeout_ms` (`idle_timeout`).
 */
export type BrainTrigger = 'user_turn' | 'tool_output' | 'create' | 'idle_timeout'

export interface BrainContext {
  /** What the model is told for this response: the response's `instructions` override, else the session's. */
  readonly instructions: string
  readonly sessionInstructions: string
  readonly tools: readonly RealtimeFunctionTool[]
  readonly toolChoice: RealtimeToolChoiceConfig
  /** The response's context: the conversation, or the response's `input` when it set one. */
  readonly items: readonly BrainItem[]
  /** The `response.create` parameters, when the client sent any. */
  readonly request: ResponseParams | undefined
  readonly trigger: BrainTrigger
}

export interface BrainCall {
  readonly name: string
  readonly arguments: Readonly<Record<string, unknown>>
}

/** `say` is spoken first (a preamble when there are calls), then each call becomes a function_call item. */
export interface BrainTurn {
  readonly say?: string
  readonly calls?: readonly BrainCall[]
}

export interface Brain {
  respond(ctx: BrainContext): BrainTurn | Promise<BrainTurn>
}

export interface Ear {
  transcribe(pcm: Int16Array, rate: number): Promise<string> | string
}

export interface Voice {
  synthesize(text: string, rate: number): Int16Array
  /**
   * How many leading characters of `text` a listener has heard after `ms` of its audio, for truncation. Defaults to
   * a proportional estimate when a voice does not say.
   */
  charsHeard?(text: string, ms: number): number
}

/** An ear that returns scripted lines in order (then empty strings), whatever the audio. */
export function scriptedEar(lines: readonly string[]): Ear & { readonly remaining: number } {
  const queue = [...lines]
  return {
    transcribe: () => queue.shift() ?? '',
    get remaining() {
      return queue.length
    },
  }
}

/** A brain that plays scripted turns in order (then stays silent); handy for protocol tests. */
export function scriptedBrain(turns: readonly BrainTurn[]): Brain & { readonly contexts: BrainContext[] } {
  const queue = [...turns]
  const contexts: BrainContext[] = []
  return {
    contexts,
    respond(ctx) {
      contexts.push(ctx)
      return queue.shift() ?? {}
    },
  }
}
