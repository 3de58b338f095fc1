/**
 * @module config/business/business
 * The effective configuration of one business, resolved from its file or from the `BUSINESS_*` variables. Immutable:
 * a reload builds a new one, and a call keeps the one it started with.
 */
import type { Interval, WeekHours } from '../business-hours'
import type { Language } from '../../i18n/languages'
import type { WordingSection } from './sections/wording'
import type { CalendarFile } from '../../calendar/calendar-config'
import type { FieldType } from './sections/tasks'

export type Service = { readonly id: string; readonly name: string; readonly minutes: number; readonly synonyms: readonly string[] }
export type StaffMember = { readonly id: string; readonly name: string; readonly services: readonly string[]; readonly hours: WeekHours }
export type BookingRules = {
  readonly minNoticeMinutes: number
  readonly horizonDays: number
  /** Undefined: no limit. */
  readonly maxOpenPerCaller: number | undefined
}
export type FaqEntry = { readonly q: string; readonly a: string }

/** How calls, texts and callbacks find this business among several (see sections/tenant). */
export type TenantMatch = {
  /** VoiceAI Connect bot names, compared without case. */
  readonly botNames: readonly string[]
  /** E.164 numbers: dialled by callers, shown by its callbacks. */
  readonly numbers: readonly string[]
  /** Its own bearer token (from the file or the variable it names); undefined: AUDIOCODES_BOT_TOKEN. */
  readonly botToken: string | undefined
  /** Its SMS sender; undefined: TWILIO_FROM_NUMBER. */
  readonly smsFrom: string | undefined
}

export const NO_TENANT_MATCH: TenantMatch = { botNames: [], numbers: [], botToken: undefined, smsFrom: undefined }

/** One option of a choice field: the value submitted, and every word a caller may use for it (the value first). */
export type ChoiceOption = { readonly value: string; readonly words: readonly string[] }

export type DeclaredField = {
  readonly name: string
  readonly type: FieldType
  readonly ask: string
  /** "date of birth" in "we still need your date of birth". */
  readonly label: string
  readonly optional: boolean
  readonly minLength: number
  readonly maxLength: number
  readonly min?: number
  readonly max?: number
  readonly options: readonly ChoiceOption[]
}

/** A task declared in the business file (see agents/declared): a form or a look-up submitted by signed webhook. */
export type DeclaredTask = {
  readonly id: string
  readonly kind: 'form' | 'lookup'
  readonly title: string
  readonly description: string
  readonly fields: readonly DeclaredField[]
  /** The read-back with {field} placeholders; undefined: the language pack's "I have … Shall I send it?". */
  readonly confirm?: string
  readonly done?: string
  readonly submit: { readonly url: string; readonly secretEnv: string; readonly caller: 'full' | 'masked' | 'none'; readonly timeoutMs: number }
}

export type Business = {
  /**
   * The tenant's id, carried by every row of this business (store/tenant): `tenant.id`, else the file name without
   * its extension in a folder, else "default" (a single file, or the environment).
   */
  readonly id: string
  readonly tenant: TenantMatch
  /** Where it came from: a file path, or "environment". */
  readonly source: string
  readonly name: string
  readonly timeZone: string
  readonly language: Language
  readonly voice: string | undefined
  readonly hours: WeekHours
  /** Dated exceptions: date (YYYY-MM-DD, local) → that day's spans; an empty list is a closed day. */
  readonly exceptions: Readonly<Record<string, readonly Interval[]>>
  readonly services: readonly Service[]
  readonly staff: readonly StaffMember[]
  readonly booking: BookingRules
  readonly faq: readonly FaqEntry[]
  readonly wording: WordingSection
  /** The calendar section as written (its password may come from CALDAV_PASSWORD): see calendar/calendar-config. */
  readonly calendar?: CalendarFile
  /** Declared forms and look-ups (the business file's `tasks`). */
  readonly tasks: readonly DeclaredTask[]
}

/** Rules when the file (or the environment) says nothing. */
export const DEFAULT_BOOKING: BookingRules = { minNoticeMinutes: 0, horizonDays: 365, maxOpenPerCaller: undefined }
