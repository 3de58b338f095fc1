/**
 * @module agents/domain/phrases
 * The sentences tasks share, built from task state and never improvised: the model is told to ask them as they are,
 * so what the caller hears about dates and slots is consistent from one task to the next. Every sentence comes from
 * the call's language pack (`lang` absent: English).
 */
import type { Language } from '../../i18n/languages'
import { packFor } from '../../i18n/packs'
import type { LanguagePack } from '../../i18n/pack'
import { describeWhen, spokenClock } from './when'
import { localDate, localMinutes } from './zoned-time'

export const packOf = (lang: Language | undefined): LanguagePack => packFor(lang ?? 'en')

/** 'What day would you like?', or the problem first: "We're closed on Sundays. Which other day would suit you?" */
export function askDateText(problem: string, lang?: Language, plain?: string): string {
  const p = packOf(lang)
  if (problem === '') return plain ?? p.booking.askDate
  // A day the caller named but we cannot use calls for an *other* day; words we did not understand do not.
  const other = problem !== p.slots.noDate && problem !== p.slots.noTime
  return p.slots.askDayAgain(problem, other)
}

/** 'What time would you like?', with the problem and any offered alternatives first. */
export function askTimeText(problem: string, alternatives: readonly number[], date: string | null, now: number, tz: string, lang?: Language): string {
  const p = packOf(lang)
  if (alternatives.length > 0) return p.slots.offer(problem, listSlots(alternatives, date, now, tz, (w) => joinOr(w, p.dates.or), lang))
  if (problem === '') return p.booking.askTime
  return p.slots.askTimeAgain(problem)
}

/** "Sorry, tomorrow at 10 AM is taken." — the lead-in when a check or a booking is refused. */
export function takenText(startsAt: number, now: number, tz: string, lang?: Language): string {
  return packOf(lang).slots.taken(describeWhen(startsAt, now, tz, true, lang))
}

/**
 * '10:30 AM, 11 AM or tomorrow at 9 AM': times on `date` (the day being talked about) by their clock only, others
 * with their day; in time order, which is how people take in a short list.
 */
export function listSlots(slots: readonly number[], date: string | null, now: number, tz: string, join: (words: readonly string[]) => string = joinOr, lang?: Language): string {
  const words = [...slots]
    .sort((a, b) => a - b)
    .map((t) => (localDate(t, tz) === date ? spokenClock(localMinutes(t, tz), lang) : describeWhen(t, now, tz, false, lang)))
  return join(words)
}

export function joinOr(words: readonly string[], or = 'or'): string {
  if (words.length <= 1) return words[0] ?? ''
  return `${words.slice(0, -1).join(', ')} ${or} ${words[words.length - 1] ?? ''}`
}

export function joinAnd(words: readonly string[], and = 'and'): string {
  return joinOr(words, and)
}

/** A problem (may be '') and the sentence after it. */
export const lead = (problem: string, text: string): string => (problem === '' ? text : `${problem} ${text}`)

/** First letter up, for a phrase that opens a sentence ('tomorrow at 10 AM …' → 'Tomorrow at 10 AM …'). */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
