/**
 * @module agents/tasks/check-availability
 * Answering 'do you have anything tomorrow (at 10)?' without booking: with a time, that slot is checked; with a day
 * only, the day's first free slots are listed. The runtime's `check_availability` answer already carries the nearest
 * free slots (same day first), so checking the day's first slot is enough to list the day.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AtSchema, CancelEventSchema, ResultEvents, type Effect } from '../effects'
import { machine, type Transition } from '../../fsm/fsm'
import { askDateText, askTimeText, joinAnd, listSlots, packOf } from '../domain/phrases'
import { captureSettings, serviceOptions, SettingsSchema, withService, type Settings } from '../domain/settings'
import { matchService } from '../domain/service-match'
import { applyResolution, EMPTY_DRAFT, SlotDraftSchema, type SlotDraft } from '../domain/slot-request'
import { dateSlots } from '../domain/slots'
import { describeDay, describeTimeFirst, describeWhen, spokenClock } from '../domain/when'
import { dateMinutesToEpoch, localDate, localMinutes } from '../domain/zoned-time'
import { defineTask, type TaskStateMeta } from '../task-definition'
import { clearProblem, resolveWords, slotEdges, whenWords, type WordsEvent } from './slot-edges'

const DateWords = Type.String({ description: "the day as the caller said it, e.g. 'tomorrow', 'Friday'" })
const TimeWords = Type.String({ description: "a time, if the caller asked about one, e.g. '10 AM'" })
const ServiceWords = Type.String({ description: 'the service the caller asks about, in their words (when the business offers several)' })
export const AvailabilityStartArgs = Type.Object({ date: DateWords, time: Type.Optional(TimeWords), service: Type.Optional(ServiceWords) }, { additionalProperties: false })
export const AvailabilityInputArgs = Type.Object({ date: Type.Optional(DateWords), time: Type.Optional(TimeWords) }, { additionalProperties: false })

export const AvailabilityContext = Type.Object({ settings: SettingsSchema, slot: SlotDraftSchema })
export type AvailabilityContext = Static<typeof AvailabilityContext>

export const AvailabilityEvent = Type.Union([
  Type.Object({ type: Type.Literal('start'), at: AtSchema, date: Type.String(), time: Type.Optional(Type.String()) }),
  Type.Object({ type: Type.Literal('input'), at: AtSchema, date: Type.Optional(Type.String()), time: Type.Optional(Type.String()) }),
  ResultEvents.availability,
  ResultEvents.domain_error,
  CancelEventSchema,
])
export type AvailabilityEvent = Static<typeof AvailabilityEvent>

type State = 'idle' | 'collectingDate' | 'collectingTime' | 'checkingSlot' | 'checkingDay' | 'answered' | 'cancelled' | 'failed'
type Ctx = AvailabilityContext
type Ev<T extends AvailabilityEvent['type']> = Extract<AvailabilityEvent, { type: T }>
type Answer = Ev<'availability'>

/** How many free times a day answer lists. */
const LIST = 3

/** The service whose grid is checked: the one the caller named, else the first one (the answer names it). */
function serviceToCheck(s: Settings, words: string | undefined): Settings {
  const options = serviceOptions(s)
  if (s.service !== undefined || options.length === 0) return s
  const m = words === undefined ? undefined : matchService(words, options)
  const pick = m?.ok ? m.service : options[0]
  return pick ? withService(s, pick) : s
}

// ---- what the caller hears ----

const tz = (c: Ctx) => c.settings.tz
const lang = (c: Ctx) => c.settings.language
const say = (c: Ctx) => packOf(lang(c)).availability
const and = (c: Ctx) => (words: readonly string[]) => joinAnd(words, packOf(lang(c)).dates.and)
/** "For a Dental cleaning, " when the business has several services: the answer says which one it is about. */
const forService = (c: Ctx, text: string) => (c.settings.service && serviceOptions(c.settings).length > 1 ? say(c).forService(c.settings.service.name, text) : text)
/** Everything checking availability says, from the call's language pack. */
export const availabilityText = {
  askDate: (c: Ctx): string => askDateText(c.slot.problem, lang(c), say(c).askDate),
  askTime: (c: Ctx, now: number): string => askTimeText(c.slot.problem, [], c.slot.date, now, tz(c), lang(c)),
  /** '10 AM tomorrow is available' / '10 AM tomorrow is taken; the nearest free times are 9:30 AM and 10:30 AM' */
  slot: (c: Ctx, e: Answer): string => {
    const what = describeTimeFirst(c.slot.startsAt ?? 0, e.at, tz(c), lang(c))
    if (e.free) return say(c).free(what)
    if (e.alternatives.length === 0) return say(c).takenNoneNear(what)
    return say(c).takenNearest(what, e.alternatives.length, listSlots(e.alternatives, c.slot.date, e.at, tz(c), and(c), lang(c)))
  },
  /** 'Tomorrow I have 9 AM, 9:30 AM and 10 AM free' / 'Tomorrow is fully booked; the next free time is …' */
  day: (c: Ctx, e: Answer): string => {
    const date = c.slot.date ?? ''
    const day = describeDay(date, e.at, tz(c), false, lang(c))
    const free = [...(e.free && c.slot.startsAt !== null ? [c.slot.startsAt] : []), ...e.alternatives]
    const sameDay = free.filter((t) => localDate(t, tz(c)) === date).sort((a, b) => a - b).slice(0, LIST)
    if (sameDay.length > 0) return say(c).dayFree(day, and(c)(sameDay.map((t) => spokenClock(localMinutes(t, tz(c)), lang(c)))))
    const next = [...free].sort((a, b) => a - b)[0]
    return next === undefined ? say(c).dayFull(day) : say(c).dayFullNext(day, describeWhen(next, e.at, tz(c), false, lang(c)))
  },
  cancelled: (c: Ctx): string => say(c).cancelled,
  failed: (c: Ctx): string => say(c).failed,
}

// ---- the table ----

const ask = {
  date: (c: Ctx): Effect[] => [{ kind: 'ask', text: availabilityText.askDate(c), need: ['date'] }],
  time: (c: Ctx, at: number): Effect[] => [{ kind: 'ask', text: availabilityText.askTime(c, at), need: ['time'] }],
}
const answer = (text: string): Effect[] => [{ kind: 'say', text: `${text}.` }, { kind: 'done', summary: text }]
const answerFor = (c: Ctx, text: string): Effect[] => answer(forService(c, text))

const check = (c: Ctx): Effect[] => [{ kind: 'check_availability', startsAt: c.slot.startsAt ?? 0, minutes: c.settings.slotMinutes, ...(c.settings.service ? { serviceId: c.settings.service.id } : {}) }]

/** The day's first slot still ahead: what is checked for a day-only question (`checkDay` made sure there is one). */
function firstSlot(slot: SlotDraft, s: Settings, at: number): number | null {
  const date = slot.date ?? ''
  const starts = dateSlots(s, date, s.slotMinutes).map((m) => dateMinutesToEpoch(date, m, s.tz))
  return starts.find((t) => t > at) ?? null
}

/** A day without a time is a question about the day, not a missing answer. */
const dayOnly = (c: Readonly<Ctx>, e: WordsEvent) => {
  const r = resolveWords(c, e)
  return r.kind === 'ask_time' && r.problem === '' && e.time === undefined
}

const edges = <E extends Ev<'start' | 'input'>>(): Transition<State, Ctx, E, Effect>[] => [
  {
    target: 'checkingDay',
    guard: dayOnly,
    assign: (c, e) => {
      const slot = applyResolution(c.slot, resolveWords(c, e))
      return { ...c, slot: { ...slot, startsAt: firstSlot(slot, c.settings, e.at) } }
    },
    effects: check,
  },
  ...slotEdges<State, Ctx, E>({
    ready: { target: 'checkingSlot', effects: check },
    askTime: { target: 'collectingTime', effects: (c, e) => ask.time(c, e.at) },
    askDate: { target: 'collectingDate', effects: ask.date },
  }),
]

const cancel: Transition<State, Ctx, Ev<'cancel'>, Effect> = { target: 'cancelled', effects: (c) => [{ kind: 'say', text: availabilityText.cancelled(c) }] }
const collecting = (self: 'collectingDate' | 'collectingTime'): Transition<State, Ctx, Ev<'input'>, Effect>[] => [
  ...whenWords(edges<Ev<'input'>>()),
  { target: self, assign: clearProblem, effects: (c, e) => (self === 'collectingDate' ? ask.date(c) : ask.time(c, e.at)) },
]
const failed: Transition<State, Ctx, Ev<'domain_error'>, Effect> = {
  target: 'failed',
  effects: (c, e) => [{ kind: 'say', text: availabilityText.failed(c) }, { kind: 'failed', reason: e.reason }],
}

/** On resume the old reason is stale: the plain question again. */
const fresh = (c: Ctx): Ctx => ({ ...c, slot: { ...c.slot, problem: '' } })

export const checkAvailabilityMachine = machine<Ctx, AvailabilityEvent, Effect, TaskStateMeta<Ctx>>()({
  id: 'check_availability',
  version: 1,
  initial: 'idle',
  states: {
    idle: { meta: { status: 'open' }, on: { start: edges(), cancel } },
    collectingDate: { meta: { status: 'open', pending: (c) => ({ ask: availabilityText.askDate(fresh(c)), need: ['date'] }) }, on: { input: collecting('collectingDate'), cancel } },
    collectingTime: { meta: { status: 'open', pending: (c, now) => ({ ask: availabilityText.askTime(fresh(c), now), need: ['time'] }) }, on: { input: collecting('collectingTime'), cancel } },
    checkingSlot: {
      meta: { status: 'open' },
      on: { availability: { target: 'answered', effects: (c, e) => answerFor(c, availabilityText.slot(c, e)) }, domain_error: failed, cancel },
    },
    checkingDay: {
      meta: { status: 'open' },
      on: { availability: { target: 'answered', effects: (c, e) => answerFor(c, availabilityText.day(c, e)) }, domain_error: failed, cancel },
    },
    answered: { final: true, meta: { status: 'done' } },
    cancelled: { final: true, meta: { status: 'cancelled' } },
    failed: { final: true, meta: { status: 'failed' } },
  },
})

export function availabilitySummary(c: Ctx, state: State, now: number): string {
  const { date, startsAt } = c.slot
  const what =
    state === 'checkingSlot' || (state === 'answered' && c.slot.minutes !== null && startsAt !== null)
      ? describeWhen(startsAt ?? 0, now, tz(c), true, lang(c))
      : date !== null
        ? describeDay(date, now, tz(c), true, lang(c))
        : ''
  return say(c).progress(what)
}

export const checkAvailability = defineTask<State, Ctx, AvailabilityEvent>({
  kind: 'check_availability',
  title: 'checking availability',
  noun: 'availability',
  informational: true,
  description: 'Check whether a day, or a time on a day, is free, without booking anything.',
  startArgs: AvailabilityStartArgs,
  inputArgs: AvailabilityInputArgs,
  machine: checkAvailabilityMachine,
  contextSchema: AvailabilityContext,
  eventSchema: AvailabilityEvent,
  start(args, env) {
    const { service, ...a } = args as Static<typeof AvailabilityStartArgs>
    return { context: { settings: serviceToCheck(captureSettings(env), service), slot: EMPTY_DRAFT }, event: { type: 'start', at: env.now, ...a } }
  },
  input: (fields, now) => ({ type: 'input', at: now, ...(fields as Static<typeof AvailabilityInputArgs>) }),
  cancelEvent: (now) => ({ type: 'cancel', at: now }),
  summary: (s, now) => availabilitySummary(s.context, s.state, now),
})
