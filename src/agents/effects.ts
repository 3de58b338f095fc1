/**
 * @module agents/effects
 * Effects are what a task asks the world to do, as data; the task runtime executes them (outbox first, so a crash
 * neither loses nor repeats one) and answers with result events. Each result event is defined here next to the effect
 * it answers, and each task's event union picks the ones it needs.
 *
 * Every event carries `at` (epoch ms, stamped by the runtime when it builds the event), so a transition that needs the
 * time ('is 10 AM still in the future?', 'is that tomorrow?') stays pure and the journal replays identically.
 */
import { Type, type Static } from '@sinclair/typebox'

export const AtSchema = Type.Integer({ minimum: 0, description: 'epoch ms when the event happened' })
const At = AtSchema

export const EffectSchema = Type.Union([
  /** The agent's next question; the model asks it in its own voice and calls task_input with `need` fields. */
  Type.Object({ kind: Type.Literal('ask'), text: Type.String(), need: Type.Array(Type.String()) }),
  /** A result to tell the caller. */
  Type.Object({ kind: Type.Literal('say'), text: Type.String() }),
  /** Answered by `availability`. */
  Type.Object({ kind: Type.Literal('check_availability'), startsAt: Type.Integer(), minutes: Type.Integer(), serviceId: Type.Optional(Type.String()) }),
  /** Answered by `booked` or `slot_taken`. */
  Type.Object({ kind: Type.Literal('book'), startsAt: Type.Integer(), minutes: Type.Integer(), serviceId: Type.Optional(Type.String()), callerName: Type.Optional(Type.String({ maxLength: 80 })) }),
  /** The caller's upcoming appointments; answered by `appointments`. */
  Type.Object({ kind: Type.Literal('find_appointments') }),
  /** Answered by `appointment_cancelled` or `domain_error`. */
  Type.Object({ kind: Type.Literal('cancel_appointment'), appointmentId: Type.String() }),
  /** Answered by `appointment_moved` or `slot_taken`. */
  Type.Object({ kind: Type.Literal('move_appointment'), appointmentId: Type.String(), startsAt: Type.Integer(), minutes: Type.Integer(), serviceId: Type.Optional(Type.String()) }),
  /** Answered by `message_saved`. */
  Type.Object({ kind: Type.Literal('save_message'), name: Type.String(), message: Type.String(), callbackNumber: Type.Optional(Type.String()) }),
  /** A text message to the caller (sent through the outbox, once, only with a known number that has not opted out). */
  Type.Object({ kind: Type.Literal('sms'), text: Type.String({ minLength: 1, maxLength: 1600 }) }),
  /**
   * Submit a declared task's fields to the business's webhook (through the outbox: signed, retried, exactly once);
   * answered by `submitted` or `submit_failed`.
   */
  Type.Object({ kind: Type.Literal('webhook'), fields: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])) }),
  /** Persist the deadline and feed `{ type: 'timeout', id, at }` when it passes (re-armed after a restart). */
  Type.Object({ kind: Type.Literal('timer'), id: Type.String(), at: Type.Integer() }),
  Type.Object({ kind: Type.Literal('cancel_timer'), id: Type.String() }),
  /** Task complete; `summary` is used verbatim in the call's closing line. */
  Type.Object({ kind: Type.Literal('done'), summary: Type.String() }),
  Type.Object({ kind: Type.Literal('failed'), reason: Type.String() }),
])
export type Effect = Static<typeof EffectSchema>
export type EffectKind = Effect['kind']

export const AppointmentSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  startsAt: Type.Integer(),
  minutes: Type.Integer({ minimum: 1 }),
  /** The booked service (appointments made before services existed have none). */
  serviceId: Type.Optional(Type.String()),
})
export type Appointment = Static<typeof AppointmentSchema>

const Alternatives = Type.Array(Type.Integer(), { description: 'free slot starts (epoch ms), nearest first; the runtime offers 3' })

/** Result events, one schema each; the runtime validates what it builds against the task's own event union. */
export const ResultEvents = {
  availability: Type.Object({ type: Type.Literal('availability'), free: Type.Boolean(), alternatives: Alternatives, at: At }),
  /** `pending`: held locally, the calendar write waits in the outbox; the caller is told it is confirmed by SMS. */
  booked: Type.Object({ type: Type.Literal('booked'), appointmentId: Type.String({ minLength: 1 }), pending: Type.Optional(Type.Boolean()), at: At }),
  slot_taken: Type.Object({ type: Type.Literal('slot_taken'), alternatives: Alternatives, at: At }),
  appointments: Type.Object({ type: Type.Literal('appointments'), list: Type.Array(AppointmentSchema), at: At }),
  appointment_cancelled: Type.Object({ type: Type.Literal('appointment_cancelled'), at: At }),
  appointment_moved: Type.Object({ type: Type.Literal('appointment_moved'), at: At }),
  message_saved: Type.Object({ type: Type.Literal('message_saved'), id: Type.String({ minLength: 1 }), at: At }),
  /** Any effect that failed for a domain reason (not found, calendar refused …); the reason is for logs, not callers. */
  domain_error: Type.Object({ type: Type.Literal('domain_error'), reason: Type.String(), at: At }),
  /** A `timer` effect's deadline passed. */
  timeout: Type.Object({ type: Type.Literal('timeout'), id: Type.String(), at: At }),
} as const
export type ResultEvent<K extends keyof typeof ResultEvents> = Static<(typeof ResultEvents)[K]>

/** The caller (through the model) abandoned the task; every task accepts it in its non-final states. */
export const CancelEventSchema = Type.Object({ type: Type.Literal('cancel'), at: At })
