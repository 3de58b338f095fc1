/**
 * @module agents/domain/slot-request
 * Turning what the caller said ('tomorrow', '10 AM', 'the 10:30 one') into a bookable slot, shared by every task that
 * asks for a date and a time. The draft keeps what is known so far; `resolveSlot` folds new words into it and says
 * what is still missing and why, and `applyResolution` writes that back. Pure: `now` comes from the event.
 */
import { Type, type Static } from '@sinclair/typebox'
import { parseDate, parseTime } from './when'
import { packFor } from '../../i18n/packs'
import { checkDay, checkSlot, slotProblemText, spansOn } from './slots'
import type { Settings } from './settings'
import { localDate, localMinutes } from './zoned-time'

export const SlotDraftSchema = Type.Object({
  date: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()]),
  minutes: Type.Union([Type.Integer({ minimum: 0, maximum: 1439 }), Type.Null()]),
  /** Set once the slot passed `checkSlot`; the instant that is checked, confirmed and booked. */
  startsAt: Type.Union([Type.Integer(), Type.Null()]),
  /** Free slots the runtime offered after a refusal; a bare time the caller says next is matched against them. */
  alternatives: Type.Array(Type.Integer()),
  /** Why the last answer did not work, said before the next question; '' when there is nothing to explain. */
  problem: Type.String(),
})
export type SlotDraft = Static<typeof SlotDraftSchema>

export const EMPTY_DRAFT: SlotDraft = { date: null, minutes: null, startsAt: null, alternatives: [], problem: '' }

export type SlotWords = { readonly date?: string | undefined; readonly time?: string | undefined }

export type Resolution =
  | { readonly kind: 'ask_date'; readonly minutes: number | null; readonly problem: string }
  | { readonly kind: 'ask_time'; readonly date: string; readonly problem: string }
  | { readonly kind: 'ready'; readonly date: string; readonly minutes: number; readonly startsAt: number }

export function resolveSlot(s: Settings, draft: SlotDraft, words: SlotWords, now: number): Resolution {
  let date = draft.date
  let minutes = draft.minutes
  // The parsers' reasons are English; what the caller hears is the pack's.
  const { noDate: NO_DATE, noTime: NO_TIME } = packFor(s.language ?? 'en').slots
  if (words.date !== undefined) {
    const d = parseDate(words.date, now, s.tz, s.hours, s.language)
    if (!d.ok) return { kind: 'ask_date', minutes, problem: NO_DATE }
    date = d.date
    if (d.minutes !== undefined) minutes = d.minutes
  }
  if (words.time !== undefined) {
    const t = parseTime(words.time, date === null ? s.hours.flat() : spansOn(s, date), s.language)
    if (t.ok) {
      minutes = t.minutes
      // 'The 9 AM one' picks an offered alternative, which may be on another day than the one first asked for.
      const offered = words.date === undefined ? draft.alternatives.find((a) => localMinutes(a, s.tz) === t.minutes) : undefined
      if (offered !== undefined) date = localDate(offered, s.tz)
    } else {
      // A time field holding 'tomorrow at 10' is still understood.
      const both = parseDate(words.time, now, s.tz, s.hours, s.language)
      if (!both.ok || both.minutes === undefined) {
        return date === null ? { kind: 'ask_date', minutes, problem: NO_TIME } : { kind: 'ask_time', date, problem: NO_TIME }
      }
      if (words.date === undefined) date = both.date
      minutes = both.minutes
    }
  }
  if (date === null) return { kind: 'ask_date', minutes, problem: '' }
  const day = checkDay(date, s, s.slotMinutes, s.tz, now)
  if (!day.ok) return { kind: 'ask_date', minutes, problem: slotProblemText(day, s.language) }
  if (minutes === null) return { kind: 'ask_time', date, problem: '' }
  const slot = checkSlot(date, minutes, s, s.slotMinutes, s.tz, now)
  if (!slot.ok) return { kind: 'ask_time', date, problem: slotProblemText(slot, s.language) }
  return { kind: 'ready', date, minutes, startsAt: slot.startsAt }
}

/** The draft after a resolution: an unusable date is forgotten, a usable time is kept for the next date. */
export function applyResolution(draft: SlotDraft, r: Resolution): SlotDraft {
  switch (r.kind) {
    case 'ask_date':
      return { ...draft, date: null, minutes: r.minutes, startsAt: null, problem: r.problem }
    case 'ask_time':
      return { ...draft, date: r.date, minutes: null, startsAt: null, problem: r.problem }
    case 'ready':
      return { ...draft, date: r.date, minutes: r.minutes, startsAt: r.startsAt, problem: '' }
  }
}

/** True when the caller said anything about a date or a time. */
export function hasSlotWords(w: SlotWords): boolean {
  return w.date !== undefined || w.time !== undefined
}
