/**
 * @module sim/realtime/session-config
 * The effective session: the defaults a new session starts with (as in the API's `session.created` example) and the
 * strict merge of a `session.update`. Merge semantics are the API's: only the fields sent change; `""` clears the
 * instructions, `[]` the tools, `null` turns transcription / noise reduction / turn detection off. Either the whole
 * update applies or, on the first problem, none of it does and one error says why.
 */
import type {
  RealtimeAudioFormats,
  RealtimeAudioInputTurnDetection,
  RealtimeFunctionTool,
  RealtimeToolChoiceConfig,
  RealtimeTracingConfig,
  RealtimeTruncation,
} from 'openai/resources/realtime/realtime'
import { clientError, invalidValue, unknownParameter, type ClientError } from './errors'
import { functionToolValidator, type Format, type SessionPatch, type TurnDetection } from './schemas'
import { firstError } from './validate'
import type { EffectiveSession, VoiceName } from './wire'

export const BUILTIN_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const

export const DEFAULT_INSTRUCTIONS =
  'You are a helpful, witty, and friendly AI. Act like a human, but remember that you are not one. ' +
  'Your voice and personality should be warm and engaging. Talk quickly.'

export const DEFAULT_SERVER_VAD: RealtimeAudioInputTurnDetection.ServerVad = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
  idle_timeout_ms: null,
  create_response: true,
  interrupt_response: true,
}

export const DEFAULT_SEMANTIC_VAD: RealtimeAudioInputTurnDetection.SemanticVad = {
  type: 'semantic_vad',
  eagerness: 'auto',
  create_response: true,
  interrupt_response: true,
}

export function defaultSession(id: string, model: string, expiresAt: number): EffectiveSession {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id,
    model,
    expires_at: expiresAt,
    output_modalities: ['audio'],
    instructions: DEFAULT_INSTRUCTIONS,
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    truncation: 'auto',
    tracing: null,
    prompt: null,
    include: null,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: { ...DEFAULT_SERVER_VAD },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
    },
  }
}

type Result<T> = { ok: true; value: T } | { ok: false; error: ClientError }
const ok = <T>(value: T): Result<T> => ({ ok: true, value })
const err = <T>(error: ClientError): Result<T> => ({ ok: false, error })

/** Checks one format object. audio/pcma is valid API-wise but the emulator has no A-law codec. */
export function parseFormat(f: Format, param: string): Result<RealtimeAudioFormats> {
  switch (f.type) {
    case 'audio/pcm':
      if (f.rate !== undefined && f.rate !== 24000) {
        return err(invalidValue(`${param}.rate`, f.rate, 'audio/pcm only supports a rate of 24000.'))
      }
      return ok({ type: 'audio/pcm', rate: 24000 })
    case 'audio/pcmu':
      if (f.rate !== undefined) return err(unknownParameter(`${param}.rate`))
      return ok({ type: 'audio/pcmu' })
    case 'audio/pcma':
      return err(
        clientError('unsupported_by_emulator', 'audio/pcma (G.711 A-law) is not supported by the Realtime emulator; use audio/pcmu or audio/pcm.', `${param}.type`),
      )
    default:
      return err(invalidValue(`${param}.type`, f.type, "Supported values are: 'audio/pcm', 'audio/pcmu' and 'audio/pcma'."))
  }
}

const SERVER_ONLY = ['threshold', 'prefix_padding_ms', 'silence_duration_ms', 'idle_timeout_ms'] as const

function parseTurnDetection(
  td: TurnDetection,
  current: RealtimeAudioInputTurnDetection | null,
  param: string,
): Result<RealtimeAudioInputTurnDetection> {
  if (td.type === 'server_vad') {
    if (td.eagerness !== undefined) return err(unknownParameter(`${param}.eagerness`))
    const base = current?.type === 'server_vad' ? current : DEFAULT_SERVER_VAD
    const { eagerness: _e, ...fields } = td
    return ok({ ...base, ...fields, type: 'server_vad' })
  }
  if (td.type === 'semantic_vad') {
    for (const k of SERVER_ONLY) if (td[k] !== undefined) return err(unknownParameter(`${param}.${k}`))
    const e = td.eagerness
    if (e !== undefined && e !== 'low' && e !== 'medium' && e !== 'high' && e !== 'auto') {
      return err(invalidValue(`${param}.eagerness`, e, "Supported values are: 'low', 'medium', 'high' and 'auto'."))
    }
    const base = current?.type === 'semantic_vad' ? current : DEFAULT_SEMANTIC_VAD
    const next: RealtimeAudioInputTurnDetection.SemanticVad = { ...base, type: 'semantic_vad' }
    if (e !== undefined) next.eagerness = e
    if (td.create_response !== undefined) next.create_response = td.create_response
    if (td.interrupt_response !== undefined) next.interrupt_response = td.interrupt_response
    return ok(next)
  }
  return err(invalidValue(`${param}.type`, td.type, "Supported values are: 'server_vad' and 'semantic_vad'."))
}

export function parseVoice(v: string | { id: string }, param: string): Result<VoiceName> {
  if (typeof v === 'string') {
    if (!(BUILTIN_VOICES as readonly string[]).includes(v)) {
      return err(invalidValue(param, v, `Supported values are: ${BUILTIN_VOICES.map((x) => `'${x}'`).join(', ')}.`))
    }
    return ok(v)
  }
  return ok(v)
}

export function parseModalities(m: string[], param: string): Result<Array<'text' | 'audio'>> {
  if (m.length !== 1 || (m[0] !== 'audio' && m[0] !== 'text')) {
    return err(invalidValue(param, m, "Supported values are: ['audio'] or ['text'] (audio includes a transcript; both cannot be requested)."))
  }
  return ok([m[0]])
}

export function parseTools(tools: unknown[], param: string): Result<RealtimeFunctionTool[]> {
  const out: RealtimeFunctionTool[] = []
  const names = new Set<string>()
  for (const [i, t] of tools.entries()) {
    const p = `${param}[${i}]`
    if (t !== null && typeof t === 'object' && (t as { type?: unknown }).type === 'mcp') {
      return err(clientError('unsupported_by_emulator', 'MCP tools are not supported by the Realtime emulator.', `${p}.type`))
    }
    const e = firstError(functionToolValidator, t, p)
    if (e) return err(e)
    const tool = t as RealtimeFunctionTool & { name: string }
    if (names.has(tool.name)) return err(invalidValue(`${p}.name`, tool.name, 'Tool names must be unique.'))
    names.add(tool.name)
    out.push({ type: 'function', ...tool })
  }
  return ok(out)
}

export function parseToolChoice(tc: unknown, param: string): Result<RealtimeToolChoiceConfig> {
  if (tc === 'auto' || tc === 'none' || tc === 'required') return ok(tc)
  if (tc !== null && typeof tc === 'object' && !Array.isArray(tc)) {
    const o = tc as Record<string, unknown>
    if (o.type === 'function') {
      for (const k of Object.keys(o)) if (k !== 'type' && k !== 'name') return err(unknownParameter(`${param}.${k}`))
      if (typeof o.name !== 'string') return err(invalidValue(`${param}.name`, o.name, 'Expected the name of a function tool.'))
      return ok({ type: 'function', name: o.name })
    }
    if (o.type === 'mcp') return err(clientError('unsupported_by_emulator', 'MCP tool choice is not supported by the emulator.', param))
  }
  return err(invalidValue(param, tc, "Supported values are: 'auto', 'none', 'required' or {type:'function', name}."))
}

function parseTruncation(t: unknown, param: string): Result<RealtimeTruncation> {
  if (t === 'auto' || t === 'disabled') return ok(t)
  if (t !== null && typeof t === 'object' && (t as { type?: unknown }).type === 'retention_ratio') {
    const r = (t as { retention_ratio?: unknown }).retention_ratio
    if (typeof r !== 'number' || r < 0 || r > 1) return err(invalidValue(`${param}.retention_ratio`, r, 'Expected a number between 0 and 1.'))
    return ok(t as RealtimeTruncation)
  }
  return err(invalidValue(param, t, "Supported values are: 'auto', 'disabled' or {type:'retention_ratio', retention_ratio}."))
}

function parseTracing(t: unknown, param: string): Result<RealtimeTracingConfig | null> {
  if (t === null || t === 'auto') return ok(t)
  if (t !== null && typeof t === 'object' && !Array.isArray(t)) {
    for (const [k, v] of Object.entries(t)) {
      if (k !== 'workflow_name' && k !== 'group_id' && k !== 'metadata') return err(unknownParameter(`${param}.${k}`))
      if (k !== 'metadata' && typeof v !== 'string') return err(invalidValue(`${param}.${k}`, v, 'Expected a string.'))
    }
    return ok(t as RealtimeTracingConfig)
  }
  return err(invalidValue(param, t, "Supported values are: null, 'auto' or {workflow_name, group_id, metadata}."))
}

export interface UpdateContext {
  /** True once the session produced assistant audio: the voice is fixed from then on. */
  readonly audioProduced: boolean
}

/** The session after `patch`, or the first reason to reject the whole update. */
export function applySessionUpdate(cur: EffectiveSession, patch: SessionPatch, ctx: UpdateContext): Result<EffectiveSession> {
  const P = 'session'
  if (patch.type !== 'realtime') {
    return err(invalidValue(`${P}.type`, patch.type, "Supported values are: 'realtime' (transcription sessions are not supported here)."))
  }
  if (patch.model !== undefined && patch.model !== cur.model) {
    return err(invalidValue(`${P}.model`, patch.model, `The model cannot be changed during a session (it is '${cur.model}').`))
  }
  const next: EffectiveSession = structuredClone(cur)
  if (patch.instructions !== undefined) next.instructions = patch.instructions
  if (patch.output_modalities !== undefined) {
    const r = parseModalities(patch.output_modalities, `${P}.output_modalities`)
    if (!r.ok) return r
    next.output_modalities = r.value
  }
  const input = patch.audio?.input
  if (input?.format !== undefined) {
    const r = parseFormat(input.format, `${P}.audio.input.format`)
    if (!r.ok) return r
    next.audio.input.format = r.value
  }
  if (input?.transcription !== undefined) next.audio.input.transcription = input.transcription
  if (input?.noise_reduction !== undefined) next.audio.input.noise_reduction = input.noise_reduction
  if (input?.turn_detection !== undefined) {
    if (input.turn_detection === null) next.audio.input.turn_detection = null
    else {
      const r = parseTurnDetection(input.turn_detection, cur.audio.input.turn_detection, `${P}.audio.input.turn_detection`)
      if (!r.ok) return r
      next.audio.input.turn_detection = r.value
    }
  }
  const output = patch.audio?.output
  if (output?.format !== undefined) {
    const r = parseFormat(output.format, `${P}.audio.output.format`)
    if (!r.ok) return r
    next.audio.output.format = r.value
  }
  if (output?.voice !== undefined) {
    const r = parseVoice(output.voice, `${P}.audio.output.voice`)
    if (!r.ok) return r
    if (ctx.audioProduced && JSON.stringify(r.value) !== JSON.stringify(cur.audio.output.voice)) {
      return err(
        invalidValue(`${P}.audio.output.voice`, r.value, "Cannot update a conversation's voice if assistant audio is present."),
      )
    }
    next.audio.output.voice = r.value
  }
  if (output?.speed !== undefined) next.audio.output.speed = output.speed
  if (patch.tools !== undefined) {
    const r = parseTools(patch.tools, `${P}.tools`)
    if (!r.ok) return r
    next.tools = r.value
  }
  if (patch.tool_choice !== undefined) {
    const r = parseToolChoice(patch.tool_choice, `${P}.tool_choice`)
    if (!r.ok) return r
    next.tool_choice = r.value
  }
  if (typeof next.tool_choice === 'object' && next.tool_choice.type === 'function') {
    const name = next.tool_choice.name
    if (!next.tools.some((t) => t.name === name)) {
      return err(invalidValue(`${P}.tool_choice.name`, name, 'tool_choice names a function that is not in tools.'))
    }
  }
  if (patch.max_output_tokens !== undefined) next.max_output_tokens = patch.max_output_tokens
  if (patch.truncation !== undefined) {
    const r = parseTruncation(patch.truncation, `${P}.truncation`)
    if (!r.ok) return r
    next.truncation = r.value
  }
  if (patch.tracing !== undefined) {
    const r = parseTracing(patch.tracing, `${P}.tracing`)
    if (!r.ok) return r
    if (cur.tracing !== null && JSON.stringify(r.value) !== JSON.stringify(cur.tracing)) {
      return err(invalidValue(`${P}.tracing`, r.value, 'Tracing cannot be modified once it is enabled.'))
    }
    next.tracing = r.value
  }
  if (patch.prompt !== undefined) {
    const p = patch.prompt
    if (p !== null && (typeof p !== 'object' || typeof (p as { id?: unknown }).id !== 'string')) {
      return err(invalidValue(`${P}.prompt`, p, 'Expected null or {id, version?, variables?}.'))
    }
    next.prompt = p as EffectiveSession['prompt']
  }
  if (patch.include !== undefined) next.include = patch.include
  const reasoningModel = /^gpt-realtime-(?:[2-9]|\d{2})/.test(cur.model)
  if (patch.reasoning !== undefined && !reasoningModel) {
    return err(clientError('unsupported_parameter', `'reasoning' is not supported with the model '${cur.model}'.`, `${P}.reasoning`))
  }
  if (patch.parallel_tool_calls !== undefined && !reasoningModel) {
    return err(
      clientError('unsupported_parameter', `'parallel_tool_calls' is not supported with the model '${cur.model}'.`, `${P}.parallel_tool_calls`),
    )
  }
  return ok(next)
}

/** Silence (ms) that ends a turn for semantic_vad, which the emulator runs as an energy VAD too. */
export const SEMANTIC_SILENCE_MS = { low: 1500, medium: 800, auto: 800, high: 400 } as const
