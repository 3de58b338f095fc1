/**
 * @module agents/tasks/cancel-appointment
 * Cancelling one of the caller's appointments: look them up, pick the one meant (at once when there is one, or when
 * the caller already said which), confirm, cancel. Declining at the confirmation keeps the appointment.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { AppointmentSchema, AtSchema, CancelEventSchema, ResultEvents, type Appointment, type Effect } from '../effects'
import { machine, type Transition } from '../../fsm/fsm'
import { chosen, listAppointments, upcoming } from '../domain/appointment-choice'
import { captureSettings, SettingsSchema } from '../domain/settings'
import { describeWhen } from '../domain/when'
import { lead, packOf } from '../domain/phrases'
import { defineTask, type TaskStateMeta } from '../task-definition'

const DateWords = Type.String({ description: "the appointment's day as the caller said it, e.g. 'tomorrow', 'Friday'" })
const TimeWords = Type.String({ description: "the appointment's time as the caller said it, e.g. '10 AM'" })

export const CancelStartArgs = Type.Object({ date: Type.Optional(DateWords), time: Type.Optional(TimeWords) }, { additionalProperties: false })
export const CancelInputArgs = Type.Object(
  {
    date: Type.Optional(DateWords),
    time: Type.Optional(TimeWords),
    confirm: Type.Optional(Type.Boolean({ description: 'true when the caller confirmed the cancellation, false when not' })),
  },
  { additionalProperties: false },
)

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
export const CancelContext = Type.Object({
  settings: SettingsSchema,
  /** What the caller said about the appointment when starting, applied once the list arrives. */
  hint: Type.Object({ date: Nullable(Type.String()), time: Nullable(Type.String()) }),
  appointments: Type.Array(AppointmentSchema),
  chosen: Nullable(AppointmentSchema),
})
export type CancelContext = Static<typeof CancelContext>

export const CancelEvent = Type.Union([
  Type.Object({ type: Type.Literal('start'), at: AtSchema, date: Type.Optional(Type.String()), time: Type.Optional(Type.String()) }),
  Type.Object({
    type: Type.Literal('input'),
    at: AtSchema,
    date: Type.Optional(Type.String()),
    time: Type.Optional(Type.String()),
    confirm: Type.Optional(Type.Boolean()),
  }),
  ResultEvents.appointments,
  ResultEvents.appointment_cancelled,
  ResultEvents.domain_error,
  CancelEventSchema,
])
export type CancelEvent = Static<typeof CancelEvent>

type State = 'idle' | 'finding' | 'choosing' | 'confirming' | 'cancelling' | 'cancelled' | 'kept' | 'failed'
type Ev<T extends CancelEvent['type']> = Extract<CancelEvent, { type: T }>

// ---- what the caller hears ----

const lang = (c: CancelContext) => c.settings.language
const say = (c: CancelContext) => packOf(lang(c)).cancel
const when = (a: Appointment | null, c: CancelContext, now: number) => (a === null ? '' : describeWhen(a.startsAt, now, c.settings.tz, false, lang(c)))
/** Everything cancelling says, from the call's language pack. */
export const cancelText = {
  none: (c: CancelContext): string => say(c).none,
  which: (c: CancelContext, now: number, problem = ''): string => lead(problem, say(c).which(listAppointments(c.appointments, now, c.settings.tz, lang(c)))),
  notFound: (c: CancelContext): string => say(c).notFound,
  confirm: (c: CancelContext, now: number): string => say(c).confirm(when(c.chosen, c, now)),
  cancelled: (c: CancelContext, now: number): string => say(c).cancelled(when(c.chosen, c, now)),
  summary: (c: CancelContext, now: number): string => say(c).summary(when(c.chosen, c, now)),
  kept: (c: CancelContext): string => say(c).kept,
  abandoned: (c: CancelContext): string => say(c).abandoned,
  lookupFailed: (c: CancelContext): string => say(c).lookupFailed,
  cancelFailed: (c: CancelContext): string => say(c).cancelFailed,
}

const ask = {
  which: (c: CancelContext, at: number, problem = ''): Effect[] => [{ kind: 'ask', text: cancelText.which(c, at, problem), need: ['date', 'time'] }],
  confirm: (c: CancelContext, at: number): Effect[] => [{ kind: 'ask', text: cancelText.confirm(c, at), need: ['confirm'] }],
}
const said = (e: { date?: string; time?: string }) => e.date !== undefined || e.time !== undefined
const pick = (c: CancelContext, e: Ev<'input'>) => chosen(c.appointments, e, c.settings, e.at)
const choose = (c: CancelContext, e: Ev<'input'>): CancelContext => ({ ...c, chosen: pick(c, e) ?? null })

const cancel: Transition<State, CancelContext, Ev<'cancel'>, Effect> = {
  target: 'kept',
  effects: (c) => [{ kind: 'say', text: cancelText.abandoned(c) }],
}
const failed = (text: (c: CancelContext) => string): Transition<State, CancelContext, Ev<'domain_error'>, Effect> => ({
  target: 'failed',
  effects: (c, e) => [{ kind: 'say', text: text(c) }, { kind: 'failed', reason: e.reason }],
})

export const cancelAppointmentMachine = machine<CancelContext, CancelEvent, Effect, TaskStateMeta<CancelContext>>()({
  id: 'cancel_appointment',
  version: 1,
  initial: 'idle',
  states: {
    idle: {
      meta: { status: 'open' },
      on: {
        start: {
          target: 'finding',
          assign: (c, e) => ({ ...c, hint: { date: e.date ?? null, time: e.time ?? null } }),
          effects: () => [{ kind: 'find_appointments' }],
        },
        cancel,
      },
    },
    finding: {
      meta: { status: 'open' },
      on: {
        appointments: [
          {
            target: 'failed',
            guard: (_c, e) => upcoming(e.list, e.at).length === 0,
            effects: (c) => [{ kind: 'say', text: cancelText.none(c) }, { kind: 'failed', reason: 'no upcoming appointments' }],
          },
          {
            target: 'confirming',
            guard: (c, e) => chosen(upcoming(e.list, e.at), c.hint, c.settings, e.at) !== undefined,
            assign: (c, e) => {
              const list = upcoming(e.list, e.at)
              return { ...c, appointments: list, chosen: chosen(list, c.hint, c.settings, e.at) ?? null }
            },
            effects: (c, e) => ask.confirm(c, e.at),
          },
          {
            target: 'choosing',
            assign: (c, e) => ({ ...c, appointments: upcoming(e.list, e.at) }),
            effects: (c, e) => ask.which(c, e.at, c.hint.date !== null || c.hint.time !== null ? cancelText.notFound(c) : ''),
          },
        ],
        domain_error: failed(cancelText.lookupFailed),
        cancel,
      },
    },
    choosing: {
      meta: { status: 'open', pending: (c, now) => ({ ask: cancelText.which(c, now), need: ['date', 'time'] }) },
      on: {
        input: [
          { target: 'confirming', guard: (c, e) => said(e) && pick(c, e) !== undefined, assign: choose, effects: (c, e) => ask.confirm(c, e.at) },
          { target: 'choosing', guard: (_c, e) => said(e), effects: (c, e) => ask.which(c, e.at, cancelText.notFound(c)) },
          { target: 'choosing', effects: (c, e) => ask.which(c, e.at) },
        ],
        cancel,
      },
    },
    confirming: {
      meta: { status: 'open', pending: (c, now) => ({ ask: cancelText.confirm(c, now), need: ['confirm'] }) },
      on: {
        input: [
          // Naming another appointment switches to it; a plain yes goes ahead with the one asked about.
          {
            target: 'confirming',
            guard: (c, e) => said(e) && pick(c, e) !== undefined && pick(c, e)?.id !== c.chosen?.id,
            assign: choose,
            effects: (c, e) => ask.confirm(c, e.at),
          },
          {
            target: 'cancelling',
            guard: (_c, e) => e.confirm === true,
            effects: (c) => [{ kind: 'cancel_appointment', appointmentId: c.chosen?.id ?? '' }],
          },
          // With several appointments a 'no' most likely means 'not that one'.
          {
            target: 'choosing',
            guard: (c, e) => e.confirm === false && c.appointments.length > 1,
            assign: (c) => ({ ...c, chosen: null }),
            effects: (c, e) => ask.which(c, e.at),
          },
          { target: 'kept', guard: (_c, e) => e.confirm === false, effects: (c) => [{ kind: 'say', text: cancelText.kept(c) }] },
          { target: 'confirming', effects: (c, e) => ask.confirm(c, e.at) },
        ],
        cancel,
      },
    },
    cancelling: {
      meta: { status: 'open' },
      on: {
        appointment_cancelled: {
          target: 'cancelled',
          effects: (c, e) => [
            { kind: 'say', text: cancelText.cancelled(c, e.at) },
            { kind: 'done', summary: cancelText.summary(c, e.at) },
          ],
        },
        domain_error: failed(cancelText.cancelFailed),
      },
    },
    cancelled: { final: true, meta: { status: 'done' } },
    kept: { final: true, meta: { status: 'cancelled' } },
    failed: { final: true, meta: { status: 'failed' } },
  },
})

export function cancelSummary(c: CancelContext, now: number): string {
  return packOf(c.settings.language).cancel.progress(when(c.chosen, c, now))
}

export const cancelAppointment = defineTask<State, CancelContext, CancelEvent>({
  kind: 'cancel_appointment',
  title: 'cancelling an appointment',
  noun: 'cancellation',
  description:
    "Cancel one of the caller's upcoming appointments. Pass the day or time of the appointment if the caller said it; " +
    'the task finds it and confirms before cancelling.',
  startArgs: CancelStartArgs,
  inputArgs: CancelInputArgs,
  machine: cancelAppointmentMachine,
  contextSchema: CancelContext,
  eventSchema: CancelEvent,
  start(args, env) {
    const a = args as Static<typeof CancelStartArgs>
    return {
      context: { settings: captureSettings(env), hint: { date: null, time: null }, appointments: [], chosen: null },
      event: { type: 'start', at: env.now, ...a },
    }
  },
  input: (fields, now) => ({ type: 'input', at: now, ...(fields as Static<typeof CancelInputArgs>) }),
  cancelEvent: (now) => ({ type: 'cancel', at: now }),
  summary: (s, now) => cancelSummary(s.context, now),
})
