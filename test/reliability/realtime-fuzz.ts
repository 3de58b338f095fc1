/**
 * @module test/reliability/realtime-fuzz
 * Random and mutated Realtime server events for `parseServerEvent` (fast-check arbitraries), and the oracle each
 * frame is checked against: TypeBox's interpreted `Value.Check` over the same schemas, an independent path from the
 * precompiled validators the model leg uses. Shared by the fuzz test and the soak.
 */
import fc from 'fast-check'
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import * as P from '../../src/realtime/protocol'
import { CANARY } from './vaic-fuzz'

/** Reference copy of what the model leg acts on (kept independent of the module's private table on purpose). */
export const SCHEMAS: Record<string, TSchema> = {
  error: P.ErrorEvent,
  'session.created': P.SessionEvent,
  'session.updated': P.SessionEvent,
  'input_audio_buffer.speech_started': P.SpeechStarted,
  'input_audio_buffer.speech_stopped': P.SpeechStopped,
  'input_audio_buffer.committed': P.Committed,
  'input_audio_buffer.timeout_triggered': P.TimeoutTriggered,
  'conversation.item.input_audio_transcription.completed': P.TranscriptionCompleted,
  'response.created': P.ResponseCreated,
  'response.done': P.ResponseDone,
  'response.output_audio.delta': P.AudioDelta,
  'response.output_audio.done': P.AudioDone,
  'response.output_audio_transcript.done': P.AudioTranscriptDone,
  'response.output_item.done': P.OutputItemDone,
  'conversation.item.truncated': P.ItemTruncated,
}

/** One well-formed example of every event the model leg acts on. */
export const VALID: Record<string, unknown>[] = [
  { type: 'error', error: { type: 'invalid_request_error', code: 'x', message: 'm', param: null, event_id: null } },
  { type: 'session.created', session: { id: 'sess_1', expires_at: 1_900_000_000 } },
  { type: 'session.updated', session: { id: 'sess_1' } },
  { type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: 'item_1' },
  { type: 'input_audio_buffer.speech_stopped', audio_end_ms: 900, item_id: 'item_1' },
  { type: 'input_audio_buffer.committed', item_id: 'item_1' },
  { type: 'input_audio_buffer.timeout_triggered' },
  { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'hello' },
  { type: 'response.created', response: { id: 'resp_1', metadata: { reason: 'greeting' } } },
  { type: 'response.done', response: { id: 'resp_1', status: 'completed', status_details: null, output: [] } },
  { type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_2', content_index: 0, delta: 'AAAA' },
  { type: 'response.output_audio.done', response_id: 'resp_1', item_id: 'item_2' },
  { type: 'response.output_audio_transcript.done', response_id: 'resp_1', item_id: 'item_2', transcript: 'Hi' },
  { type: 'response.output_item.done', response_id: 'resp_1', item: { type: 'function_call', id: 'i', call_id: 'c', name: 'book_appointment', arguments: '{}' } },
  { type: 'conversation.item.truncated', item_id: 'item_2', audio_end_ms: 500 },
]

const canaryText = fc.string({ maxLength: 30 }).map((s) => CANARY + s)
const json: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    canaryText,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(canaryText, tie('v'), { maxKeys: 4 }),
  ),
})).v

type Path = (string | number)[]
function paths(v: unknown, at: Path = []): Path[] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => paths(x, [...at, i]))]
  if (v !== null && typeof v === 'object') return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))]
  return [at]
}
function edit(root: unknown, path: Path, value: unknown | typeof DELETE): unknown {
  if (path.length === 0) return value === DELETE ? {} : value
  const copy = structuredClone(root) as Record<string | number, unknown>
  let node = copy
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, unknown>
  const last = path[path.length - 1] as string | number
  if (value === DELETE) delete node[last]
  else node[last] = value
  return copy
}
const DELETE = Symbol('delete')

/** A valid event with one thing changed: a field dropped, replaced by random JSON, or an extra field added. */
const mutated: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...VALID), fc.nat(), fc.integer({ min: 0, max: 3 }), json, canaryText)
  .map(([event, n, op, value, key]) => {
    const all = paths(event).filter((p) => p.length > 0)
    const target = all[n % all.length] ?? ['type']
    if (op === 0) return edit(event, target, DELETE)
    if (op === 1) return edit(event, target, value)
    if (op === 2) return { ...event, [key]: value }
    return edit(event, ['type'], value)
  })

export const serverEventFrames: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => CANARY + s),
  json.map((v) => JSON.stringify(v) ?? 'null'),
  mutated.map((v) => JSON.stringify(v) ?? 'null'),
  mutated.map((v) => (JSON.stringify(v) ?? '').slice(0, -3)),
  fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)),
  fc.integer({ min: 1, max: 50_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
  fc.integer({ min: 1, max: 50_000 }).map((d) => `{"type":"response.done","response":{"id":"r","status":"s","output":${'['.repeat(d) + ']'.repeat(d)}}}`),
)

/**
 * One frame through `parseServerEvent`: true when it did not throw and classified the frame as the reference does
 * (binary and non-JSON invalid, no string type invalid, unknown type ignored, known type an event exactly when the
 * schema holds); an invalid event's reason names the type and never quotes the payload.
 */
export function checkServerEventFrame(frame: string | Buffer): boolean {
  const r = P.parseServerEvent(frame)
  if (typeof frame !== 'string') return r.kind === 'invalid' && r.reason === 'binary-frame'
  let value: unknown
  try {
    value = JSON.parse(frame)
  } catch {
    return r.kind === 'invalid' && r.reason === 'invalid-json'
  }
  const type = (value as { type?: unknown } | null)?.type
  if (typeof type !== 'string') return r.kind === 'invalid'
  const schema = SCHEMAS[type]
  if (!schema) return r.kind === 'ignored' && r.type === type
  if (Value.Check(schema, value)) return r.kind === 'event'
  return r.kind === 'invalid' && r.reason.startsWith(`invalid-${type}`) && !r.reason.includes(CANARY) && r.reason.length < 300
}
