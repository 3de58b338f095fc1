/**
 * @module i18n/hours-words
 * Opening hours and the current time in a call's language: weekday names and dates from Intl in the pack's locale,
 * clock times and joining words from the pack. What the model is told (and so tells callers).
 */
import { describeWeek, type WeekHours, type WeekWords } from '../config/business-hours'
import type { LanguagePack } from './pack'

/** 1 January 2023 was a Sunday: day `d` of that week is weekday `d` (0 = Sunday), whatever the locale. */
const SUNDAY = Date.UTC(2023, 0, 1)
const DAY_MS = 86_400_000

export function weekWordsOf(pack: LanguagePack): WeekWords {
  const names = new Intl.DateTimeFormat(pack.dates.locale, { weekday: 'long', timeZone: 'UTC' })
  return {
    weekday: (d) => names.format(new Date(SUNDAY + d * DAY_MS)),
    dayRange: pack.instructions.dayRange,
    clock: pack.dates.clock,
    span: pack.instructions.hoursSpan,
    and: pack.dates.and,
    closed: pack.instructions.closed,
  }
}

/** The week's hours in the pack's language, once per business version and language (a reload makes new weeks). */
export function hoursIn(week: WeekHours, pack: LanguagePack): string {
  const byLanguage = cache.get(week) ?? new Map<string, string>()
  cache.set(week, byLanguage)
  let text = byLanguage.get(pack.language)
  if (text === undefined) byLanguage.set(pack.language, (text = describeWeek(week, weekWordsOf(pack))))
  return text
}

const cache = new WeakMap<WeekHours, Map<string, string>>()

/** "Wednesday, December 2, 2026 at 1:30 AM" / "Mittwoch, 2. Dezember 2026 um 1:30" in the business's zone. */
export function nowIn(now: number, timeZone: string, pack: LanguagePack): string {
  return nowFormatter(pack.dates.locale, timeZone).format(new Date(now))
}

/** One formatter per locale and time zone: every call's instructions carry the time, and building one costs about 0.2 ms. */
const nowFormatters = new Map<string, Intl.DateTimeFormat>()
function nowFormatter(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}\u0000${timeZone}`
  let f = nowFormatters.get(key)
  if (!f) nowFormatters.set(key, (f = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' })))
  return f
}
