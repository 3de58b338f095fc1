/**
 * @module agents/tasks/reschedule-appointment
 * Moving one of the caller's appointments: look them up, pick the one meant, collect the new day and time (taking
 * whatever the caller already said when starting), check, confirm, move. The slot handling is the booking task's,
 * plus one rule: the new slot cannot be the one the appointment already has.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AppointmentSchema, AtSchema, CancelEventSchema, ResultEvents, type Appointment, type Effect } from '../effects'
import { machine, type EventBase, type Transition } from '../../fsm/fsm'
import { chosen, listAppointments, upcoming } from '../domain/appointment-choice'
import { askDateText, askTimeText, lead, packOf, takenText } from '../domain/phrases'
import { captureSettings, forAppointment, SettingsSchema } from '../domain/settings'
import { applyResolution, EMPTY_DRAFT, hasSlotWords, SlotDraftSchema, type Resolution } from '../domain/slot-request'
import { describeWhen } from '../domain/when'
import { defineTask, type TaskStateMeta } from '../task-definition'
import { clearProblem, resolveWords, slotEdges, whenWords, type WordsEvent } from './slot-edges'

const words = (what: string, example: string) => Type.Optional(Type.String({ description: `${what} as the caller said it, e.g. '${example}'` }))

export const RescheduleStartArgs = Type.Object(
  {
    current_date: words("the day of the appointment to move", 'tomorrow'),
    current_time: words('the time of the appointment to move', '10 AM'),
    date: words('the new day', 'Friday'),
    time: words('the new time', '2 PM'),
  },
  { additionalProperties: false },
)
export const RescheduleInputArgs = Type.Object(
  {
    date: words('while choosing the appointment: its day; afterwards: the new day', 'Friday'),
    time: words('while choosing the appointment: its time; afterwards: the new time', '2 PM'),
    confirm: Type.Optional(Type.Boolean({ description: 'true when the caller confirmed the move, false when not' })),
  },
  { additionalProperties: false },
)

const Words = Type.Object({ date: Type.Union([Type.String(), Type.Null()]), time: Type.Union([Type.String(), Type.Null()]) })
export const RescheduleContext = Type.Object({
  settings: SettingsSchema,
  /** Which appointment, as said when starting. */
  hint: Words,
  /** The new day and time said when starting, applied once the appointment is chosen. */
  wanted: Words,
  appointments: Type.Array(AppointmentSchema),
  chosen: Type.Union([AppointmentSchema, Type.Null()]),
  slot: SlotDraftSchema,
})
export type RescheduleContext = Static<typeof RescheduleContext>

const WordsFields = { date: Type.Optional(Type.String()), time: Type.Optional(Type.String()) }
export const RescheduleEvent = Type.Union([
  Type.Object({
    type: Type.Literal('start'),
    at: AtSchema,
    current_date: Type.Optional(Type.String()),
    current_time: Type.Optional(Type.String()),
    ...WordsFields,
  }),
  Type.Object({ type: Type.Literal('input'), at: AtSchema, ...WordsFields, confirm: Type.Optional(Type.Boolean()) }),
  ResultEvents.appointments,
  ResultEvents.availability,
  ResultEvents.appointment_moved,
  ResultEvents.slot_taken,
  ResultEvents.domain_error,
  CancelEventSchema,
])
export type RescheduleEvent = Static<typeof RescheduleEvent>

type State =
  | 'idle' | 'finding' | 'choosing' | 'collectingDate' | 'collectingTime' | 'checking' | 'confirming' | 'moving'
  | 'moved' | 'kept' | 'failed'
type Ev<T extends RescheduleEvent['type']> = Extract<RescheduleEvent, { type: T }>
type Ctx = RescheduleContext

// ---- what the caller hears ----

const lang = (c: Ctx) => c.settings.language
const say = (c: Ctx) => packOf(lang(c)).reschedule
const when = (t: number | null | undefined, c: Ctx, now: number, bare = false) => (t == null ? '' : describeWhen(t, now, c.settings.tz, bare, lang(c)))
/** Everything rescheduling says, from the call's language pack. */
export const rescheduleText = {
  none: (c: Ctx): string => packOf(lang(c)).cancel.none,
  which: (c: Ctx, now: number, problem = ''): string => lead(problem, say(c).which(listAppointments(c.appointments, now, c.settings.tz, lang(c)))),
  notFound: (c: Ctx): string => packOf(lang(c)).cancel.notFound,
  found: (c: Ctx, now: number): string => say(c).found(when(c.chosen?.startsAt, c, now)),
  askDate: (c: Ctx): string => askDateText(c.slot.problem, lang(c), say(c).askDate),
  askTime: (c: Ctx, now: number): string => askTimeText(c.slot.problem, c.slot.alternatives, c.slot.date, now, c.settings.tz, lang(c)),
  confirm: (c: Ctx, now: number): string => say(c).confirm(when(c.chosen?.startsAt, c, now, true), when(c.slot.startsAt, c, now, true)),
  moved: (c: Ctx, now: number): string => say(c).moved(when(c.slot.startsAt, c, now)),
  summary: (c: Ctx, now: number): string => say(c).summary(when(c.slot.startsAt, c, now, true)),
  sameSlot: (c: Ctx): string => say(c).sameSlot,
  declined: (c: Ctx): string => packOf(lang(c)).slots.declined,
  passed: (c: Ctx): string => packOf(lang(c)).slots.passed,
  abandoned: (c: Ctx): string => say(c).abandoned,
  lookupFailed: (c: Ctx): string => packOf(lang(c)).cancel.lookupFailed,
  checkFailed: (c: Ctx): string => say(c).checkFailed,
  moveFailed: (c: Ctx): string => say(c).moveFailed,
}

const ask = {
  which: (c: Ctx, at: number, problem = ''): Effect[] => [{ kind: 'ask', text: rescheduleText.which(c, at, problem), need: ['date', 'time'] }],
  date: (c: Ctx, _at: number, first = ''): Effect[] => [{ kind: 'ask', text: lead(first, rescheduleText.askDate(c)), need: ['date'] }],
  time: (c: Ctx, at: number, first = ''): Effect[] => [{ kind: 'ask', text: lead(first, rescheduleText.askTime(c, at)), need: ['time'] }],
  confirm: (c: Ctx, at: number): Effect[] => [{ kind: 'ask', text: rescheduleText.confirm(c, at), need: ['confirm'] }],
}
const serviceOf = (c: Ctx) => (c.chosen?.serviceId ? { serviceId: c.chosen.serviceId } : {})
const check = (c: Ctx): Effect[] => [{ kind: 'check_availability', startsAt: c.slot.startsAt ?? 0, minutes: c.settings.slotMinutes, ...serviceOf(c) }]

// ---- resolving the new slot ----

/** The booking rules, plus: the appointment's own slot is no new slot. */
function resolveNew(c: Readonly<Ctx>, e: WordsEvent): Resolution {
  const r = resolveWords(c, e)
  if (r.kind === 'ready' && r.startsAt === c.chosen?.startsAt) return { kind: 'ask_time', date: r.date, problem: rescheduleText.sameSlot(c) }
  return r
}

type Input = Ev<'input'>
const slot = <E extends Input>() =>
  slotEdges<State, Ctx, E>(
    {
      ready: { target: 'checking', effects: check },
      askTime: { target: 'collectingTime', effects: (c, e) => ask.time(c, e.at) },
      askDate: { target: 'collectingDate', effects: (c, e) => ask.date(c, e.at) },
    },
    resolveNew,
  )

/**
 * Choosing the appointment and applying the new day/time said at the start happen in one step, so the caller is
 * asked only for what is still missing. `pick` says which appointment the event designates (undefined: none).
 */
function choiceEdges<E extends EventBase & { at: number }>(
  pick: (c: Readonly<Ctx>, e: E) => Appointment | undefined,
  context: (c: Readonly<Ctx>, e: E) => Ctx = (c) => c,
): Transition<State, Ctx, E, Effect>[] {
  const next = (c0: Readonly<Ctx>, e: E): { ctx: Ctx; r: Resolution } | undefined => {
    const a = pick(c0, e)
    if (a === undefined) return undefined
    // The appointment keeps its service: the new slot is on that service's grid and as long.
    const base = context(c0, e)
    const c = { ...base, settings: forAppointment(base.settings, a), chosen: a, wanted: { date: null, time: null } }
    const r = resolveNew(c, { type: 'input', at: e.at, date: c0.wanted.date ?? undefined, time: c0.wanted.time ?? undefined })
    return { ctx: { ...c, slot: applyResolution(c.slot, r) }, r }
  }
  const edge = (kind: Resolution['kind'], target: State, effects: (c: Ctx, at: number, lead: string) => Effect[]): Transition<State, Ctx, E, Effect> => ({
    target,
    guard: (c, e) => next(c, e)?.r.kind === kind,
    assign: (c, e) => next(c, e)?.ctx ?? c,
    effects: (c, e) => effects(c, e.at, rescheduleText.found(c, e.at)),
  })
  return [edge('ready', 'checking', check), edge('ask_time', 'collectingTime', ask.time), edge('ask_date', 'collectingDate', ask.date)]
}

const fromList = (c: Readonly<Ctx>, e: Ev<'appointments'>) => chosen(upcoming(e.list, e.at), c.hint, c.settings, e.at)
const withList = (c: Readonly<Ctx>, e: Ev<'appointments'>): Ctx => ({ ...c, appointments: upcoming(e.list, e.at) })
const said = (e: Input) => hasSlotWords(e)
const fromWords = (c: Readonly<Ctx>, e: Input) => (said(e) ? chosen(c.appointments, e, c.settings, e.at) : undefined)

const collecting = (self: 'collectingDate' | 'collectingTime'): Transition<State, Ctx, Input, Effect>[] => [
  ...whenWords(slot<Input>()),
  { target: self, assign: clearProblem, effects: (c, e) => (self === 'collectingDate' ? ask.date(c, e.at) : ask.time(c, e.at)) },
]
const refused = (c: Ctx, e: { alternatives: number[]; at: number }): Ctx => ({
  ...c,
  slot: { ...c.slot, minutes: null, startsAt: null, alternatives: e.alternatives, problem: takenText(c.slot.startsAt ?? 0, e.at, c.settings.tz, lang(c)) },
})
const cancel: Transition<State, Ctx, Ev<'cancel'>, Effect> = { target: 'kept', effects: (c) => [{ kind: 'say', text: rescheduleText.abandoned(c) }] }
const failed = (text: (c: Ctx) => string): Transition<State, Ctx, Ev<'domain_error'>, Effect> => ({
  target: 'failed',
  effects: (c, e) => [{ kind: 'say', text: text(c) }, { kind: 'failed', reason: e.reason }],
})

/** On resume the old reason is stale and an offered slot may have passed: the plain question again. */
const fresh = (c: Ctx, now: number): Ctx => ({ ...c, slot: { ...c.slot, problem: '', alternatives: c.slot.alternatives.filter((t) => t > now) } })

export const rescheduleAppointmentMachine = machine<Ctx, RescheduleEvent, Effect, TaskStateMeta<Ctx>>()({
  id: 'reschedule_appointment',
  version: 1,
  initial: 'idle',
  states: {
    idle: {
      meta: { status: 'open' },
      on: {
        start: {
          target: 'finding',
          assign: (c, e) => ({
            ...c,
            hint: { date: e.current_date ?? null, time: e.current_time ?? null },
            wanted: { date: e.date ?? null, time: e.time ?? null },
          }),
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
            effects: (c) => [{ kind: 'say', text: rescheduleText.none(c) }, { kind: 'failed', reason: 'no upcoming appointments' }],
          },
          ...choiceEdges(fromList, withList),
          {
            target: 'choosing',
            assign: withList,
            effects: (c, e) => ask.which(c, e.at, c.hint.date !== null || c.hint.time !== null ? rescheduleText.notFound(c) : ''),
          },
        ],
        domain_error: failed(rescheduleText.lookupFailed),
        cancel,
      },
    },
    choosing: {
      meta: { status: 'open', pending: (c, now) => ({ ask: rescheduleText.which(c, now), need: ['date', 'time'] }) },
      on: {
        input: [
          ...choiceEdges(fromWords),
          { target: 'choosing', guard: (_c, e) => said(e), effects: (c, e) => ask.which(c, e.at, rescheduleText.notFound(c)) },
          { target: 'choosing', effects: (c, e) => ask.which(c, e.at) },
        ],
        cancel,
      },
    },
    collectingDate: { meta: { status: 'open', pending: (c, now) => ({ ask: rescheduleText.askDate(fresh(c, now)), need: ['date'] }) }, on: { input: collecting('collectingDate'), cancel } },
    collectingTime: { meta: { status: 'open', pending: (c, now) => ({ ask: rescheduleText.askTime(fresh(c, now), now), need: ['time'] }) }, on: { input: collecting('collectingTime'), cancel } },
    checking: {
      meta: { status: 'open' },
      on: {
        availability: [
          {
            target: 'confirming',
            guard: (_c, e) => e.free,
            assign: (c) => ({ ...c, slot: { ...c.slot, alternatives: [] } }),
            effects: (c, e) => ask.confirm(c, e.at),
          },
          { target: 'collectingTime', assign: refused, effects: (c, e) => ask.time(c, e.at) },
        ],
        domain_error: failed(rescheduleText.checkFailed),
        cancel,
      },
    },
    confirming: {
      meta: { status: 'open', pending: (c, now) => ({ ask: rescheduleText.confirm(c, now), need: ['confirm'] }) },
      on: {
        input: [
          {
            target: 'moving',
            guard: (c, e) => e.confirm === true && !said(e) && (c.slot.startsAt ?? 0) > e.at,
            effects: (c) => [
              { kind: 'move_appointment', appointmentId: c.chosen?.id ?? '', startsAt: c.slot.startsAt ?? 0, minutes: c.settings.slotMinutes, ...serviceOf(c) },
            ],
          },
          {
            target: 'collectingTime',
            guard: (_c, e) => e.confirm === true && !said(e),
            assign: (c) => ({ ...c, slot: { ...c.slot, minutes: null, startsAt: null, problem: rescheduleText.passed(c) } }),
            effects: (c, e) => ask.time(c, e.at),
          },
          ...whenWords(slot<Input>()),
          {
            target: 'collectingTime',
            guard: (_c, e) => e.confirm === false,
            assign: (c) => ({ ...c, slot: { ...c.slot, minutes: null, startsAt: null, problem: rescheduleText.declined(c) } }),
            effects: (c, e) => ask.time(c, e.at),
          },
          { target: 'confirming', effects: (c, e) => ask.confirm(c, e.at) },
        ],
        cancel,
      },
    },
    moving: {
      meta: { status: 'open' },
      on: {
        appointment_moved: {
          target: 'moved',
          effects: (c, e) => [
            { kind: 'say', text: rescheduleText.moved(c, e.at) },
            { kind: 'done', summary: rescheduleText.summary(c, e.at) },
          ],
        },
        slot_taken: { target: 'collectingTime', assign: refused, effects: (c, e) => ask.time(c, e.at) },
        domain_error: failed(rescheduleText.moveFailed),
      },
    },
    moved: { final: true, meta: { status: 'done' } },
    kept: { final: true, meta: { status: 'cancelled' } },
    failed: { final: true, meta: { status: 'failed' } },
  },
})

export function rescheduleSummary(c: Ctx, now: number): string {
  return say(c).progress(c.chosen === null ? '' : when(c.chosen.startsAt, c, now), c.slot.startsAt === null ? '' : when(c.slot.startsAt, c, now, true))
}

export const rescheduleAppointment = defineTask<State, Ctx, RescheduleEvent>({
  kind: 'reschedule_appointment',
  title: 'moving an appointment',
  noun: 'reschedule',
  description:
    "Move one of the caller's upcoming appointments to another day or time. Pass what the caller said about which " +
    'appointment (current_date, current_time) and about the new slot (date, time); the task asks for the rest.',
  startArgs: RescheduleStartArgs,
  inputArgs: RescheduleInputArgs,
  machine: rescheduleAppointmentMachine,
  contextSchema: RescheduleContext,
  eventSchema: RescheduleEvent,
  start(args, env) {
    const a = args as Static<typeof RescheduleStartArgs>
    return {
      context: {
        settings: captureSettings(env),
        hint: { date: null, time: null },
        wanted: { date: null, time: null },
        appointments: [],
        chosen: null,
        slot: EMPTY_DRAFT,
      },
      event: { type: 'start', at: env.now, ...a },
    }
  },
  input: (fields, now) => ({ type: 'input', at: now, ...(fields as Static<typeof RescheduleInputArgs>) }),
  cancelEvent: (now) => ({ type: 'cancel', at: now }),
  summary: (s, now) => rescheduleSummary(s.context, now),
})
