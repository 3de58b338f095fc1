/**
 * @module agents/domain/phrases
 * The sentences tasks share, built from task state and never improvised: the model is told to ask them as they are,
 * so what the caller hears about dates and slots is consistent from one task to the next.
 */
import { formatClock } from '../../config/business-hours'
import { NO_DATE, NO_TIME, describeWhen } from './when'
import { localDate, localMinutes } from './zoned-time'

/** 'What day would you like?', or the problem first: "We're closed on Sundays. Which other day would suit you?" */
export function askDateText(problem: string): string {
  if (problem === '') return 'What day would you like?'
  // A day the caller named but we cannot use calls for an *other* day; words we did not understand do not.
  const other = problem !== NO_DATE && problem !== NO_TIME
  return `${problem} Which ${other ? 'other ' : ''}day would suit you?`
}

/** 'What time would you like?', with the problem and any offered alternatives first. */
export function askTimeText(problem: string, alternatives: readonly number[], date: string | null, now: number, tz: string): string {
  if (alternatives.length > 0) return `${problem === '' ? '' : `${problem} `}I can offer ${listSlots(alternatives, date, now, tz)}. Which would suit you?`
  if (problem === '') return 'What time would you like?'
  return `${problem} What time would suit you?`
}

/** "Sorry, tomorrow at 10 AM is taken." — the lead-in when a check or a booking is refused. */
export function takenText(startsAt: number, now: number, tz: string): string {
  return `Sorry, ${describeWhen(startsAt, now, tz, true)} is taken.`
}

/**
 * '10:30 AM, 11 AM or tomorrow at 9 AM': times on `date` (the day being talked about) by their clock only, others
 * with their day; in time order, which is how people take in a short list.
 */
export function listSlots(slots: readonly number[], date: string | null, now: number, tz: string, join = joinOr): string {
  const words = [...slots]
    .sort((a, b) => a - b)
    .map((t) => (localDate(t, tz) === date ? formatClock(localMinutes(t, tz)) : describeWhen(t, now, tz)))
  return join(words)
}

export function joinOr(words: readonly string[], or = 'or'): string {
  if (words.length <= 1) return words[0] ?? ''
  return `${words.slice(0, -1).join(', ')} ${or} ${words[words.length - 1] ?? ''}`
}

export function joinAnd(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? ''
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`
}

/** First letter up, for a phrase that opens a sentence ('tomorrow at 10 AM …' → 'Tomorrow at 10 AM …'). */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
