/**
 * @module sim/vaic/bot-messages
 * What a bot may send to VoiceAI Connect in streaming mode, as STRICT TypeBox schemas written from the spec
 * (shared/specs/audiocodes-bot-api.md §2 and §4.2), independently of the server's own outbound types: the simulator
 * exists to catch the server's mistakes, so it must not share its idea of what is correct. Objects are closed
 * (`additionalProperties: false`) except where VoiceAI Connect itself documents an open bag (`sessionParams`, hangup
 * SIP headers). Parsing never throws: it answers either a typed message or a reason naming the first problem.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'

const closed = { additionalProperties: false } as const

/** Standard base64 in whole quanta, at least one quantum (an empty chunk carries nothing and is a bot bug). */
export const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/

// Every bot message may echo `conversationId` (harmless per spec §1.1); agent-assist fields are optional too.
const ConversationId = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
const Participant = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
const StreamId = Type.String({ minLength: 1, maxLength: 100 })
const MediaFormat = Type.String({ minLength: 1, maxLength: 64 })

export const ConnectionValidated = Type.Object(
  { type: Type.Literal('connection.validated'), success: Type.Boolean(), conversationId: ConversationId },
  closed,
)
export const SessionAccepted = Type.Object({ type: Type.Literal('session.accepted'), mediaFormat: MediaFormat, conversationId: ConversationId }, closed)
export const SessionError = Type.Object(
  { type: Type.Literal('session.error'), reason: Type.String({ maxLength: 2000 }), conversationId: ConversationId },
  closed,
)

const bare = <T extends string>(type: T) => Type.Object({ type: Type.Literal(type), conversationId: ConversationId, participant: Participant }, closed)
export const UserStreamStarted = bare('userStream.started')
export const UserStreamStopped = bare('userStream.stopped')
export const SpeechStarted = bare('userStream.speech.started')
export const SpeechStopped = bare('userStream.speech.stopped')
export const SpeechCommitted = bare('userStream.speech.committed')

export const SpeechHypothesis = Type.Object(
  {
    type: Type.Literal('userStream.speech.hypothesis'),
    alternatives: Type.Array(Type.Object({ text: Type.String({ maxLength: 10000 }), confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) }, closed), {
      minItems: 1,
      maxItems: 10,
    }),
    conversationId: ConversationId,
    participant: Participant,
  },
  closed,
)

/** Confidence is a number in [0, 1] (the SDK sends a number; spec §2.4). */
export const SpeechRecognition = Type.Object(
  {
    type: Type.Literal('userStream.speech.recognition'),
    alternatives: Type.Array(Type.Object({ text: Type.String({ maxLength: 10000 }), confidence: Type.Number({ minimum: 0, maximum: 1 }) }, closed), {
      minItems: 1,
      maxItems: 10,
    }),
    conversationId: ConversationId,
    participant: Participant,
  },
  closed,
)

export const PlayStreamStart = Type.Object(
  {
    type: Type.Literal('playStream.start'),
    streamId: StreamId,
    mediaFormat: MediaFormat,
    altText: Type.Optional(Type.String({ maxLength: 10000 })),
    activityParams: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    targetPlayer: Participant,
    conversationId: ConversationId,
    participant: Participant,
  },
  closed,
)
export const PlayStreamChunk = Type.Object(
  { type: Type.Literal('playStream.chunk'), streamId: StreamId, audioChunk: Type.String(), conversationId: ConversationId, participant: Participant },
  closed,
)
export const PlayStreamStop = Type.Object(
  { type: Type.Literal('playStream.stop'), streamId: StreamId, conversationId: ConversationId, participant: Participant },
  closed,
)

/** The envelope. The per-event parameter checks are in {@link checkActivity}. */
export const BotActivity = Type.Object(
  {
    type: Type.Union([Type.Literal('event'), Type.Literal('message')]),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    text: Type.Optional(Type.String({ maxLength: 10000 })),
    activityParams: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    sessionParams: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  closed,
)
export const BotActivities = Type.Object(
  { type: Type.Literal('activities'), activities: Type.Array(BotActivity, { minItems: 1, maxItems: 50 }), conversationId: ConversationId },
  closed,
)

export type ConnectionValidated = Static<typeof ConnectionValidated>
export type SessionAccepted = Static<typeof SessionAccepted>
export type SessionError = Static<typeof SessionError>
export type SpeechHypothesis = Static<typeof SpeechHypothesis>
export type SpeechRecognition = Static<typeof SpeechRecognition>
export type PlayStreamStart = Static<typeof PlayStreamStart>
export type PlayStreamChunk = Static<typeof PlayStreamChunk>
export type PlayStreamStop = Static<typeof PlayStreamStop>
export type BotActivity = Static<typeof BotActivity>
export type BotActivities = Static<typeof BotActivities>

export type BotMessage =
  | ConnectionValidated
  | SessionAccepted
  | SessionError
  | Static<typeof UserStreamStarted>
  | Static<typeof UserStreamStopped>
  | Static<typeof SpeechStarted>
  | Static<typeof SpeechStopped>
  | Static<typeof SpeechCommitted>
  | SpeechHypothesis
  | SpeechRecognition
  | PlayStreamStart
  | PlayStreamChunk
  | PlayStreamStop
  | BotActivities

const SCHEMAS: Record<BotMessage['type'], TSchema> = {
  'connection.validated': ConnectionValidated,
  'session.accepted': SessionAccepted,
  'session.error': SessionError,
  'userStream.started': UserStreamStarted,
  'userStream.stopped': UserStreamStopped,
  'userStream.speech.started': SpeechStarted,
  'userStream.speech.stopped': SpeechStopped,
  'userStream.speech.committed': SpeechCommitted,
  'userStream.speech.hypothesis': SpeechHypothesis,
  'userStream.speech.recognition': SpeechRecognition,
  'playStream.start': PlayStreamStart,
  'playStream.chunk': PlayStreamChunk,
  'playStream.stop': PlayStreamStop,
  activities: BotActivities,
}
const CHECKS = new Map<string, TypeCheck<TSchema>>(Object.entries(SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]))

// ---- per-event activity parameters (spec §4.2) --------------------------------------------------------------------

const SipHeader = Type.Object({ name: Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", maxLength: 100 }), value: Type.String({ maxLength: 2000 }) }, closed)

const HangupParams = Type.Object({ hangupReason: Type.Optional(Type.String({ maxLength: 500 })) })
const TransferParams = Type.Object(
  {
    transferTarget: Type.String({ pattern: '^(tel:\\+?[0-9*#().-]{1,40}|sips?:[^\\s]+)$', maxLength: 500 }),
    handoverReason: Type.Optional(Type.String({ maxLength: 500 })),
    transferReferredByURL: Type.Optional(Type.String({ maxLength: 500 })),
    transferSipHeaders: Type.Optional(Type.Array(SipHeader, { maxItems: 20 })),
  },
  closed,
)
const SendDtmfParams = Type.Object({ dtmfDigits: Type.String({ pattern: '^[0-9*#]{1,20}$' }) }, closed)
const PlayUrlParams = Type.Object(
  {
    playUrlUrl: Type.String({ pattern: '^(https?:|data:)', maxLength: 100000 }),
    playUrlMediaFormat: Type.Optional(MediaFormat),
    playUrlAltText: Type.Optional(Type.String({ maxLength: 10000 })),
    playUrlCache: Type.Optional(Type.Boolean()),
  },
  closed,
)
/** Open: any bot parameter may be set; the ones the simulator acts on must have the right type. */
export const SessionParams = Type.Object({
  bargeIn: Type.Optional(Type.Boolean()),
  sendDTMF: Type.Optional(Type.Boolean()),
  sendEventsToBot: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
  userNoInputTimeoutMS: Type.Optional(Type.Integer({ minimum: 0 })),
  userNoInputGiveUpTimeoutMS: Type.Optional(Type.Integer({ minimum: 0 })),
  userNoInputRetries: Type.Optional(Type.Integer({ minimum: 0 })),
  botNoInputTimeoutMS: Type.Optional(Type.Integer({ minimum: 0 })),
  botNoInputGiveUpTimeoutMS: Type.Optional(Type.Integer({ minimum: 0 })),
  language: Type.Optional(Type.String({ minLength: 2, maxLength: 20 })),
})
export type SessionParams = Static<typeof SessionParams>

const compile = (s: TSchema): TypeCheck<TSchema> => TypeCompiler.Compile(s)
const EVENT_PARAMS: Readonly<Record<string, { readonly activityParams?: TypeCheck<TSchema>; readonly required?: boolean }>> = {
  hangup: { activityParams: compile(HangupParams) },
  transfer: { activityParams: compile(TransferParams), required: true },
  handover: { activityParams: compile(TransferParams), required: true },
  sendDtmf: { activityParams: compile(SendDtmfParams), required: true },
  playUrl: { activityParams: compile(PlayUrlParams), required: true },
  config: {},
  // Documented, carried through without parameter checks (the simulator does not act on them).
  abortPrompts: {},
  expectAnotherBotMessage: {},
  sendMetaData: {},
  startRecognition: {},
  stopRecognition: {},
  startCallRecording: {},
  stopCallRecording: {},
  pauseCallRecording: {},
  resumeCallRecording: {},
}
const SESSION_PARAMS = compile(SessionParams)

export type ActivityCheck = { ok: true; known: boolean } | { ok: false; reason: string }

/**
 * Checks one bot activity beyond its envelope: an event needs a name; a known event needs its parameters (e.g. a
 * transfer target that is a tel:/sip: URI); `sessionParams` (which may ride on any activity) must type-check.
 * `known: false` means a syntactically fine event the spec does not list (a warning, not a violation).
 */
export function checkActivity(a: BotActivity): ActivityCheck {
  if (a.sessionParams !== undefined && !SESSION_PARAMS.Check(a.sessionParams)) return { ok: false, reason: firstError('sessionParams', SESSION_PARAMS, a.sessionParams) }
  if (a.type === 'message') {
    if (typeof a.text !== 'string') return { ok: false, reason: 'a message activity needs text' }
    return { ok: true, known: true }
  }
  if (a.name === undefined) return { ok: false, reason: 'an event activity needs a name' }
  if (a.text !== undefined) return { ok: false, reason: `event ${a.name} carries text (only message activities do)` }
  if (a.name === 'config' && a.sessionParams === undefined) return { ok: false, reason: 'config event without sessionParams' }
  const spec = EVENT_PARAMS[a.name]
  if (!spec) return { ok: true, known: false }
  if (spec.activityParams) {
    if (a.activityParams === undefined) return spec.required ? { ok: false, reason: `${a.name} event without activityParams` } : { ok: true, known: true }
    if (!spec.activityParams.Check(a.activityParams)) return { ok: false, reason: `${a.name}: ${firstError('activityParams', spec.activityParams, a.activityParams)}` }
  }
  return { ok: true, known: true }
}

function firstError(prefix: string, check: TypeCheck<TSchema>, value: unknown): string {
  const e = check.Errors(value).First()
  return e ? `${prefix}${e.path || ''}: ${e.message}` : `${prefix} is invalid`
}

export type ParsedBotMessage =
  | { ok: true; msg: BotMessage }
  | { ok: false; rule: 'binary-frame' | 'invalid-json' | 'not-an-object' | 'unknown-type' | 'schema' | 'bot-session-end'; reason: string }

/** Parses and checks one frame from the bot. */
export function parseBotMessage(frame: unknown): ParsedBotMessage {
  if (typeof frame !== 'string') return { ok: false, rule: 'binary-frame', reason: 'binary frame (the Bot API is JSON text only)' }
  let value: unknown
  try {
    value = JSON.parse(frame)
  } catch {
    return { ok: false, rule: 'invalid-json', reason: 'frame is not valid JSON' }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, rule: 'not-an-object', reason: 'frame is not a JSON object' }
  const type = (value as { type?: unknown }).type
  if (typeof type !== 'string') return { ok: false, rule: 'schema', reason: 'message has no string "type"' }
  if (type === 'session.end') return { ok: false, rule: 'bot-session-end', reason: 'the bot must not send session.end (end a call with a hangup activity)' }
  const check = CHECKS.get(type)
  if (!check) return { ok: false, rule: 'unknown-type', reason: `unknown message type ${JSON.stringify(type.slice(0, 80))}` }
  if (!check.Check(value)) return { ok: false, rule: 'schema', reason: `${type}: ${firstError('', check, value) || 'invalid'}` }
  return { ok: true, msg: value as BotMessage }
}

/** Decoded size of a strict base64 string, without decoding it. */
export function base64ByteLength(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0
  return (b64.length / 4) * 3 - pad
}
