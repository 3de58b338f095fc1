/**
 * @module realtime/protocol
 * The slice of the Realtime GA protocol the bridge speaks. What we SEND is typed with the official `openai` package's
 * definitions (type-only import), so a misspelt field or a beta-shaped event is a compile error. What we RECEIVE and
 * act on is checked with precompiled TypeBox validators (extra fields allowed: OpenAI adds fields over time).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type {
  ConversationItemCreateEvent,
  ConversationItemTruncateEvent,
  InputAudioBufferAppendEvent,
  RealtimeClientEvent,
  ResponseCancelEvent,
  ResponseCreateEvent,
  SessionUpdateEvent,
} from 'openai/resources/realtime/realtime'
import { BASE64_PATTERN } from '../telephony/audiocodes/messages'
import { detached, FrameScan, FrameShape } from '../audio/wire-scan'

export type ClientEvent = RealtimeClientEvent
export type SessionUpdate = SessionUpdateEvent
export type ResponseCreate = ResponseCreateEvent
export type ItemCreate = ConversationItemCreateEvent
export type Truncate = ConversationItemTruncateEvent
export type Cancel = ResponseCancelEvent

/**
 * The per-frame uplink event, built by concatenation (base64 needs no escaping). The `satisfies` below keeps the
 * literal's shape tied to the vendor type.
 */
export const appendFrame = (audio: string): string => '{"type":"input_audio_buffer.append","audio":"' + audio + '"}'
const _appendShape = { type: 'input_audio_buffer.append', audio: '' } satisfies InputAudioBufferAppendEvent
void _appendShape

const open = { additionalProperties: true } as const
const S = Type.String()
const Opt = <T extends TSchema>(t: T) => Type.Optional(t)

export const ErrorEvent = Type.Object(
  {
    type: Type.Literal('error'),
    error: Type.Object({ type: Opt(S), code: Opt(Type.Union([S, Type.Null()])), message: Opt(S), param: Opt(Type.Union([S, Type.Null()])), event_id: Opt(Type.Union([S, Type.Null()])) }, open),
  },
  open,
)
export const SessionEvent = Type.Object(
  { type: Type.Union([Type.Literal('session.created'), Type.Literal('session.updated')]), session: Type.Object({ expires_at: Opt(Type.Number()), id: Opt(S) }, open) },
  open,
)
export const SpeechStarted = Type.Object({ type: Type.Literal('input_audio_buffer.speech_started'), audio_start_ms: Type.Number(), item_id: S }, open)
export const SpeechStopped = Type.Object({ type: Type.Literal('input_audio_buffer.speech_stopped'), audio_end_ms: Type.Number(), item_id: S }, open)
export const Committed = Type.Object({ type: Type.Literal('input_audio_buffer.committed'), item_id: S }, open)
export const TimeoutTriggered = Type.Object({ type: Type.Literal('input_audio_buffer.timeout_triggered') }, open)
export const TranscriptionCompleted = Type.Object(
  { type: Type.Literal('conversation.item.input_audio_transcription.completed'), item_id: S, transcript: S },
  open,
)
export const ResponseCreated = Type.Object(
  {
    type: Type.Literal('response.created'),
    response: Type.Object({ id: S, metadata: Opt(Type.Union([Type.Null(), Type.Record(S, Type.Unknown())])) }, open),
  },
  open,
)
const Count = Type.Integer({ minimum: 0 })
/** `response.done.usage`: token counts (details are optional; absent counts are 0). */
export const Usage = Type.Object(
  {
    input_tokens: Opt(Count),
    output_tokens: Opt(Count),
    input_token_details: Opt(Type.Object({ text_tokens: Opt(Count), audio_tokens: Opt(Count), cached_tokens: Opt(Count) }, open)),
    output_token_details: Opt(Type.Object({ text_tokens: Opt(Count), audio_tokens: Opt(Count) }, open)),
  },
  open,
)
export const ResponseDone = Type.Object(
  {
    type: Type.Literal('response.done'),
    response: Type.Object(
      {
        id: S,
        status: S,
        status_details: Opt(Type.Union([Type.Null(), Type.Object({ type: Opt(S), reason: Opt(S), error: Opt(Type.Unknown()) }, open)])),
        output: Opt(Type.Array(Type.Unknown())),
        usage: Opt(Type.Union([Type.Null(), Usage])),
      },
      open,
    ),
  },
  open,
)
export const AudioDelta = Type.Object(
  { type: Type.Literal('response.output_audio.delta'), response_id: S, item_id: S, content_index: Type.Integer(), delta: Type.String({ pattern: BASE64_PATTERN }) },
  open,
)
export const AudioDone = Type.Object({ type: Type.Literal('response.output_audio.done'), response_id: S, item_id: S }, open)
export const AudioTranscriptDone = Type.Object(
  { type: Type.Literal('response.output_audio_transcript.done'), response_id: S, item_id: S, transcript: S },
  open,
)
export const OutputItemDone = Type.Object(
  {
    type: Type.Literal('response.output_item.done'),
    response_id: S,
    item: Type.Object({ type: S, id: Opt(S), call_id: Opt(S), name: Opt(S), arguments: Opt(S), status: Opt(S) }, open),
  },
  open,
)
export const ItemTruncated = Type.Object({ type: Type.Literal('conversation.item.truncated'), item_id: S, audio_end_ms: Type.Number() }, open)

export type ServerEvent =
  | Static<typeof ErrorEvent>
  | Static<typeof SessionEvent>
  | Static<typeof SpeechStarted>
  | Static<typeof SpeechStopped>
  | Static<typeof Committed>
  | Static<typeof TimeoutTriggered>
  | Static<typeof TranscriptionCompleted>
  | Static<typeof ResponseCreated>
  | Static<typeof ResponseDone>
  | Static<typeof AudioDelta>
  | Static<typeof AudioDone>
  | Static<typeof AudioTranscriptDone>
  | Static<typeof OutputItemDone>
  | Static<typeof ItemTruncated>

const ACTED_ON: Record<string, TSchema> = {
  error: ErrorEvent,
  'session.created': SessionEvent,
  'session.updated': SessionEvent,
  'input_audio_buffer.speech_started': SpeechStarted,
  'input_audio_buffer.speech_stopped': SpeechStopped,
  'input_audio_buffer.committed': Committed,
  'input_audio_buffer.timeout_triggered': TimeoutTriggered,
  'conversation.item.input_audio_transcription.completed': TranscriptionCompleted,
  'response.created': ResponseCreated,
  'response.done': ResponseDone,
  'response.output_audio.delta': AudioDelta,
  'response.output_audio.done': AudioDone,
  'response.output_audio_transcript.done': AudioTranscriptDone,
  'response.output_item.done': OutputItemDone,
  'conversation.item.truncated': ItemTruncated,
}
const CHECKS = new Map<string, TypeCheck<TSchema>>(Object.entries(ACTED_ON).map(([k, s]) => [k, TypeCompiler.Compile(s)]))

export type ParsedServer = { kind: 'event'; event: ServerEvent } | { kind: 'ignored'; type: string } | { kind: 'invalid'; reason: string }

/** Parses and validates one server frame. Events we do not act on are reported as ignored, not invalid. */
export function parseServerEvent(frame: string | Buffer): ParsedServer {
  if (typeof frame !== 'string') return { kind: 'invalid', reason: 'binary-frame' }
  let value: unknown
  try {
    value = JSON.parse(frame)
  } catch {
    return { kind: 'invalid', reason: 'invalid-json' }
  }
  const type = (value as { type?: unknown } | null)?.type
  if (typeof type !== 'string') return { kind: 'invalid', reason: 'missing-type' }
  const check = CHECKS.get(type)
  if (!check) return { kind: 'ignored', type }
  if (!check.Check(value)) {
    const first = check.Errors(value).First()
    return { kind: 'invalid', reason: `invalid-${type}${first ? ` at ${first.path || '/'}: ${first.message}` : ''}` }
  }
  return { kind: 'event', event: value as ServerEvent }
}

/** Longest delta (base64 characters) the fast path takes: about 2.7 s of 24 kHz PCM16; longer ones are validated in full. */
const FAST_DELTA_MAX = 256 * 1024

/**
 * The per-frame downlink check, without JSON.parse: `response.output_audio.delta` in the exact fast shape
 * ({@link FrameScan}: `type` first, the fields OpenAI sends — `event_id`, `response_id`, `item_id`, `output_index`,
 * `content_index`, `delta` — each plain, strict base64). `scan` returns false for anything else, which then takes
 * {@link parseServerEvent}; whatever it accepts, `parseServerEvent` accepts as the same event (property-tested).
 * One scanner per socket: the ids of the previous delta are kept and reused when the next one claims the same (the
 * usual case), so a frame allocates nothing but its audio string.
 *
 * Memory: nothing of a frame outlives its dispatch. A slice shares its whole base string in JSC, so kept ids are
 * copies ({@link detached}; once per response) and the audio is handed over with {@link takeDelta}, which forgets
 * it: otherwise every call would pin its last 1–3 KiB frame until the next one. The field scan itself is stateless
 * between frames and shared by every scanner (JS is single-threaded; a scan's positions are read before the next).
 */
const deltaScan = new FrameScan('response.output_audio.delta', [
  { key: 'event_id', kind: 'string', maxLength: 1000 },
  { key: 'response_id', kind: 'string', maxLength: 1000 },
  { key: 'item_id', kind: 'string', maxLength: 1000 },
  { key: 'output_index', kind: 'integer', maxLength: 9 },
  { key: 'content_index', kind: 'integer', maxLength: 9 },
  { key: 'delta', kind: 'base64', maxLength: FAST_DELTA_MAX },
])
const DELTA_RESPONSE = deltaScan.field('response_id')
const DELTA_ITEM = deltaScan.field('item_id')
const DELTA_CONTENT = deltaScan.field('content_index')
const DELTA_AUDIO = deltaScan.field('delta')

const DELTA_EVENT = deltaScan.field('event_id')

export class AudioDeltaScanner {
  responseId = ''
  itemId = ''
  contentIndex = 0
  /** The audio of the last accepted frame, until {@link takeDelta}. */
  delta = ''
  /** The current item's frame layout: its deltas are then matched in place, only `event_id` and the audio read. */
  private readonly shape = new FrameShape(deltaScan, DELTA_EVENT)

  scan(frame: string): boolean {
    // A frame of the learned shape has the learned frame's ids and index: those fields hold the same text.
    const audio = this.shape.match(frame)
    if (audio !== undefined) {
      this.delta = audio
      return true
    }
    const s = deltaScan
    if (!s.scan(frame)) return false
    // Taken in every case: the scan is shared and must not keep the frame alive.
    const delta = s.takeBase64()
    if (s.start[DELTA_RESPONSE]! < 0 || s.start[DELTA_ITEM]! < 0 || s.start[DELTA_CONTENT]! < 0 || s.start[DELTA_AUDIO]! < 0) return false
    if (!s.equals(frame, DELTA_RESPONSE, this.responseId)) this.responseId = detached(frame.slice(s.start[DELTA_RESPONSE], s.end[DELTA_RESPONSE]))
    if (!s.equals(frame, DELTA_ITEM, this.itemId)) this.itemId = detached(frame.slice(s.start[DELTA_ITEM], s.end[DELTA_ITEM]))
    this.contentIndex = s.int[DELTA_CONTENT]!
    this.delta = delta
    // Keyed by the item (a detached copy, compared by identity first): one shape per item, the text copied once.
    this.shape.learn(frame, this.itemId)
    return true
  }

  /** The last frame's audio, forgotten here (the frame it was sliced from can then be collected once sent). */
  takeDelta(): string {
    const d = this.delta
    this.delta = ''
    return d
  }
}

/** Error codes after which reconnecting cannot help (LiveKit's list; the spec §5.2). */
export const FATAL_ERROR_CODES = new Set(['invalid_api_key', 'insufficient_quota', 'account_deactivated', 'billing_hard_limit_reached', 'model_not_found'])

/** A conversation item for replay after a reconnect: text only (assistant audio cannot be created). */
/**
 * A conversation item replayed into a session: what the caller said (data: a user item), what the bot said, or a note
 * of ours (a system item, never caller text).
 */
export type ReplayItem =
  | { readonly role: 'user'; readonly text: CallerText }
  | { readonly role: 'assistant'; readonly text: string }
  | { readonly role: 'system'; readonly text: NotCallerText }

import type { CallerText, NotCallerText } from '../call/spoken-line'

/**
 * `place`: the item's own id and the item it goes after (a cached line the bot played is told to the model this way,
 * and re-created cut at what was heard: a text item cannot be audio-truncated).
 */
export function replayItemEvent(item: ReplayItem, place?: { readonly id: string; readonly after?: string }): ItemCreate {
  if (item.role === 'assistant') {
    return {
      type: 'conversation.item.create',
      ...(place?.after !== undefined ? { previous_item_id: place.after } : {}),
      item: { ...(place ? { id: place.id } : {}), type: 'message', role: 'assistant', content: [{ type: 'output_text', text: item.text }] },
    }
  }
  if (item.role === 'system') {
    return { type: 'conversation.item.create', item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: item.text }] } }
  }
  return { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: item.text }] } }
}
