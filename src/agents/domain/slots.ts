/**
 * @module agents/domain/slots
 * The appointment grid: slots of `slotMinutes` start at the opening of each business-hours interval and must end by
 * its close. `checkSlot` says why a requested time cannot be booked (in words the caller hears, via `slotProblemText`);
 * `nearestFreeSlots` finds the alternatives the runtime offers when a slot is taken.
 */
import type { Interval, WeekHours } from '../../config/business-hours'
import type { Language } from '../../i18n/languages'
import { packFor } from '../../i18n/packs'
import { spokenClock } from './when'
import { addDays, dateMinutesToEpoch, localDate, localMinutes, weekdayOf } from './zoned-time'

export type SlotProblem =
  | { readonly reason: 'past' }
  | { readonly reason: 'day_over' }
  | { readonly reason: 'closed'; readonly weekday: number }
  | { readonly reason: 'holiday'; readonly date: string }
  | { readonly reason: 'outside_hours'; readonly weekday: number; readonly intervals: readonly Interval[] }
  | { readonly reason: 'not_aligned'; readonly slotMinutes: number; readonly nearest: number }
  | { readonly reason: 'too_soon'; readonly noticeMinutes: number }
  | { readonly reason: 'too_far'; readonly horizonDays: number }

export type DayCheck = { readonly ok: true } | ({ readonly ok: false } & SlotProblem)
export type SlotCheck = { readonly ok: true; readonly startsAt: number } | ({ readonly ok: false } & SlotProblem)

/**
 * When appointments can be: the weekly hours, dated exceptions (a holiday is an empty list), the minimum notice and
 * how far ahead. Task settings are calendars; a bare week is one with no exceptions and no limits.
 */
export type Calendar = {
  readonly hours: WeekHours
  readonly exceptions?: Readonly<Record<string, readonly Interval[]>> | undefined
  readonly minNoticeMinutes?: number | undefined
  readonly horizonDays?: number | undefined
}
export type Hours = WeekHours | Calendar

const asCalendar = (h: Hours): Calendar => (Array.isArray(h) ? { hours: h as WeekHours } : (h as Calendar))

/** The spans of one date: its exception if it has one, else its weekday's hours. */
export function spansOn(h: Hours, date: string): readonly Interval[] {
  const c = asCalendar(h)
  return c.exceptions?.[date] ?? c.hours[weekdayOf(date)] ?? []
}

function startsIn(spans: readonly Interval[], slotMinutes: number): number[] {
  const starts: number[] = []
  for (const i of spans) for (let m = i.from; m + slotMinutes <= i.to; m += slotMinutes) starts.push(m)
  return starts
}

/** Start minutes of every slot on that weekday's grid, in order. */
export function daySlots(hours: WeekHours, weekday: number, slotMinutes: number): number[] {
  return startsIn(hours[weekday] ?? [], slotMinutes)
}

/** Start minutes of every slot on that date (exceptions applied), in order. */
export function dateSlots(h: Hours, date: string, slotMinutes: number): number[] {
  return startsIn(spansOn(h, date), slotMinutes)
}

/** The earliest instant a booking may start: now plus the minimum notice. */
const earliest = (c: Calendar, now: number) => now + (c.minNoticeMinutes ?? 0) * 60_000
const beyondHorizon = (c: Calendar, date: string, tz: string, now: number) => c.horizonDays !== undefined && date > addDays(localDate(now, tz), c.horizonDays)

/** Whether a day can still take an appointment: not past, open, within the horizon, with a slot left after the notice. */
export function checkDay(date: string, hours: Hours, slotMinutes: number, tz: string, now: number): DayCheck {
  const c = asCalendar(hours)
  const today = localDate(now, tz)
  if (date < today) return { ok: false, reason: 'past' }
  if (beyondHorizon(c, date, tz, now)) return { ok: false, reason: 'too_far', horizonDays: c.horizonDays ?? 0 }
  const weekday = weekdayOf(date)
  const starts = dateSlots(c, date, slotMinutes)
  if (starts.length === 0) return c.exceptions?.[date] !== undefined ? { ok: false, reason: 'holiday', date } : { ok: false, reason: 'closed', weekday }
  const ahead = starts.map((m) => dateMinutesToEpoch(date, m, tz)).filter((t) => t > now)
  if (ahead.length === 0) return { ok: false, reason: 'day_over' }
  if (!ahead.some((t) => t >= earliest(c, now))) return { ok: false, reason: 'too_soon', noticeMinutes: c.minNoticeMinutes ?? 0 }
  return { ok: true }
}

/** Whether `minutes` after local midnight on `date` is a bookable slot start; the checks run from coarse to fine. */
export function checkSlot(date: string, minutes: number, hours: Hours, slotMinutes: number, tz: string, now: number): SlotCheck {
  const c = asCalendar(hours)
  const weekday = weekdayOf(date)
  const startsAt = dateMinutesToEpoch(date, minutes, tz)
  if (date < localDate(now, tz) || startsAt <= now) return { ok: false, reason: 'past' }
  if (beyondHorizon(c, date, tz, now)) return { ok: false, reason: 'too_far', horizonDays: c.horizonDays ?? 0 }
  const intervals = spansOn(c, date)
  const starts = dateSlots(c, date, slotMinutes)
  if (starts.length === 0) return c.exceptions?.[date] !== undefined ? { ok: false, reason: 'holiday', date } : { ok: false, reason: 'closed', weekday }
  const within = intervals.find((i) => minutes >= i.from && minutes < i.to)
  if (within === undefined) return { ok: false, reason: 'outside_hours', weekday, intervals }
  const fits = (minutes - within.from) % slotMinutes === 0 && minutes + slotMinutes <= within.to
  if (!fits) {
    const future = starts.filter((m) => dateMinutesToEpoch(date, m, tz) >= earliest(c, now))
    const nearest = byNearness(future, minutes)[0]
    if (nearest === undefined) return { ok: false, reason: 'day_over' }
    return { ok: false, reason: 'not_aligned', slotMinutes, nearest }
  }
  if (startsAt < earliest(c, now)) return { ok: false, reason: 'too_soon', noticeMinutes: c.minNoticeMinutes ?? 0 }
  return { ok: true, startsAt }
}

/**
 * Up to `count` free slot starts (epoch ms) nearest to `startsAt`, never `startsAt` itself: the same day first (nearest
 * first, either side), then the following days in order, looking at most `maxDays` ahead (and never past the
 * horizon) so a fully booked calendar ends the search.
 */
export function nearestFreeSlots(
  startsAt: number,
  count: number,
  isTaken: (startsAt: number) => boolean,
  hours: Hours,
  slotMinutes: number,
  tz: string,
  now: number,
  maxDays = 14,
): number[] {
  const c = asCalendar(hours)
  const found: number[] = []
  const date = localDate(startsAt, tz)
  const first = Math.max(now + 1, earliest(c, now))
  const free = (d: string, starts: readonly number[]) =>
    beyondHorizon(c, d, tz, now) ? [] : starts.map((m) => dateMinutesToEpoch(d, m, tz)).filter((t) => t >= first && t !== startsAt && !isTaken(t))
  const sameDay = byNearness(dateSlots(c, date, slotMinutes), localMinutes(startsAt, tz))
  for (const t of free(date, sameDay)) if (found.length < count) found.push(t)
  for (let i = 1; i <= maxDays && found.length < count; i++) {
    const d = addDays(date, i)
    for (const t of free(d, dateSlots(c, d, slotMinutes))) if (found.length < count) found.push(t)
  }
  return found
}

function byNearness(starts: readonly number[], minutes: number): number[] {
  return [...starts].sort((a, b) => Math.abs(a - minutes) - Math.abs(b - minutes) || a - b)
}

/** What the caller hears about the problem, one short sentence, in the call's language. */
export function slotProblemText(p: SlotProblem, lang?: Language): string {
  const w = packFor(lang ?? 'en').slots
  const clock = (m: number) => spokenClock(m, lang)
  switch (p.reason) {
    case 'past':
      return w.past
    case 'day_over':
      return w.dayOver
    case 'closed':
      return w.closedOn(p.weekday)
    case 'outside_hours': {
      const and = packFor(lang ?? 'en').dates.and
      return w.openOn(p.weekday, p.intervals.map((i) => w.span(clock(i.from), clock(i.to))).join(` ${and} `))
    }
    case 'not_aligned':
      return w.notAligned(p.slotMinutes, clock(p.nearest))
    case 'holiday':
      return w.holiday(new Intl.DateTimeFormat(packFor(lang ?? 'en').dates.locale, { timeZone: 'UTC', month: 'long', day: 'numeric' }).format(new Date(`${p.date}T12:00:00Z`)))
    case 'too_soon':
      return w.tooSoon(p.noticeMinutes)
    case 'too_far':
      return w.tooFar(p.horizonDays)
  }
}
