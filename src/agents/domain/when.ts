/**
 * @module agents/domain/when
 * What callers say about dates and times, parsed relative to an injected `now` in the business's time zone, and the
 * way the bot says them back ('tomorrow at 10 AM'). Dates go through chrono-node, given the zone's offset at `now`
 * so that 'today' is the business's today whatever the host's zone; times use a small grammar of our own, because
 * spoken times ('half past two', bare 'at 2') need business hours to be read right and chrono does not know those.
 */
// The English locale alone at load: a third of the package's load time. Another language's locale is loaded the
// first time a call in that language parses a date (and stays loaded).
import * as chrono from 'chrono-node/en'
import type { Language } from '../../i18n/languages'
import { toEnglishTime } from '../../i18n/spoken-time'
import { packFor } from '../../i18n/packs'

type Casual = { parse: typeof chrono.casual.parse }
const locales = new Map<Language, Casual>([['en', chrono.casual]])
function casualFor(lang: Language | undefined): Casual {
  const l = lang ?? 'en'
  let c = locales.get(l)
  if (c === undefined) {
    // Synchronous on purpose: a parse happens inside a task step, which is pure and synchronous.
    const mod = (l === 'de' ? require('chrono-node/de') : require('chrono-node/es')) as { casual: Casual }
    c = mod.casual
    locales.set(l, c)
  }
  return c
}
import { formatClock, type Interval, type WeekHours } from '../../config/business-hours'
import { addDays, daysBetween, formatDate, isIsoDate, localDate, localMinutes, offsetAt, splitDate, weekdayOf } from './zoned-time'

export type DateResult = { ok: true; date: string; minutes?: number } | { ok: false; reason: string }
export type TimeResult = { ok: true; minutes: number } | { ok: false; reason: string }

export const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const
const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const

export const NO_DATE = "I didn't catch which day you mean."
export const NO_TIME = "I didn't catch the time."

/**
 * A day, as 'YYYY-MM-DD'. Also returns `minutes` when the same words state a time ('tomorrow at 10 AM'), so a caller
 * who says both at once is not asked again. Month/day numbers are read US-style ('12/03' is December 3).
 */
export function parseDate(text: string, now: number, tz: string, hours?: WeekHours, lang?: Language): DateResult {
  const t = normalise(text)
  if (t === '') return { ok: false, reason: NO_DATE }
  const today = localDate(now, tz)
  if (isIsoDate(t)) return { ok: true, date: t }
  // chrono reads 'the day after tomorrow' as 'tomorrow' preceded by noise, and knows no bare ordinal day.
  // chrono's Spanish reads 'pasado mañana' as 'mañana'.
  if (/^(the )?day after tomorrow$|^pasado mañana$/.test(t)) return { ok: true, date: addDays(today, 2) }
  const ordinal = /^(on )?the (\d{1,2})(st|nd|rd|th)?$/.exec(t)
  if (ordinal) return nextDayOfMonth(today, Number(ordinal[2]))
  const ref = { instant: new Date(now), timezone: offsetAt(now, tz) / 60_000 }
  // chrono's German and Spanish read the day words; their time words we rewrite first ('um 10 Uhr' → 'at 10').
  const r = casualFor(lang).parse(lang === undefined || lang === 'en' ? t : toEnglishTime(t, lang).replace(/^at /, ''), ref, { forwardDate: true })[0] ?? (lang && lang !== 'en' ? casualFor(lang).parse(t, ref, { forwardDate: true })[0] : undefined)
  if (r === undefined) return { ok: false, reason: NO_DATE }
  const s = r.start
  // A time alone ('at 3') gets an implied day from chrono (even tomorrow's, with forwardDate): not a day said.
  if (!s.isCertain('day') && !s.isCertain('weekday')) return { ok: false, reason: NO_DATE }
  let date = formatDate(s.get('year') ?? 0, s.get('month') ?? 0, s.get('day') ?? 0)
  if (!isIsoDate(date)) return { ok: false, reason: NO_DATE }
  // 'Monday' said on a Monday means next week's: someone meaning today says 'today'.
  if (date === today && s.isCertain('weekday') && !s.isCertain('day') && !/\b(this|today)\b/.test(t)) date = addDays(date, 7)
  if (!s.isCertain('hour')) return { ok: true, date }
  const hour = s.get('hour') ?? 0
  const minute = s.get('minute') ?? 0
  const minutes = s.isCertain('meridiem') || hour > 12 ? hour * 60 + minute : pickHalfOfDay(hour, minute, hours?.[weekdayOf(date)])
  return { ok: true, date, minutes }
}

function nextDayOfMonth(today: string, day: number): DateResult {
  const { year, month } = splitDate(today)
  for (let i = 0; i < 3; i++) {
    const date = formatDate(year + Math.floor((month - 1 + i) / 12), ((month - 1 + i) % 12) + 1, day)
    if (isIsoDate(date) && date >= today) return { ok: true, date }
  }
  return { ok: false, reason: NO_DATE }
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  zero: 0, oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50,
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/\b([ap])\.\s?m\.?/g, '$1m')
    .replace(/[,!?]/g, ' ')
    .replace(/\.$/, '')
    .replace(/\s+/g, ' ')
    .trim()
}

// 'twenty five' → '25', 'ten thirty' → '10 30'; tens only absorb a following unit.
function digitsFromWords(text: string): string {
  const out: string[] = []
  for (const w of text.split(/[\s-]+/)) {
    const n = NUMBER_WORDS[w]
    const prev = out.length > 0 ? Number(out[out.length - 1]) : NaN
    if (n !== undefined && n < 10 && prev >= 20 && prev % 10 === 0 && prev < 60) out[out.length - 1] = String(prev + n)
    else if (n !== undefined && w === 'oh' && out.length > 0) out.push('0')
    else out.push(n === undefined ? w : String(n))
  }
  // '10 0 5' (ten oh five) → '10 05'
  return out.join(' ').replace(/\b(\d{1,2}) 0 (\d)\b/, '$1 0$2')
}

/**
 * Minutes after local midnight. `dayHours` (the business hours of the day in question) settles a bare hour: 'at 2'
 * is 2 PM when 2 AM is outside business hours.
 */
export function parseTime(text: string, dayHours?: readonly Interval[], lang?: Language): TimeResult {
  let t = digitsFromWords(normalise(toEnglishTime(text, lang)))
    .replace(/\b(o'?clock|sharp|please|ish)\b/g, '')
    .replace(/^(at|around|about|for|say|maybe) /, '')
    .replace(/\s+/g, ' ')
    .trim()
  let meridiem: 'am' | 'pm' | undefined
  const suffix = /\s*(am|pm|in the morning|in the afternoon|in the evening|at night|tonight)$/.exec(t)
  if (suffix) {
    meridiem = suffix[1] === 'am' || suffix[1] === 'in the morning' ? 'am' : 'pm'
    t = t.slice(0, suffix.index).trim()
  }
  if (/^(noon|midday|12 noon)$/.test(t)) return { ok: true, minutes: 720 }
  if (t === 'midnight') return { ok: true, minutes: 0 }

  let hour: number
  let minute: number
  let padded = false
  const relative = /^(half|quarter|\d{1,2}) (?:minutes )?(past|after|to|before|of) (\d{1,2}|noon)$/.exec(t)
  const plain = /^(\d{1,2})(?:(?:[:.h]| )(\d{2}))?$/.exec(t) ?? /^(\d{2})(\d{2})$/.exec(t)
  if (relative) {
    const m = relative[1] === 'half' ? 30 : relative[1] === 'quarter' ? 15 : Number(relative[1])
    const base = relative[3] === 'noon' ? 12 : Number(relative[3])
    if (m >= 60 || base > 23) return { ok: false, reason: NO_TIME }
    const back = relative[2] === 'to' || relative[2] === 'before' || relative[2] === 'of'
    if (back && relative[1] === 'half') return { ok: false, reason: NO_TIME }
    const total = base * 60 + (back ? -m : m)
    hour = Math.floor((total + 1440) % 1440 / 60)
    minute = (total + 1440) % 60
    if (hour === 0 && base !== 0) hour = 12 // 'quarter to one' is 12:45, a twelve-hour reading
  } else if (plain) {
    hour = Number(plain[1])
    minute = plain[2] === undefined ? 0 : Number(plain[2])
    padded = plain[1]?.length === 2 && plain[1].startsWith('0') // '09:00' is meant literally
  } else return { ok: false, reason: NO_TIME }
  if (hour > 23 || minute > 59) return { ok: false, reason: NO_TIME }
  if (meridiem !== undefined && hour >= 1 && hour <= 12) return { ok: true, minutes: ((hour % 12) + (meridiem === 'pm' ? 12 : 0)) * 60 + minute }
  if (hour === 0 || hour > 12 || padded) return { ok: true, minutes: hour * 60 + minute }
  return { ok: true, minutes: pickHalfOfDay(hour, minute, dayHours) }
}

// A 1–12 hour without AM/PM: prefer the reading inside business hours; with neither (or both) inside, fall back to
// how people talk about appointments: 7–11 are mornings, 12 is noon, 1–6 are afternoons.
function pickHalfOfDay(hour: number, minute: number, dayHours: readonly Interval[] | undefined): number {
  const am = (hour % 12) * 60 + minute
  const pm = am + 720
  const inside = (m: number) => (dayHours ?? []).some((i) => m >= i.from && m < i.to)
  if (inside(am) !== inside(pm)) return inside(am) ? am : pm
  return hour >= 7 && hour <= 11 ? am : pm
}

/** 'today' | 'tomorrow' | 'on Monday, December 1'; `bare` drops the 'on' (for 'from … to …'). In `lang` when given. */
export function describeDay(date: string, now: number, tz: string, bare = false, lang?: Language): string {
  const today = localDate(now, tz)
  const diff = daysBetween(today, date)
  if (lang !== undefined && lang !== 'en') {
    const w = packFor(lang).dates
    if (diff === 0) return w.today
    if (diff === 1) return w.tomorrow
    const spoken = new Intl.DateTimeFormat(w.locale, { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', ...(diff < -30 || diff > 300 ? { year: 'numeric' } : {}) }).format(new Date(`${date}T12:00:00Z`))
    return w.onDay(spoken, bare)
  }
  if (diff === 0) return 'today'
  if (diff === 1) return 'tomorrow'
  const { year, month, day } = splitDate(date)
  // The year only matters when it is not the obvious one (a date long past, or more than ~10 months away).
  const withYear = diff < -30 || diff > 300 ? `, ${year}` : ''
  return `${bare ? '' : 'on '}${DAY_NAMES[weekdayOf(date)] ?? ''}, ${MONTH_NAMES[month - 1] ?? ''} ${day}${withYear}`
}

/** 'today at 10 AM' | 'tomorrow at 10 AM' | 'on Monday, December 1 at 2:30 PM' — used verbatim in what the bot says. */
export function describeWhen(startsAt: number, now: number, tz: string, bare = false, lang?: Language): string {
  if (lang !== undefined && lang !== 'en') {
    const w = packFor(lang).dates
    return w.at(describeDay(localDate(startsAt, tz), now, tz, bare, lang), w.clock(localMinutes(startsAt, tz)))
  }
  return `${describeDay(localDate(startsAt, tz), now, tz, bare)} at ${formatClock(localMinutes(startsAt, tz))}`
}

/** '10 AM tomorrow' — time first, for 'is available' sentences. */
export function describeTimeFirst(startsAt: number, now: number, tz: string, lang?: Language): string {
  const w = packFor(lang ?? 'en').dates
  return w.timeFirst(spokenClock(localMinutes(startsAt, tz), lang), describeDay(localDate(startsAt, tz), now, tz, false, lang))
}

/** '10 AM' / '10 Uhr' / 'las 10'. */
export function spokenClock(minutes: number, lang?: Language): string {
  return lang === undefined || lang === 'en' ? formatClock(minutes) : packFor(lang).dates.clock(minutes)
}
