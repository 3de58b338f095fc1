/**
 * @module calendar/calendar-config
 * Where bookings go when they go to a CalDAV calendar. One TypeBox section, so the same settings can come from the
 * environment (`CALDAV_*`) or, later, from a `calendar` section of the business file; both end up validated as
 * {@link CalendarSettings}. No section: bookings stay in FastAgent's own store.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

export const CallerDetail = Type.Union([Type.Literal('name'), Type.Literal('number')])

export const CalendarSection = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', description: 'CalDAV server or calendar URL (discovery starts here)' }),
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
