/**
 * @module store/rows
 * Row schemas: what comes out of the database is validated like any other input (a hand-edited database, a bad migration
 * or a bug elsewhere must surface as a clear error, not as a wrong booking). Checkers are precompiled.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'

const Null = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
const Int = Type.Integer()
const Str = Type.String()

export const CallRow = Type.Object({
  id: Str,
  conversation_id: Str,
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  caller: Null(Str),
  callee: Null(Str),
  bot_name: Null(Str),
  media_format: Null(Str),
  /** The `start` activity's call details (JSON): callee, display name, hosts, dial-out metadata. */
  details: Null(Str),
  state: Type.Union([Type.Literal('live'), Type.Literal('ended')]),
  end_reason: Null(Str),
  resumes_call_id: Null(Str),
  resume_status: Null(Type.Union([Type.Literal('pending'), Type.Literal('resumed'), Type.Literal('closed'), Type.Literal('expired')])),
  started_at: Int,
  updated_at: Int,
  ended_at: Null(Int),
  /** The instance holding the call's sockets (INSTANCE_ID); null on rows older than the cluster schema. */
  owner: Null(Str),
  tenant_id: Str,
  /** The call's language (en, de, es); null on rows older than migration 9. */
  language: Null(Str),
})
export type CallRow = Static<typeof CallRow>

export const TranscriptRow = Type.Object({
  id: Int,
  call_id: Str,
  role: Type.Union([Type.Literal('caller'), Type.Literal('bot'), Type.Literal('tool'), Type.Literal('agent'), Type.Literal('system')]),
  text: Str,
  meta: Null(Str),
  at: Int,
})
export type TranscriptRow = Static<typeof TranscriptRow>

export const TaskRow = Type.Object({
  id: Str,
  call_id: Str,
  kind: Str,
  machine: Str,
  version: Int,
  state: Str,
  context: Str,
  seq: Int,
  status: Type.Union([Type.Literal('open'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('cancelled')]),
  created_at: Int,
  updated_at: Int,
  tenant_id: Str,
})
export type TaskRow = Static<typeof TaskRow>

export const OutboxRow = Type.Object({
  id: Int,
  idem_key: Str,
  kind: Str,
  payload: Str,
  call_id: Null(Str),
  task_id: Null(Str),
  status: Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('held')]),
  attempts: Int,
  next_attempt_at: Int,
  last_error: Null(Str),
  result: Null(Str),
  created_at: Int,
  updated_at: Int,
  /** The instance executing the row, until `claim_until` (another may claim it after that). */
  claimed_by: Null(Str),
  claim_until: Null(Int),
  tenant_id: Str,
})
export type OutboxRow = Static<typeof OutboxRow>

export const InstanceRow = Type.Object({
  id: Str,
  state: Type.Union([Type.Literal('live'), Type.Literal('stopped'), Type.Literal('dead')]),
  started_at: Int,
  heartbeat_at: Int,
  lease_until: Int,
  swept_by: Null(Str),
  swept_at: Null(Int),
})
export type InstanceRow = Static<typeof InstanceRow>

export const AppointmentRow = Type.Object({
  id: Str,
  caller: Null(Str),
  starts_at: Int,
  minutes: Int,
  status: Type.Union([Type.Literal('booked'), Type.Literal('cancelled')]),
  task_id: Null(Str),
  call_id: Null(Str),
  created_at: Int,
  updated_at: Int,
  service_id: Null(Str),
  resource: Str,
  /** The name the caller gave for the booking (written into the calendar event when configured). */
  caller_name: Null(Str),
  tenant_id: Str,
})
export type AppointmentRow = Static<typeof AppointmentRow>
/** What availability reads of a booked appointment. */
export const HeldSlotRow = Type.Object({ starts_at: Int, minutes: Int, resource: Str })
export type HeldSlotRow = Static<typeof HeldSlotRow>

export const SmsRow = Type.Object({
  id: Int,
  direction: Type.Union([Type.Literal('out'), Type.Literal('in')]),
  call_id: Null(Str),
  number: Str,
  body: Str,
  twilio_sid: Null(Str),
  status: Str,
  created_at: Int,
  updated_at: Int,
  tenant_id: Str,
})
export type SmsRow = Static<typeof SmsRow>

export const CallbackRow = Type.Object({
  id: Int,
  call_id: Str,
  number: Str,
  status: Type.Union([Type.Literal('pending'), Type.Literal('dialing'), Type.Literal('answered'), Type.Literal('failed'), Type.Literal('completed')]),
  conversation_id: Null(Str),
  created_at: Int,
  updated_at: Int,
  tenant_id: Str,
})
export type CallbackRow = Static<typeof CallbackRow>

export const MessageRow = Type.Object({
  id: Str,
  caller: Null(Str),
  name: Str,
  message: Str,
  callback_number: Null(Str),
  created_at: Int,
  tenant_id: Str,
})
export type MessageRow = Static<typeof MessageRow>

/** A phrase cache entry without its audio (what eviction and invalidation read). */
export const PhraseMetaRow = Type.Object({ key: Str, voice: Str, model: Str, format: Str, text: Str, bytes: Int, used_at: Int })
export type PhraseMetaRow = Static<typeof PhraseMetaRow>
export const PhraseRow = Type.Object({ key: Str, voice: Str, model: Str, format: Str, text: Str, audio: Str, bytes: Int, used_at: Int })
export type PhraseRow = Static<typeof PhraseRow>

export class CorruptRowError extends Error {
  constructor(table: string, detail: string) {
    super(`unexpected row in ${table}: ${detail}`)
    this.name = 'CorruptRowError'
  }
}

/** A validator for rows of one table: `rows.one(x)` / `rows.many(xs)` throw {@link CorruptRowError} on a bad row. */
export function rowChecker<T extends TSchema>(table: string, schema: T) {
  const check: TypeCheck<T> = TypeCompiler.Compile(schema)
  const one = (row: unknown): Static<T> => {
    if (!check.Check(row)) {
      const e = check.Errors(row).First()
      throw new CorruptRowError(table, e ? `${e.path} ${e.message}` : 'shape')
    }
    return row
  }
  return {
    one,
    maybe: (row: unknown): Static<T> | undefined => (row === null || row === undefined ? undefined : one(row)),
    many: (rows: readonly unknown[]): Static<T>[] => rows.map(one),
  }
}
