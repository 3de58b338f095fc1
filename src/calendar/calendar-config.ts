/**
 * @module calendar/calendar-config
 * Where bookings go when they go to a CalDAV calendar: the `calendar` section of the business file when there is one
 * ({@link CalendarFileSection}, snake_case like the rest of the file; the password may stay in `CALDAV_PASSWORD`),
 * otherwise the `CALDAV_*` variables. Both end up validated as {@link CalendarSettings}. Neither: bookings stay in
 * FastAgent's own store.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

export const CallerDetail = Type.Union([Type.Literal('name'), Type.Literal('number')])

export const CalendarSection = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', problem: 'must be an http(s):// URL', description: 'CalDAV server or calendar URL (discovery starts here)' }),
    username: Type.String({ minLength: 1, description: 'CalDAV user name' }),
    password: Type.String({ minLength: 1, description: 'CalDAV password (use an app password)', secret: true }),
    calendar: Type.Optional(Type.String({ minLength: 1, description: 'display name or URL of the calendar (default: the first one)' })),
    callerDetails: Type.Array(CallerDetail, { uniqueItems: true, default: ['name', 'number'], description: "caller data written into the event's title" }),
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 120, default: 10, description: 'deadline of one calendar request' }),
  },
  { additionalProperties: false },
)
export type CalendarSettings = Static<typeof CalendarSection>

/** The environment variables of the section (names as `fastagent --help` and the README list them). */
export type CalendarEnv = {
  readonly CALDAV_URL?: string | undefined
  readonly CALDAV_USERNAME?: string | undefined
  readonly CALDAV_PASSWORD?: string | undefined
  readonly CALDAV_CALENDAR?: string | undefined
  readonly CALDAV_CALLER_DETAILS?: string | undefined
  readonly CALDAV_TIMEOUT_SECONDS?: number | undefined
}

/** `name,number` → ['name', 'number']; `none` → []. Undefined when a word is not a detail. */
export function parseCallerDetails(text: string): Static<typeof CallerDetail>[] | undefined {
  const t = text.trim().toLowerCase()
  if (t === 'none') return []
  const words = t.split(/\s*[,+ ]\s*/).filter((w) => w !== '')
  if (words.length === 0 || !words.every((w) => w === 'name' || w === 'number')) return undefined
  return [...new Set(words as Static<typeof CallerDetail>[])]
}

/** The section from validated environment values; undefined when CalDAV is not configured (CALDAV_URL unset). */
export function calendarFromEnv(env: CalendarEnv): CalendarSettings | undefined {
  if (env.CALDAV_URL === undefined) return undefined
  const section = {
    url: env.CALDAV_URL,
    username: env.CALDAV_USERNAME ?? '',
    password: env.CALDAV_PASSWORD ?? '',
    ...(env.CALDAV_CALENDAR !== undefined ? { calendar: env.CALDAV_CALENDAR } : {}),
    callerDetails: parseCallerDetails(env.CALDAV_CALLER_DETAILS ?? 'name,number') ?? [],
    timeoutSeconds: env.CALDAV_TIMEOUT_SECONDS ?? 10,
  }
  const r = checkCalendarSection(section)
  // The variables were validated one by one at boot; a section that still fails is a bug, not a silent fallback.
  if (!r.ok) throw new Error(`CALDAV_* configuration: ${r.problems.join('; ')}`)
  return r.settings
}

/** Validates a section (from the business file); the problems name the field. */
export function checkCalendarSection(v: unknown): { ok: true; settings: CalendarSettings } | { ok: false; problems: string[] } {
  const withDefaults = Value.Default(CalendarSection, structuredClone(v))
  if (Value.Check(CalendarSection, withDefaults)) return { ok: true, settings: withDefaults }
  const problems = [...Value.Errors(CalendarSection, withDefaults)].map((e) => `calendar${e.path.replace(/\//g, '.')} ${e.message}`)
  return { ok: false, problems }
}

/** The business file's `calendar` section. Unknown keys are errors, like everywhere in the file. */
export const CalendarFileSection = Type.Object(
  {
    url: CalendarSection.properties.url,
    username: CalendarSection.properties.username,
    password: Type.Optional(Type.String({ minLength: 1, description: 'CalDAV password; leave it out to keep it in CALDAV_PASSWORD' })),
    calendar: CalendarSection.properties.calendar,
    caller_details: Type.Optional(Type.Array(CallerDetail, { uniqueItems: true })),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 120 })),
  },
  { additionalProperties: false },
)
export type CalendarFile = Static<typeof CalendarFileSection>

export type ChosenCalendar = { ok: true; settings: CalendarSettings | undefined } | { ok: false; problem: string }

/** The business file's section when there is one (password from it or from CALDAV_PASSWORD), else CALDAV_*. */
export function chooseCalendar(file: CalendarFile | undefined, env: CalendarEnv): ChosenCalendar {
  if (!file) return { ok: true, settings: calendarFromEnv(env) }
  const password = file.password ?? env.CALDAV_PASSWORD
  if (password === undefined) return { ok: false, problem: 'calendar.password is missing: set it in the business file or in CALDAV_PASSWORD' }
  const r = checkCalendarSection({
    url: file.url,
    username: file.username,
    password,
    ...(file.calendar !== undefined ? { calendar: file.calendar } : {}),
    ...(file.caller_details !== undefined ? { callerDetails: file.caller_details } : {}),
    ...(file.timeout_seconds !== undefined ? { timeoutSeconds: file.timeout_seconds } : {}),
  })
  return r.ok ? { ok: true, settings: r.settings } : { ok: false, problem: r.problems.join('; ') }
}
