/**
 * @module agents/domain/zoned-time
 * Wall-clock time in the business's IANA time zone, independent of the host's zone. Appointments are stored as epoch
 * ms but talked about as local dates ('YYYY-MM-DD') and minutes after local midnight; these functions convert between
 * the two, DST-safe. Calendar dates are handled as plain strings with UTC arithmetic, which has no DST at all.
 */

export type WallClock = {
  readonly year: number
  readonly month: number // 1–12
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly weekday: number // 0 = Sunday, like `WeekHours`
}

const DAY_MS = 86_400_000
const formatters = new Map<string, Intl.DateTimeFormat>()

// Building an Intl.DateTimeFormat is slow (~50 µs); one per zone is kept, which is harmless memoisation, not state.
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(tz, f)
  }
  return f
}

/** True for a zone name Intl knows (`Europe/Berlin`, `UTC`); used to validate settings before a task starts. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz)
    return true
  } catch {
    return false
  }
}

/**
 * Recent answers per zone. `formatToParts` is the costliest step of date work (most of a booking turn's CPU), and
 * the same instants come back again and again (the slots of a day, a call's "now"); the answer for an instant never
 * changes, and WallClock is read-only, so one object serves every caller. Bounded: emptied when full.
 */
const recent = new Map<string, Map<number, WallClock>>()
const RECENT_MAX = 4096

export function wallClock(epochMs: number, tz: string): WallClock {
  let zone = recent.get(tz)
  if (zone === undefined) recent.set(tz, (zone = new Map()))
  const known = zone.get(epochMs)
  if (known !== undefined) return known
  const w = computeWallClock(epochMs, tz)
  if (zone.size >= RECENT_MAX) zone.clear()
  zone.set(epochMs, w)
  return w
}

function computeWallClock(epochMs: number, tz: string): WallClock {
  const parts: Record<string, number> = {}
  for (const p of formatter(tz).formatToParts(epochMs)) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  const year = parts['year'] ?? 1970
  const month = parts['month'] ?? 1
  const day = parts['day'] ?? 1
  return {
    year,
    month,
    day,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  }
}

/** Offset of `tz` from UTC at that instant, in ms (New York in winter: -18_000_000). */
export function offsetAt(epochMs: number, tz: string): number {
  const w = wallClock(epochMs, tz)
  // Offsets of current zones are whole minutes, so comparing at minute precision is exact.
  const minute = epochMs - (((epochMs % 60_000) + 60_000) % 60_000)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - minute
}

/**
 * Epoch ms of a local wall-clock time. Like Temporal's 'compatible' disambiguation: a time that occurs twice (autumn
 * fall-back) resolves to the earlier instant; a time that does not exist (spring gap) is pushed forward by the gap
 * (02:30 on the New York spring-forward day is 03:30 EDT).
 */
export function zonedToEpoch(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute)
  // Real zones change offset at most once within a day either side, so the offsets a day before and after are the
  // only candidates.
  const before = offsetAt(guess - DAY_MS, tz)
  const after = offsetAt(guess + DAY_MS, tz)
  const matches = [guess - before, guess - after].filter((t) => {
    const w = wallClock(t, tz)
    return w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute
  })
  if (matches.length > 0) return Math.min(...matches)
  return guess - before
}

/** 'YYYY-MM-DD' of the instant in `tz`. */
export function localDate(epochMs: number, tz: string): string {
  const w = wallClock(epochMs, tz)
  return formatDate(w.year, w.month, w.day)
}

/** Minutes after local midnight of the instant in `tz`. */
export function localMinutes(epochMs: number, tz: string): number {
  const w = wallClock(epochMs, tz)
  return w.hour * 60 + w.minute
}

/** Epoch ms of `minutes` after local midnight on `date` ('YYYY-MM-DD') in `tz`. */
export function dateMinutesToEpoch(date: string, minutes: number, tz: string): number {
  const d = splitDate(date)
  return zonedToEpoch(d.year, d.month, d.day, Math.floor(minutes / 60), minutes % 60, tz)
}

export function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

export function splitDate(date: string): { year: number; month: number; day: number } {
  const [y, m, d] = date.split('-').map(Number)
  return { year: y ?? 1970, month: m ?? 1, day: d ?? 1 }
}

/** True for a real calendar date written as 'YYYY-MM-DD' (rejects 2026-02-30). */
export function isIsoDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false
  const { year, month, day } = splitDate(date)
  const t = new Date(Date.UTC(year, month - 1, day))
  return t.getUTCFullYear() === year && t.getUTCMonth() === month - 1 && t.getUTCDate() === day
}

export function addDays(date: string, days: number): string {
  const { year, month, day } = splitDate(date)
  const t = new Date(Date.UTC(year, month - 1, day + days))
  return formatDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())
}

/** Whole days from `a` to `b` (both 'YYYY-MM-DD'). */
export function daysBetween(a: string, b: string): number {
  const x = splitDate(a)
  const y = splitDate(b)
  return Math.round((Date.UTC(y.year, y.month - 1, y.day) - Date.UTC(x.year, x.month - 1, x.day)) / DAY_MS)
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: string): number {
  const { year, month, day } = splitDate(date)
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay()
}
