/**
 * @module agents/domain/slots
 * The appointment grid: slots of `slotMinutes` start at the opening of each business-hours interval and must end by
 * its close. `checkSlot` says why a requested time cannot be booked (in words the caller hears, via `slotProblemText`);
 * `nearestFreeSlots` finds the alternatives the runtime offers when a slot is taken.
 */
import { formatClock, type Interval, type WeekHours } from '../../config/business-hours'
import { DAY_NAMES } from './when'
import { addDays, dateMinutesToEpoch, localDate, localMinutes, weekdayOf } from './zoned-time'

export type SlotProblem =
  | { readonly reason: 'past' }
  | { readonly reason: 'day_over' }
  | { readonly reason: 'closed'; readonly weekday: number }
  | { readonly reason: 'outside_hours'; readonly weekday: number; readonly intervals: readonly Interval[] }
  | { readonly reason: 'not_aligned'; readonly slotMinutes: number; readonly nearest: number }

export type DayCheck = { readonly ok: true } | ({ readonly ok: false } & SlotProblem)
export type SlotCheck = { readonly ok: true; readonly startsAt: number } | ({ readonly ok: false } & SlotProblem)

/** Start minutes of every slot on that weekday's grid, in order. */
export function daySlots(hours: WeekHours, weekday: number, slotMinutes: number): number[] {
  const starts: number[] = []
  for (const i of hours[weekday] ?? []) for (let m = i.from; m + slotMinutes <= i.to; m += slotMinutes) starts.push(m)
  return starts
}

/** Whether a day can still take an appointment: not past, open, and (for today) with a slot left. */
export function checkDay(date: string, hours: WeekHours, slotMinutes: number, tz: string, now: number): DayCheck {
  const today = localDate(now, tz)
  if (date < today) return { ok: false, reason: 'past' }
  const weekday = weekdayOf(date)
  const starts = daySlots(hours, weekday, slotMinutes)
  if (starts.length === 0) return { ok: false, reason: 'closed', weekday }
  if (date === today && !starts.some((m) => dateMinutesToEpoch(date, m, tz) > now)) return { ok: false, reason: 'day_over' }
  return { ok: true }
}

/** Whether `minutes` after local midnight on `date` is a bookable slot start; the checks run from coarse to fine. */
export function checkSlot(date: string, minutes: number, hours: WeekHours, slotMinutes: number, tz: string, now: number): SlotCheck {
  const weekday = weekdayOf(date)
  const startsAt = dateMinutesToEpoch(date, minutes, tz)
  if (date < localDate(now, tz) || startsAt <= now) return { ok: false, reason: 'past' }
  const intervals = hours[weekday] ?? []
  if (daySlots(hours, weekday, slotMinutes).length === 0) return { ok: false, reason: 'closed', weekday }
  const within = intervals.find((i) => minutes >= i.from && minutes < i.to)
  if (within === undefined) return { ok: false, reason: 'outside_hours', weekday, intervals }
  const fits = (minutes - within.from) % slotMinutes === 0 && minutes + slotMinutes <= within.to
  if (!fits) {
    const future = daySlots(hours, weekday, slotMinutes).filter((m) => dateMinutesToEpoch(date, m, tz) > now)
    const nearest = byNearness(future, minutes)[0]
    if (nearest === undefined) return { ok: false, reason: 'day_over' }
    return { ok: false, reason: 'not_aligned', slotMinutes, nearest }
  }
  return { ok: true, startsAt }
}

/**
 * Up to `count` free slot starts (epoch ms) nearest to `startsAt`, never `startsAt` itself: the same day first (nearest
 * first, either side), then the following days in order, looking at most `maxDays` ahead so a fully booked calendar
 * ends the search.
 */
export function nearestFreeSlots(
  startsAt: number,
  count: number,
  isTaken: (startsAt: number) => boolean,
  hours: WeekHours,
  slotMinutes: number,
  tz: string,
  now: number,
  maxDays = 14,
): number[] {
  const found: number[] = []
  const date = localDate(startsAt, tz)
  const free = (d: string, starts: readonly number[]) =>
    starts.map((m) => dateMinutesToEpoch(d, m, tz)).filter((t) => t > now && t !== startsAt && !isTaken(t))
  const sameDay = byNearness(daySlots(hours, weekdayOf(date), slotMinutes), localMinutes(startsAt, tz))
  for (const t of free(date, sameDay)) if (found.length < count) found.push(t)
  for (let i = 1; i <= maxDays && found.length < count; i++) {
    const d = addDays(date, i)
    for (const t of free(d, daySlots(hours, weekdayOf(d), slotMinutes))) if (found.length < count) found.push(t)
  }
  return found
}

function byNearness(starts: readonly number[], minutes: number): number[] {
  return [...starts].sort((a, b) => Math.abs(a - minutes) - Math.abs(b - minutes) || a - b)
}

/** What the caller hears about the problem, one short sentence. */
export function slotProblemText(p: SlotProblem): string {
  switch (p.reason) {
    case 'past':
      return "That's already in the past."
    case 'day_over':
      return "We're closed for the rest of today."
    case 'closed':
      return `We're closed on ${DAY_NAMES[p.weekday] ?? 'that day'}s.`
    case 'outside_hours': {
      const spans = p.intervals.map((i) => `from ${formatClock(i.from)} to ${formatClock(i.to)}`).join(' and ')
      return `On ${DAY_NAMES[p.weekday] ?? 'that day'}s we're open ${spans}.`
    }
    case 'not_aligned':
      return `Appointments start every ${p.slotMinutes} minutes; the nearest is ${formatClock(p.nearest)}.`
  }
}
