/**
 * @module calendar/calendar-config
 * Where bookings go when they go to a CalDAV calendar: the `calendar` section of the business file when there is one
 * ({@link CalendarFileSection}, snake_case like the rest of the file; the password may stay in `CALDAV_PASSWORD`),
 * otherwise the `CALDAV_*` variables. Both end up validated as {@link CalendarSettings}. Neither: bookings stay in
 * FastAgent's own store. A calendar signs in one of two ways, never both: a user name with an (app) password, or
 * OAuth 2.0 with a refresh token (Google accepts nothing else).
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { GOOGLE_TOKEN_URL } from './oauth-token'

/** OAuth 2.0 sign-in (refresh-token grant), instead of a password. */
export const OAuthSection = Type.Object(
  {
    tokenUrl: Type.String({ pattern: '^https?://[^\\s]+$', problem: 'must be an http(s):// URL', default: GOOGLE_TOKEN_URL, description: "the provider's token endpoint" }),
    clientId: Type.String({ minLength: 1, description: 'OAuth client id' }),
    clientSecret: Type.String({ minLength: 1, description: 'OAuth client secret', secret: true }),
    refreshToken: Type.String({ minLength: 1, description: 'refresh token with the calendar scope', secret: true }),
  },
  { additionalProperties: false },
)

export const CallerDetail = Type.Union([Type.Literal('name'), Type.Literal('number')])

export const CalendarSection = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', problem: 'must be an http(s):// URL', description: 'CalDAV server or calendar URL (discovery starts here)' }),
    username: Type.Optional(Type.String({ minLength: 1, description: 'CalDAV user name (with a password)' })),
    password: Type.Optional(Type.String({ minLength: 1, description: 'CalDAV password (use an app password)', secret: true })),
    oauth: Type.Optional(OAuthSection),
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
  readonly CALDAV_OAUTH_TOKEN_URL?: string | undefined
  readonly CALDAV_OAUTH_CLIENT_ID?: string | undefined
  readonly CALDAV_OAUTH_CLIENT_SECRET?: string | undefined
  readonly CALDAV_OAUTH_REFRESH_TOKEN?: string | undefined
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
    ...(env.CALDAV_USERNAME !== undefined ? { username: env.CALDAV_USERNAME } : {}),
    ...(env.CALDAV_PASSWORD !== undefined ? { password: env.CALDAV_PASSWORD } : {}),
    ...(oauthFromEnv(env) ?? {}),
    ...(env.CALDAV_CALENDAR !== undefined ? { calendar: env.CALDAV_CALENDAR } : {}),
    callerDetails: parseCallerDetails(env.CALDAV_CALLER_DETAILS ?? 'name,number') ?? [],
    timeoutSeconds: env.CALDAV_TIMEOUT_SECONDS ?? 10,
  }
  const r = checkCalendarSection(section)
  // The variables were validated one by one at boot; a section that still fails is a bug, not a silent fallback.
  if (!r.ok) throw new Error(`CALDAV_* configuration: ${r.problems.join('; ')}`)
  return r.settings
}

function oauthFromEnv(env: CalendarEnv): { oauth: Record<string, string> } | undefined {
  if (env.CALDAV_OAUTH_REFRESH_TOKEN === undefined && env.CALDAV_OAUTH_CLIENT_ID === undefined && env.CALDAV_OAUTH_CLIENT_SECRET === undefined) return undefined
  return {
    oauth: {
      ...(env.CALDAV_OAUTH_TOKEN_URL !== undefined ? { tokenUrl: env.CALDAV_OAUTH_TOKEN_URL } : {}),
      clientId: env.CALDAV_OAUTH_CLIENT_ID ?? '',
      clientSecret: env.CALDAV_OAUTH_CLIENT_SECRET ?? '',
      refreshToken: env.CALDAV_OAUTH_REFRESH_TOKEN ?? '',
    },
  }
}

/** How the calendar signs in: exactly one of a password (with its user name) or OAuth. */
export function signInProblem(s: { username?: string | undefined; password?: string | undefined; oauth?: unknown }): string | undefined {
  if (s.oauth !== undefined && (s.password !== undefined || s.username !== undefined)) return 'sign in with a user name and password or with OAuth, not both'
  if (s.oauth !== undefined) return undefined
  if (s.password === undefined || s.username === undefined) return 'needs a user name and password, or OAuth (oauth client id, client secret and refresh token)'
  return undefined
}

/** Validates a section (from the business file); the problems name the field. */
export function checkCalendarSection(v: unknown): { ok: true; settings: CalendarSettings } | { ok: false; problems: string[] } {
  const withDefaults = Value.Default(CalendarSection, structuredClone(v))
  if (Value.Check(CalendarSection, withDefaults)) {
    const problem = signInProblem(withDefaults)
    return problem === undefined ? { ok: true, settings: withDefaults } : { ok: false, problems: [`calendar: ${problem}`] }
  }
  const problems = [...Value.Errors(CalendarSection, withDefaults)].map((e) => `calendar${e.path.replace(/\//g, '.')} ${e.message}`)
  return { ok: false, problems }
}

/** The business file's `calendar` section. Unknown keys are errors, like everywhere in the file. */
export const CalendarFileSection = Type.Object(
  {
    url: CalendarSection.properties.url,
    username: Type.Optional(Type.String({ minLength: 1, description: 'CalDAV user name (with a password)' })),
    password: Type.Optional(Type.String({ minLength: 1, description: 'CalDAV password; leave it out to keep it in CALDAV_PASSWORD' })),
    oauth: Type.Optional(
      Type.Object(
        {
          token_url: Type.Optional(OAuthSection.properties.tokenUrl),
          client_id: OAuthSection.properties.clientId,
          client_secret: Type.Optional(Type.String({ minLength: 1, description: 'leave it out to keep it in CALDAV_OAUTH_CLIENT_SECRET' })),
          refresh_token: Type.Optional(Type.String({ minLength: 1, description: 'leave it out to keep it in CALDAV_OAUTH_REFRESH_TOKEN' })),
        },
        { additionalProperties: false },
      ),
    ),
    calendar: CalendarSection.properties.calendar,
    caller_details: Type.Optional(Type.Array(CallerDetail, { uniqueItems: true })),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 120 })),
  },
  { additionalProperties: false },
)
export type CalendarFile = Static<typeof CalendarFileSection>

export type ChosenCalendar = { ok: true; settings: CalendarSettings | undefined } | { ok: false; problem: string }

/**
 * The business file's section when there is one, else CALDAV_*. Secrets may stay in the environment (the password,
 * the OAuth client secret and refresh token), so the file can be shared without them.
 */
export function chooseCalendar(file: CalendarFile | undefined, env: CalendarEnv): ChosenCalendar {
  if (!file) return { ok: true, settings: calendarFromEnv(env) }
  let signIn: Record<string, unknown>
  if (file.oauth) {
    const clientSecret = file.oauth.client_secret ?? env.CALDAV_OAUTH_CLIENT_SECRET
    const refreshToken = file.oauth.refresh_token ?? env.CALDAV_OAUTH_REFRESH_TOKEN
    if (clientSecret === undefined) return { ok: false, problem: 'calendar.oauth.client_secret is missing: set it in the business file or in CALDAV_OAUTH_CLIENT_SECRET' }
    if (refreshToken === undefined) return { ok: false, problem: 'calendar.oauth.refresh_token is missing: set it in the business file or in CALDAV_OAUTH_REFRESH_TOKEN' }
    signIn = {
      ...(file.username !== undefined ? { username: file.username } : {}),
      ...(file.password !== undefined ? { password: file.password } : {}),
      oauth: { ...(file.oauth.token_url !== undefined ? { tokenUrl: file.oauth.token_url } : {}), clientId: file.oauth.client_id, clientSecret, refreshToken },
    }
  } else {
    const password = file.password ?? env.CALDAV_PASSWORD
    if (file.username === undefined) return { ok: false, problem: 'calendar.username is missing: a password sign-in needs it (or use calendar.oauth)' }
    if (password === undefined) return { ok: false, problem: 'calendar.password is missing: set it in the business file or in CALDAV_PASSWORD' }
    signIn = { username: file.username, password }
  }
  const r = checkCalendarSection({
    url: file.url,
    ...signIn,
    ...(file.calendar !== undefined ? { calendar: file.calendar } : {}),
    ...(file.caller_details !== undefined ? { callerDetails: file.caller_details } : {}),
    ...(file.timeout_seconds !== undefined ? { timeoutSeconds: file.timeout_seconds } : {}),
  })
  return r.ok ? { ok: true, settings: r.settings } : { ok: false, problem: r.problems.join('; ') }
}
