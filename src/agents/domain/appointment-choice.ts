/**
 * @module agents/domain/appointment-choice
 * Which of the caller's appointments they mean ('the one on Friday', 'the 10 o'clock one'), and how the bot names
 * them. Used by the tasks that act on an existing appointment (cancel, reschedule).
 */
import type { Appointment } from '../effects'
import { joinAnd } from './phrases'
import type { Language } from '../../i18n/languages'
import { packFor } from '../../i18n/packs'
import type { Settings } from './settings'
import { describeWhen, parseDate, parseTime } from './when'
import { localDate, localMinutes } from './zoned-time'

export type ChoiceWords = { readonly date?: string | null | undefined; readonly time?: string | null | undefined }

/** Upcoming appointments only (a past one can be neither cancelled nor moved), soonest first. */
export function upcoming(list: readonly Appointment[], now: number): Appointment[] {
  return list.filter((a) => a.startsAt > now).sort((a, b) => a.startsAt - b.startsAt)
}

/** The appointments that fit everything the caller said; words that cannot be understood match nothing. */
export function matching(list: readonly Appointment[], words: ChoiceWords, s: Settings, now: number): Appointment[] {
  let out = [...list]
  if (words.date !== undefined && words.date !== null) {
    const d = parseDate(words.date, now, s.tz, s.hours, s.language)
    if (!d.ok) return []
    out = out.filter((a) => localDate(a.startsAt, s.tz) === d.date && (d.minutes === undefined || localMinutes(a.startsAt, s.tz) === d.minutes))
  }
  if (words.time !== undefined && words.time !== null) {
    const t = parseTime(words.time, s.hours.flat(), s.language)
    if (!t.ok) return []
    out = out.filter((a) => localMinutes(a.startsAt, s.tz) === t.minutes)
  }
  return out
}

/**
 * The one appointment meant: the only one matching the words, or the only one there is (whatever was said: the
 * confirmation names it, so a caller who misremembered the day hears which one it is and can say no).
 */
export function chosen(list: readonly Appointment[], words: ChoiceWords, s: Settings, now: number): Appointment | undefined {
  if (list.length === 1) return list[0]
  const said = (words.date ?? null) !== null || (words.time ?? null) !== null
  const m = said ? matching(list, words, s, now) : list
  return m.length === 1 ? m[0] : undefined
}

/** 'tomorrow at 10 AM and on Friday, December 4 at 2 PM' */
export function listAppointments(list: readonly Appointment[], now: number, tz: string, lang?: Language): string {
  return joinAnd(list.map((a) => describeWhen(a.startsAt, now, tz, false, lang)), packFor(lang ?? 'en').dates.and)
}
