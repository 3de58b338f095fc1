/**
 * @module agents/tasks/book-appointment
 * Booking an appointment: collect a day and a time (in any order, or both at once), check the slot, confirm it with
 * the caller, book it. A refused slot, at the check or at booking time (someone else was faster), comes back as up to
 * three nearby alternatives and the question of the time again. Everything the caller hears is built here from the
 * context, so the model says it as it is.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AtSchema, CancelEventSchema, ResultEvents, type Effect } from '../effects'
import { machine, type Transition } from '../../fsm/fsm'
import { askDateText, askTimeText, takenText } from '../domain/phrases'
import { captureSettings, SettingsSchema } from '../domain/settings'
import { EMPTY_DRAFT, hasSlotWords, SlotDraftSchema } from '../domain/slot-request'
import { clearProblem, resolveWords, slotEdges, whenWords } from './slot-edges'
import { describeDay, describeWhen } from '../domain/when'
import { dateMinutesToEpoch } from '../domain/zoned-time'
import { defineTask, type TaskStateMeta } from '../task-definition'

const DateWords = Type.String({ description: "the day as the caller said it, e.g. 'tomorrow', 'next Tuesday', 'December 3'" })
const TimeWords = Type.String({ description: "the time as the caller said it, e.g. '10 AM', 'half past two'" })

export const BookStartArgs = Type.Object({ date: Type.Optional(DateWords), time: Type.Optional(TimeWords) }, { additionalProperties: false })
export const BookInputArgs = Type.Object(
  {
    date: Type.Optional(DateWords),
    time: Type.Optional(TimeWords),
    confirm: Type.Optional(Type.Boolean({ description: 'true when the caller agreed to the proposed booking, false when declined' })),
  },
  { additionalProperties: false },
)

export const BookContext = Type.Object({
  settings: SettingsSchema,
  slot: SlotDraftSchema,
  appointmentId: Type.Union([Type.String(), Type.Null()]),
})
export type BookContext = Static<typeof BookContext>

const StartEvent = Type.Object({ type: Type.Literal('start'), at: AtSchema, date: Type.Optional(Type.String()), time: Type.Optional(Type.String()) })
const InputEvent = Type.Object({
  type: Type.Literal('input'),
  at: AtSchema,
  date: Type.Optional(Type.String()),
  time: Type.Optional(Type.String()),
  confirm: Type.Optional(Type.Boolean()),
})
export const BookEvent = Type.Union([
  StartEvent,
  InputEvent,
  ResultEvents.availability,
  ResultEvents.booked,
  ResultEvents.slot_taken,
  ResultEvents.domain_error,
  CancelEventSchema,
])
export type BookEvent = Static<typeof BookEvent>

type State = 'idle' | 'collectingDate' | 'collectingTime' | 'checking' | 'confirming' | 'booking' | 'withdrawing' | 'booked' | 'cancelled' | 'failed'
type Words = Extract<BookEvent, { type: 'start' | 'input' }>

// ---- what the caller hears ----

const when = (c: BookContext, now: number) => (c.slot.startsAt === null ? '' : describeWhen(c.slot.startsAt, now, c.settings.tz))
export const bookingText = {
  askDate: (c: BookContext): string => askDateText(c.slot.problem),
  askTime: (c: BookContext, now: number): string => askTimeText(c.slot.problem, c.slot.alternatives, c.slot.date, now, c.settings.tz),
  confirm: (c: BookContext, now: number): string => `Book for ${when(c, now)}?`,
  booked: (c: BookContext, now: number): string => `Appointment booked for ${when(c, now)}.`,
  summary: (c: BookContext, now: number): string => `Your appointment is confirmed for ${when(c, now)}`,
  /** The slot is held but the calendar did not answer: the write is retried and the caller gets an SMS. */
  held: (c: BookContext, now: number): string =>
    `I've reserved ${when(c, now)} for you. Our calendar isn't answering right now, so you'll get a text message when the booking is confirmed.`,
  heldSummary: (c: BookContext, now: number): string => `Your appointment for ${when(c, now)} is reserved; we'll confirm it by text message`,
  cancelled: "Okay, I've cancelled that booking request.",
  checkFailed: "Sorry, I couldn't check the calendar just now. Please try again in a moment.",
  bookFailed: "Sorry, I couldn't complete the booking just now. Please try again in a moment.",
  declined: 'No problem.',
  passed: "That time has passed in the meantime.",
}

// ---- shared pieces of the table ----

type Input = Extract<BookEvent, { type: 'input' }>
const ask = {
  date: (c: BookContext): Effect[] => [{ kind: 'ask', text: bookingText.askDate(c), need: ['date'] }],
  time: (c: BookContext, at: number): Effect[] => [{ kind: 'ask', text: bookingText.askTime(c, at), need: ['time'] }],
  confirm: (c: BookContext, at: number): Effect[] => [{ kind: 'ask', text: bookingText.confirm(c, at), need: ['confirm'] }],
}

/** Day/time words → the check, or the question of what is still missing (with the reason). */
const slot = <E extends Words>() =>
  slotEdges<State, BookContext, E>({
    ready: { target: 'checking', effects: (c) => [{ kind: 'check_availability', startsAt: c.slot.startsAt ?? 0, minutes: c.settings.slotMinutes }] },
    askTime: { target: 'collectingTime', effects: (c, e) => ask.time(c, e.at) },
    askDate: { target: 'collectingDate', effects: ask.date },
  })

const collecting = (self: 'collectingDate' | 'collectingTime'): Transition<State, BookContext, Input, Effect>[] => [
  ...whenWords(slot<Input>()),
  // Nothing usable (e.g. only `confirm`): the same question again, so the model knows what is still needed.
  { target: self, assign: clearProblem, effects: (c, e) => (self === 'collectingDate' ? ask.date(c) : ask.time(c, e.at)) },
]

const refused = (c: BookContext, e: { alternatives: number[]; at: number }): BookContext => ({
  ...c,
  slot: { ...c.slot, minutes: null, startsAt: null, alternatives: e.alternatives, problem: takenText(c.slot.startsAt ?? 0, e.at, c.settings.tz) },
})
const cancel: Transition<State, BookContext, Extract<BookEvent, { type: 'cancel' }>, Effect> = {
  target: 'cancelled',
  effects: () => [{ kind: 'say', text: bookingText.cancelled }],
}

/** On resume the old reason is stale and an offered slot may have passed: the plain question again. */
const fresh = (c: BookContext, now: number): BookContext => ({ ...c, slot: { ...c.slot, problem: '', alternatives: c.slot.alternatives.filter((t) => t > now) } })
const OPEN = { status: 'open' } as const

export const bookAppointmentMachine = machine<BookContext, BookEvent, Effect, TaskStateMeta<BookContext>>()({
  id: 'book_appointment',
  version: 1,
  initial: 'idle',
  states: {
    idle: { meta: OPEN, on: { start: slot(), cancel } },
    collectingDate: {
      meta: { status: 'open', pending: (c, now) => ({ ask: bookingText.askDate(fresh(c, now)), need: ['date'] }) },
      on: { input: collecting('collectingDate'), cancel },
    },
    collectingTime: {
      meta: { status: 'open', pending: (c, now) => ({ ask: bookingText.askTime(fresh(c, now), now), need: ['time'] }) },
      on: { input: collecting('collectingTime'), cancel },
    },
    checking: {
      meta: OPEN,
      on: {
        availability: [
          { target: 'confirming', guard: (_c, e) => e.free, assign: (c) => ({ ...c, slot: { ...c.slot, alternatives: [] } }), effects: (c, e) => ask.confirm(c, e.at) },
          { target: 'collectingTime', assign: refused, effects: (c, e) => ask.time(c, e.at) },
        ],
        domain_error: { target: 'failed', effects: (_c, e) => [{ kind: 'say', text: bookingText.checkFailed }, { kind: 'failed', reason: e.reason }] },
        cancel,
      },
    },
    confirming: {
      meta: { status: 'open', pending: (c, now) => ({ ask: bookingText.confirm(c, now), need: ['confirm'] }) },
      on: {
        input: [
          // A 'yes' that repeats the same slot is still a 'yes'; one naming another slot is a change of mind.
          {
            target: 'booking',
            guard: (c, e) => e.confirm === true && (c.slot.startsAt ?? 0) > e.at && (!hasSlotWords(e) || sameSlot(c, e)),
            effects: (c) => [{ kind: 'book', startsAt: c.slot.startsAt ?? 0, minutes: c.settings.slotMinutes }],
          },
          {
            target: 'collectingTime',
            guard: (c, e) => e.confirm === true && (c.slot.startsAt ?? 0) <= e.at,
            assign: (c) => ({ ...c, slot: { ...c.slot, minutes: null, startsAt: null, problem: bookingText.passed } }),
            effects: (c, e) => ask.time(c, e.at),
          },
          ...whenWords(slot<Input>()),
          {
            target: 'collectingTime',
            guard: (_c, e) => e.confirm === false,
            assign: (c) => ({ ...c, slot: { ...c.slot, minutes: null, startsAt: null, problem: bookingText.declined } }),
            effects: (c, e) => ask.time(c, e.at),
          },
          { target: 'confirming', effects: (c, e) => ask.confirm(c, e.at) },
        ],
        cancel,
      },
    },
    booking: {
      meta: OPEN,
      on: {
        booked: {
          target: 'booked',
          assign: (c, e) => ({ ...c, appointmentId: e.appointmentId }),
          effects: (c, e) => [
            { kind: 'say', text: e.pending === true ? bookingText.held(c, e.at) : bookingText.booked(c, e.at) },
            { kind: 'done', summary: e.pending === true ? bookingText.heldSummary(c, e.at) : bookingText.summary(c, e.at) },
          ],
        },
        slot_taken: { target: 'collectingTime', assign: refused, effects: (c, e) => ask.time(c, e.at) },
        domain_error: { target: 'failed', effects: (_c, e) => [{ kind: 'say', text: bookingText.bookFailed }, { kind: 'failed', reason: e.reason }] },
        // The book effect is already out: the request is withdrawn now, and a booking that still lands is undone.
        cancel: { target: 'withdrawing', effects: () => [{ kind: 'say', text: bookingText.cancelled }] },
      },
    },
    withdrawing: {
      meta: { status: 'cancelled' },
      on: {
        booked: {
          target: 'cancelled',
          assign: (c, e) => ({ ...c, appointmentId: e.appointmentId }),
          effects: (_c, e) => [{ kind: 'cancel_appointment', appointmentId: e.appointmentId }],
        },
        slot_taken: { target: 'cancelled' },
        domain_error: { target: 'cancelled' },
      },
    },
    booked: { final: true, meta: { status: 'done' } },
    cancelled: { final: true, meta: { status: 'cancelled' } },
    failed: { final: true, meta: { status: 'failed' } },
  },
})

function sameSlot(c: BookContext, e: Input): boolean {
  const r = resolveWords(c, e)
  return r.kind === 'ready' && r.startsAt === c.slot.startsAt
}

export function bookingSummary(c: BookContext, now: number): string {
  const { date, minutes } = c.slot
  const tz = c.settings.tz
  const at = c.slot.startsAt ?? (date !== null && minutes !== null ? dateMinutesToEpoch(date, minutes, tz) : null)
  const what = at !== null ? ` for ${describeWhen(at, now, tz, true)}` : date !== null ? ` for ${describeDay(date, now, tz, true)}` : ''
  return `booking an appointment${what}`
}

export const bookAppointment = defineTask<State, BookContext, BookEvent>({
  kind: 'book_appointment',
  title: 'booking an appointment',
  noun: 'appointment',
  description:
    'Book an appointment for the caller. Pass the day and time as the caller said them, if they did; the task asks for ' +
    'whatever is missing and confirms before booking.',
  startArgs: BookStartArgs,
  inputArgs: BookInputArgs,
  machine: bookAppointmentMachine,
  contextSchema: BookContext,
  eventSchema: BookEvent,
  start(args, env) {
    const a = args as Static<typeof BookStartArgs>
    return {
      context: { settings: captureSettings(env), slot: EMPTY_DRAFT, appointmentId: null },
      event: { type: 'start', at: env.now, ...a },
    }
  },
  input: (fields, now) => ({ type: 'input', at: now, ...(fields as Static<typeof BookInputArgs>) }),
  cancelEvent: (now) => ({ type: 'cancel', at: now }),
  summary: (s, now) => bookingSummary(s.context, now),
})
