/**
 * @module telephony/audiocodes/messages
 * The Bot API (streaming mode) vocabulary. Inbound messages (VoiceAI Connect → bot) are TypeBox schemas that allow
 * extra fields — vendors add fields and AudioCodes documents few — and are checked with precompiled validators, one
 * per `type`, so the per-frame `userStream.chunk` check is a single compiled function. Outbound messages are plain
 * typed objects; the hot `playStream.chunk` is built by string concatenation (base64 never needs escaping).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { FrameScan, FrameShape } from '../../audio/wire-scan'

const open = { additionalProperties: true } as const
const Id = Type.String({ minLength: 1, maxLength: 200 })
const Participant = Type.Optional(Type.String({ maxLength: 200 }))
/** Standard base64 (what VAIC sends), whole quanta only. */
export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$'

export const ConnectionValidate = Type.Object({ type: Type.Literal('connection.validate'), conversationId: Type.Optional(Id) }, open)

export const SessionInitiate = Type.Object(
  {
    type: Type.Literal('session.initiate'),
    conversationId: Id,
    botName: Type.Optional(Type.String({ maxLength: 200 })),
    caller: Type.Optional(Type.String({ maxLength: 200 })),
    /** The dialled number, when VAIC puts it here too (documented only in the start event; some setups add it). */
    callee: Type.Optional(Type.String({ maxLength: 200 })),
    expectAudioMessages: Type.Optional(Type.Boolean()),
    /** Absent: `raw/lpcm16`, what AudioCodes' own SDK assumes (it always answers that format). */
    supportedMediaFormats: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
    participant: Participant,
  },
  open,
)

export const SessionResume = Type.Object(
  {
    type: Type.Literal('session.resume'),
    conversationId: Id,
    supportedMediaFormats: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
  },
  open,
)

export const SessionEnd = Type.Object(
  {
    type: Type.Literal('session.end'),
    conversationId: Id,
    reasonCode: Type.Optional(Type.String({ maxLength: 200 })),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  open,
)

export const UserStreamStart = Type.Object({ type: Type.Literal('userStream.start'), conversationId: Id, participant: Participant }, open)
export const UserStreamStop = Type.Object({ type: Type.Literal('userStream.stop'), conversationId: Id, participant: Participant }, open)
export const UserStreamChunk = Type.Object(
  {
    type: Type.Literal('userStream.chunk'),
    conversationId: Id,
    audioChunk: Type.String({ pattern: BASE64_PATTERN }),
    participant: Participant,
  },
  open,
)

export const Activity = Type.Object(
  {
    type: Type.String({ maxLength: 64 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    text: Type.Optional(Type.String({ maxLength: 10000 })),
    value: Type.Optional(Type.Unknown()),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    id: Type.Optional(Type.String({ maxLength: 200 })),
    timestamp: Type.Optional(Type.String({ maxLength: 100 })),
    language: Type.Optional(Type.String({ maxLength: 50 })),
  },
  open,
)
export type Activity = Static<typeof Activity>

/** `conversationId` may be missing here: a Rasa fixture uses `conversation`; the start event also names it. */
export const Activities = Type.Object(
  {
    type: Type.Literal('activities'),
    conversationId: Type.Optional(Id),
    conversation: Type.Optional(Id),
    activities: Type.Array(Activity, { maxItems: 100 }),
  },
  open,
)

export type ConnectionValidate = Static<typeof ConnectionValidate>
export type SessionInitiate = Static<typeof SessionInitiate>
export type SessionResume = Static<typeof SessionResume>
export type SessionEnd = Static<typeof SessionEnd>
export type UserStreamStart = Static<typeof UserStreamStart>
export type UserStreamStop = Static<typeof UserStreamStop>
export type UserStreamChunk = Static<typeof UserStreamChunk>
export type Activities = Static<typeof Activities>

export type Inbound =
  | ConnectionValidate
  | SessionInitiate
  | SessionResume
  | SessionEnd
  | UserStreamStart
  | UserStreamStop
  | UserStreamChunk
  | Activities

const SCHEMAS: Record<Inbound['type'], TSchema> = {
  'connection.validate': ConnectionValidate,
  'session.initiate': SessionInitiate,
  'session.resume': SessionResume,
  'session.end': SessionEnd,
  'userStream.start': UserStreamStart,
  'userStream.stop': UserStreamStop,
  'userStream.chunk': UserStreamChunk,
  activities: Activities,
}
const CHECKS = new Map<string, TypeCheck<TSchema>>(Object.entries(SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s)]))

export type ParseResult = { ok: true; msg: Inbound } | { ok: false; reason: string; type?: string }

/**
 * Validates one inbound frame. Accepts the raw text, or a value a framework already JSON-parsed; a binary frame is
 * refused. The reason names the problem without echoing the payload.
 */
export function parseInbound(frame: unknown): ParseResult {
  let value = frame
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      return { ok: false, reason: 'invalid-json' }
    }
  } else if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    return { ok: false, reason: 'binary-frame' }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'not-an-object' }
  const type = (value as { type?: unknown }).type
  if (typeof type !== 'string') return { ok: false, reason: 'missing-type' }
  const check = CHECKS.get(type)
  if (!check) return { ok: false, reason: 'unknown-type', type: type.slice(0, 64) }
  if (!check.Check(value)) {
    const first = check.Errors(value).First()
    return { ok: false, reason: `invalid-${type}${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`, type }
  }
  return { ok: true, msg: value as Inbound }
}

/** Longest audio (base64 characters) the fast path takes: 2 s of 24 kHz PCM16; longer chunks are validated in full. */
const FAST_AUDIO_MAX = 128 * 1024
const chunkScan = new FrameScan('userStream.chunk', [
  { key: 'conversationId', kind: 'string', maxLength: 200 },
  { key: 'audioChunk', kind: 'base64', maxLength: FAST_AUDIO_MAX },
  { key: 'participant', kind: 'string', maxLength: 200 },
])
const CHUNK_CONVERSATION = chunkScan.field('conversationId')
const CHUNK_AUDIO = chunkScan.field('audioChunk')

/**
 * The per-frame uplink check: the audio of a `userStream.chunk` of conversation `conversationId` when the frame has
 * the exact fast shape ({@link FrameScan}: no JSON.parse, strict base64, the id compared in place), else undefined —
 * the frame then takes {@link parseInbound}, which decides. Whatever this accepts, `parseInbound` accepts with the
 * same type, conversation and audio (property-tested).
 */
export function fastChunkAudio(frame: string, conversationId: string): string | undefined {
  if (!chunkScan.scan(frame)) return undefined
  // Taken in every case: the scanner is shared and must not keep the frame alive.
  const audio = chunkScan.takeBase64()
  return chunkScan.start[CHUNK_AUDIO]! < 0 || !chunkScan.equals(frame, CHUNK_CONVERSATION, conversationId) ? undefined : audio
}

/**
 * A conversation's uplink check: {@link fastChunkAudio}, with the frame shape ({@link FrameShape}) of the
 * conversation's first chunk learned, so that the chunks after it (VAIC writes them all alike) are matched in place —
 * one compare of the text up to the audio, then the audio's base64 check. Accepts exactly what `fastChunkAudio` does.
 * A chunk laid out otherwise than the first gives the shape up for the conversation (checked in full from then on).
 */
export class ChunkScanner {
  private readonly shape = new FrameShape(chunkScan, -1)
  constructor(private readonly conversationId: string) {}

  audio(frame: string): string | undefined {
    const matched = this.shape.match(frame)
    if (matched !== undefined) return matched
    const audio = fastChunkAudio(frame, this.conversationId)
    // Learnt from the scan just done: its positions are this frame's.
    if (audio !== undefined) this.shape.learn(frame, this.conversationId)
    return audio
  }
}

// ---- outbound (bot → VAIC) -------------------------------------------------------------------------------------

export type OutActivity = {
  type: 'event' | 'message'
  name?: string
  text?: string
  activityParams?: Record<string, unknown>
  sessionParams?: Record<string, unknown>
}

export type Outbound =
  | { type: 'connection.validated'; success: boolean }
  | { type: 'session.accepted'; mediaFormat: string }
  | { type: 'session.error'; reason: string; conversationId?: string }
  | { type: 'userStream.started' }
  | { type: 'userStream.stopped' }
  | { type: 'userStream.speech.started' }
  | { type: 'userStream.speech.stopped' }
  | { type: 'userStream.speech.committed' }
  | { type: 'userStream.speech.hypothesis'; alternatives: { text: string }[] }
  | { type: 'userStream.speech.recognition'; alternatives: { text: string; confidence: number }[] }
  | { type: 'playStream.start'; streamId: string; mediaFormat: string; altText?: string }
  | { type: 'playStream.stop'; streamId: string }
  | { type: 'activities'; activities: OutActivity[] }

/** The format a `session.initiate` without `supportedMediaFormats` implies (AudioCodes' SDK answers it unasked). */
export const IMPLIED_MEDIA_FORMATS: readonly string[] = ['raw/lpcm16']

export const encodeOutbound = (m: Outbound): string => JSON.stringify(m)

/**
 * The per-frame downlink message, without JSON.stringify: ids are ours and base64 has no characters to escape. A play
 * stream builds its prefix once ({@link playChunkPrefix}), so a frame is one template of three parts: one string (a
 * JSC rope of three fibers), the one the socket sends.
 */
export const playChunkPrefix = (streamId: string): string => '{"type":"playStream.chunk","streamId":"' + streamId + '","audioChunk":"'
export const PLAY_CHUNK_END = '"}'
export const playChunkFrame = (streamId: string, audioChunk: string): string => `${playChunkPrefix(streamId)}${audioChunk}${PLAY_CHUNK_END}`
