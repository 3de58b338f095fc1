/**
 * @module agents/tasks/book-appointment
 * Booking an appointment: the service (asked for when the business offers several and the caller did not say), a day
 * and a time (in any order, or both at once), check the slot, confirm it with
 * the caller, book it. A refused slot, at the check or at booking time (someone else was faster), comes back as up to
 * three nearby alternatives and the question of the time again. Everything the caller hears is built here from the
 * context, so the model says it as it is.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AtSchema, CancelEventSchema, ResultEvents, type Effect } from '../effects'
import { machine, type Transition } from '../../fsm/fsm'
import { askDateText, askTimeText, joinOr, lead, packOf, takenText } from '../domain/phrases'
import { captureSettings, serviceOptions, SettingsSchema, withService } from '../domain/settings'
import { applyResolution, EMPTY_DRAFT, hasSlotWords, resolveSlot, SlotDraftSchema, type Resolution } from '../domain/slot-request'
import { clearProblem } from './slot-edges'
import { matchService } from '../domain/service-match'
import { describeDay, describeWhen } from '../domain/when'
import { dateMinutesToEpoch } from '../domain/zoned-time'
import { defineTask, type TaskStateMeta } from '../task-definition'

const DateWords = Type.String({ description: "the day as the caller said it, e.g. 'tomorrow', 'next Tuesday', 'December 3'" })
const TimeWords = Type.String({ description: "the time as the caller said it, e.g. '10 AM', 'half past two'" })
const ServiceWords = Type.String({ description: "what the caller wants booked, in their words, e.g. 'a check-up', 'cleaning'" })
/**
 * The caller's name, only for the calendar entry (never read back or spoken, so it cannot steer the model). Latin
 * letters with accents, spaces, apostrophes, dots and hyphens: a name, not a sentence. TypeBox patterns run without the
 * `u` flag, hence the ranges instead of \p{L}.
 */
const NameWords = Type.String({
  minLength: 1,
  maxLength: 80,
  pattern: "^[A-Za-zÀ-ÖØ-öø-ÿĀ-žḀ-ỿ][A-Za-zÀ-ÖØ-öø-ÿĀ-žḀ-ỿ' .-]*$",
  description: "the caller's name, only if they said it, e.g. 'Anna Müller' (letters only; for the calendar entry)",
})

export const BookStartArgs = Type.Object(
  { service: Type.Optional(ServiceWords), date: Type.Optional(DateWords), time: Type.Optional(TimeWords), name: Type.Optional(NameWords) },
  { additionalProperties: false },
)
export const BookInputArgs = Type.Object(
  {
    service: Type.Optional(ServiceWords),
    date: Type.Optional(DateWords),
    time: Type.Optional(TimeWords),
    confirm: Type.Optional(Type.Boolean({ description: 'true when the caller agreed to the proposed booking, false when declined' })),
    name: Type.Optional(NameWords),
  },
  { additionalProperties: false },
)

export const BookContext = Type.Object({
  settings: SettingsSchema,
  slot: SlotDraftSchema,
  appointmentId: Type.Union([Type.String(), Type.Null()]),
  /** Day and time words said before the service was known, applied once it is (the grid depends on it). */
  words: Type.Optional(Type.Object({ date: Type.Optional(Type.String()), time: Type.Optional(Type.String()) })),
  /** Why the last service answer did not work; '' when nothing to explain. */
  serviceProblem: Type.Optional(Type.String()),
  /** The caller's name when they gave it (personal data: purged with the task's context). */
  callerName: Type.Optional(Type.String({ maxLength: 80 })),
})
export type BookContext = Static<typeof BookContext>

const StartEvent = Type.Object({
  type: Type.Literal('start'),
  at: AtSchema,
  service: Type.Optional(Type.String()),
  date: Type.Optional(Type.String()),
  time: Type.Optional(Type.String()),
  name: Type.Optional(Type.String({ maxLength: 80 })),
})
const InputEvent = Type.Object({
  type: Type.Literal('input'),
  at: AtSchema,
  service: Type.Optional(Type.String()),
  date: Type.Optional(Type.String()),
  time: Type.Optional(Type.String()),
  confirm: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String({ maxLength: 80 })),
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

type State = 'idle' | 'collectingService' | 'collectingDate' | 'collectingTime' | 'checking' | 'confirming' | 'booking' | 'withdrawing' | 'booked' | 'cancelled' | 'failed'
type Words = Extract<BookEvent, { type: 'start' | 'input' }>

// ---- what the caller hears ----

const lang = (c: BookContext) => c.settings.language
const when = (c: BookContext, now: number) => (c.slot.startsAt === null ? '' : describeWhen(c.slot.startsAt, now, c.settings.tz, false, lang(c)))
const lines = (c: BookContext) => packOf(lang(c)).booking
const orWord = (c: BookContext) => packOf(lang(c)).dates.or
/** "a check-up " when the business has several services (the name says what is booked), '' with one. */
const what = (c: BookContext) => (c.settings.service && serviceOptions(c.settings).length > 1 ? `${c.settings.service.name} ` : '')
const names = (c: BookContext) => joinOr(serviceOptions(c.settings).map((s) => s.name), orWord(c))
/** Everything the booking says, from the call's language pack. */
export const bookingText = {
  askService: (c: BookContext): string => lead(c.serviceProblem ?? '', lines(c).askService(names(c))),
  unknownService: (c: BookContext): string => lines(c).unknownService,
  ambiguousService: (c: BookContext, candidates: readonly string[]): string => lines(c).ambiguousService(joinOr(candidates, orWord(c))),
  askDate: (c: BookContext): string => askDateText(c.slot.problem, lang(c)),
  askTime: (c: BookContext, now: number): string => askTimeText(c.slot.problem, c.slot.alternatives, c.slot.date, now, c.settings.tz, lang(c)),
  confirm: (c: BookContext, now: number): string => lines(c).confirm(what(c), when(c, now)),
  booked: (c: BookContext, now: number): string => lines(c).booked(what(c), when(c, now)),
  summary: (c: BookContext, now: number): string => lines(c).summary(what(c), when(c, now)),
  /** The slot is held but the calendar did not answer: the write is retried and the caller gets an SMS. */
  held: (c: BookContext, now: number): string => lines(c).held(when(c, now)),
  heldSummary: (c: BookContext, now: number): string => lines(c).heldSummary(when(c, now)),
  cancelled: (c: BookContext): string => lines(c).cancelled,
  checkFailed: (c: BookContext): string => lines(c).checkFailed,
  bookFailed: (c: BookContext): string => lines(c).bookFailed,
  declined: (c: BookContext): string => packOf(lang(c)).slots.declined,
  passed: (c: BookContext): string => packOf(lang(c)).slots.passed,
}

// ---- shared pieces of the table ----

type Input = Extract<BookEvent, { type: 'input' }>
const ask = {
  service: (c: BookContext): Effect[] => [{ kind: 'ask', text: bookingText.askService(c), need: ['service'] }],
  date: (c: BookContext): Effect[] => [{ kind: 'ask', text: bookingText.askDate(c), need: ['date'] }],
  time: (c: BookContext, at: number): Effect[] => [{ kind: 'ask', text: bookingText.askTime(c, at), need: ['time'] }],
  confirm: (c: BookContext, at: number): Effect[] => [{ kind: 'ask', text: bookingText.confirm(c, at), need: ['confirm'] }],
}

/**
 * Folds an event's words into the context: the service first (its hours and length are the slot grid), then the day
 * and time — kept aside while the service is still open. Says what comes next: ask for the service, or the slot
 * resolution.
 */
function plan(c: Readonly<BookContext>, e: Words): { ctx: BookContext; next: 'service' | Resolution['kind'] } {
  let ctx: BookContext = { ...c }
  if (e.service !== undefined) {
    const m = matchService(e.service, serviceOptions(c.settings))
    if (m.ok) {
      // Another service is another grid: the slot is checked again under it.
      const changed = c.settings.service?.id !== m.service.id
      ctx = { ...ctx, settings: withService(ctx.settings, m.service), serviceProblem: '', ...(changed ? { slot: { ...ctx.slot, startsAt: null, alternatives: [] } } : {}) }
    } else ctx = { ...ctx, serviceProblem: m.reason === 'ambiguous' ? bookingText.ambiguousService(c, m.candidates.map((s) => s.name)) : bookingText.unknownService(c) }
  }
  const pending = { ...(ctx.words ?? {}), ...(e.date !== undefined ? { date: e.date } : {}), ...(e.time !== undefined ? { time: e.time } : {}) }
  if (ctx.settings.service === undefined && serviceOptions(ctx.settings).length > 1) return { ctx: { ...ctx, words: pending }, next: 'service' }
  const { words: _kept, ...rest } = ctx
  const r = resolveSlot(rest.settings, rest.slot, pending, e.at)
  return { ctx: { ...rest, slot: applyResolution(rest.slot, r) }, next: r.kind }
}

const checkEffect = (c: BookContext): Effect[] => [{ kind: 'check_availability', startsAt: c.slot.startsAt ?? 0, minutes: c.settings.slotMinutes, ...serviceId(c) }]
const serviceId = (c: BookContext) => (c.settings.service ? { serviceId: c.settings.service.id } : {})
/** The name for the booking (effects see the context after the edge's update, so one said with the yes counts). */
const callerName = (c: BookContext) => (c.callerName !== undefined ? { callerName: c.callerName } : {})

/** Service/day/time words → the check, or the question of what is still missing (with the reason). */
const slot = <E extends Words>(): Transition<State, BookContext, E, Effect>[] => {
  const to = (next: ReturnType<typeof plan>['next']) => (c: Readonly<BookContext>, e: E) => plan(c, e).next === next
  const assign = (c: Readonly<BookContext>, e: E) => plan(c, e).ctx
  return [
    { target: 'collectingService', guard: to('service'), assign, effects: (c) => ask.service(c) },
    { target: 'checking', guard: to('ready'), assign, effects: checkEffect },
    { target: 'collectingTime', guard: to('ask_time'), assign, effects: (c, e) => ask.time(c, e.at) },
    { target: 'collectingDate', assign, effects: ask.date },
  ]
}
/** The same edges, taken only when the event says something about the service, the day or the time. */
const whenSaid = <E extends Words>(edges: readonly Transition<State, BookContext, E, Effect>[]): Transition<State, BookContext, E, Effect>[] =>
  edges.map((t) => ({ ...t, guard: (c: Readonly<BookContext>, e: E) => (hasSlotWords(e) || e.service !== undefined) && (t.guard === undefined || t.guard(c, e)) }))

const collecting = (self: 'collectingService' | 'collectingDate' | 'collectingTime'): Transition<State, BookContext, Input, Effect>[] => [
  ...whenSaid(slot<Input>()),
  // Nothing usable (e.g. only `confirm`): the same question again, so the model knows what is still needed.
  { target: self, assign: clearProblem, effects: (c, e) => (self === 'collectingService' ? ask.service(c) : self === 'collectingDate' ? ask.date(c) : ask.time(c, e.at)) },
]

const refused = (c: BookContext, e: { alternatives: number[]; at: number }): BookContext => ({
  ...c,
  slot: { ...c.slot, minutes: null, startsAt: null, alternatives: e.alternatives, problem: takenText(c.slot.startsAt ?? 0, e.at, c.settings.tz, lang(c)) },
})
const cancel: Transition<State, BookContext, Extract<BookEvent, { type: 'cancel' }>, Effect> = {
  target: 'cancelled',
  effects: (c) => [{ kind: 'say', text: bookingText.cancelled(c) }],
}

/** On resume the old reason is stale and an offered slot may have passed: the plain question again. */
const fresh = (c: BookContext, now: number): BookContext => ({ ...c, slot: { ...c.slot, problem: '', alternatives: c.slot.alternatives.filter((t) => t > now) } })
const OPEN = { status: 'open' } as const

export const bookAppointmentMachine = keepingName(machine<BookContext, BookEvent, Effect, TaskStateMeta<BookContext>>()({
  id: 'book_appointment',
  version: 1,
  initial: 'idle',
  states: {
    idle: { meta: OPEN, on: { start: slot(), cancel } },
    collectingService: {
      meta: { status: 'open', pending: (c) => ({ ask: bookingText.askService({ ...c, serviceProblem: '' }), need: ['service'] }) },
      on: { input: collecting('collectingService'), cancel },
    },
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
        domain_error: { target: 'failed', effects: (c, e) => [{ kind: 'say', text: bookingText.checkFailed(c) }, { kind: 'failed', reason: e.reason }] },
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
            guard: (c, e) => e.confirm === true && (c.slot.startsAt ?? 0) > e.at && ((!hasSlotWords(e) && e.service === undefined) || sameSlot(c, e)),
            effects: (c) => [{ kind: 'book', startsAt: c.slot.startsAt ?? 0, minutes: c.settings.slotMinutes, ...serviceId(c), ...callerName(c) }],
          },
          {
            target: 'collectingTime',
            guard: (c, e) => e.confirm === true && (c.slot.startsAt ?? 0) <= e.at,
            assign: (c) => ({ ...c, slot: { ...c.slot, minutes: null, startsAt: null, problem: bookingText.passed(c) } }),
            effects: (c, e) => ask.time(c, e.at),
          },
          ...whenSaid(slot<Input>()),
          {
            target: 'collectingTime',
            guard: (_c, e) => e.confirm === false,
            assign: (c) => ({ ...c, slot: { ...c.slot, minutes: null, startsAt: null, problem: bookingText.declined(c) } }),
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
        domain_error: { target: 'failed', effects: (c, e) => [{ kind: 'say', text: bookingText.bookFailed(c) }, { kind: 'failed', reason: e.reason }] },
        // The book effect is already out: the request is withdrawn now, and a booking that still lands is undone.
        cancel: { target: 'withdrawing', effects: (c) => [{ kind: 'say', text: bookingText.cancelled(c) }] },
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
}))

/**
 * A name can come with any of the caller's answers (the first words, or "yes, it's Anna Müller"): every start and
 * input edge keeps it in the context, after its own update, so no edge of the table has to remember to.
 */
function keepingName<M extends { readonly states: object }>(m: M): M {
  type Edge = { assign?(c: BookContext, e: Words): BookContext }
  const wrap = (t: Edge): Edge => ({
    ...t,
    assign: (c: BookContext, e: Words) => {
      const next = t.assign ? t.assign(c, e) : c
      return e.name === undefined ? next : { ...next, callerName: e.name.trim().replace(/\s+/g, ' ') }
    },
  })
  const out: Record<string, unknown> = {}
  for (const [name, node] of Object.entries(m.states as Record<string, { readonly on?: object }>)) {
    const on = node.on as Record<string, Edge | readonly Edge[] | undefined> | undefined
    if (!on) {
      out[name] = node
      continue
    }
    const wrapped: Record<string, unknown> = { ...on }
    for (const type of ['start', 'input'] as const) {
      const entry = on[type]
      if (entry !== undefined) wrapped[type] = Array.isArray(entry) ? entry.map(wrap) : wrap(entry as Edge)
    }
    out[name] = { ...node, on: wrapped }
  }
  return { ...m, states: out }
}

function sameSlot(c: BookContext, e: Input): boolean {
  const p = plan(c, e)
  return p.next === 'ready' && p.ctx.slot.startsAt === c.slot.startsAt && p.ctx.settings.service?.id === c.settings.service?.id
}

export function bookingSummary(c: BookContext, now: number): string {
  const { date, minutes } = c.slot
  const tz = c.settings.tz
  const at = c.slot.startsAt ?? (date !== null && minutes !== null ? dateMinutesToEpoch(date, minutes, tz) : null)
  const l = c.settings.language
  return packOf(l).booking.progress(at !== null ? describeWhen(at, now, tz, true, l) : date !== null ? describeDay(date, now, tz, true, l) : '')
}

export const bookAppointment = defineTask<State, BookContext, BookEvent>({
  kind: 'book_appointment',
  title: 'booking an appointment',
  noun: 'appointment',
  description:
    'Book an appointment for the caller. Pass the day and time as the caller said them, if they did, and their name if ' +
    'they gave it; the task asks for whatever is missing and confirms before booking.',
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
