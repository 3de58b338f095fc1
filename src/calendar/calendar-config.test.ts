import { describe, expect, test } from 'bun:test'
import { formatProblems, loadConfig } from '../config/load'
import { parseBusinessText } from '../config/business/load'
import { calendarFromEnv, checkCalendarSection, chooseCalendar, parseCallerDetails } from './calendar-config'

const caldav = { CALDAV_URL: 'https://caldav.example.com/', CALDAV_USERNAME: 'clinic@example.com', CALDAV_PASSWORD: 'app-pass-word-123' }

describe('CalDAV configuration from the environment', () => {
  test('unset: the built-in store', () => {
    const r = loadConfig({})
    expect(r.ok).toBe(true)
    if (r.ok) expect(calendarFromEnv(r.config)).toBeUndefined()
  })

  test('the URL without the credentials names each missing variable; bad values are named too', () => {
    const r = loadConfig({ CALDAV_URL: 'https://caldav.example.com/' })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.map((p) => p.variable).sort()).toEqual(['CALDAV_PASSWORD', 'CALDAV_USERNAME'])
    const bad = loadConfig({ ...caldav, CALDAV_URL: 'ftp://x', CALDAV_CALLER_DETAILS: 'email', CALDAV_TIMEOUT_SECONDS: '0' })
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    const byVar = Object.fromEntries(bad.problems.map((p) => [p.variable, p.reason]))
    expect(Object.keys(byVar).sort()).toEqual(['CALDAV_CALLER_DETAILS', 'CALDAV_TIMEOUT_SECONDS', 'CALDAV_URL'])
    expect(byVar.CALDAV_CALLER_DETAILS).toBe('must be "name,number", "name", "number" or "none" (got "email")')
  })

  test('a valid set becomes the calendar section; the password is never printed', () => {
    const r = loadConfig({ ...caldav, CALDAV_CALENDAR: 'Appointments', CALDAV_CALLER_DETAILS: 'number' })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(calendarFromEnv(r.config)).toEqual({
      url: 'https://caldav.example.com/',
      username: 'clinic@example.com',
      password: 'app-pass-word-123',
      calendar: 'Appointments',
      callerDetails: ['number'],
      timeoutSeconds: 10,
    })
    const bad = loadConfig({ ...caldav, CALDAV_URL: 'nope' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(formatProblems(bad.problems)).not.toContain('app-pass-word-123')
  })

  test('OAuth instead of a password (Google): the three variables together, never with a password', () => {
    const oauth = { CALDAV_URL: 'https://apidata.googleusercontent.com/caldav/v2/clinic%40gmail.com/events', CALDAV_OAUTH_CLIENT_ID: 'cid.apps.googleusercontent.com', CALDAV_OAUTH_CLIENT_SECRET: 'oauth-secret-9', CALDAV_OAUTH_REFRESH_TOKEN: '1//refresh-9' }
    const r = loadConfig(oauth)
    expect(r.ok).toBe(true)
    if (r.ok) {
      expect(calendarFromEnv(r.config)).toEqual({
        url: oauth.CALDAV_URL,
        oauth: { tokenUrl: 'https://oauth2.googleapis.com/token', clientId: oauth.CALDAV_OAUTH_CLIENT_ID, clientSecret: 'oauth-secret-9', refreshToken: '1//refresh-9' },
        callerDetails: ['name', 'number'],
        timeoutSeconds: 10,
      })
    }
    const partial = loadConfig({ ...oauth, CALDAV_OAUTH_REFRESH_TOKEN: '' })
    expect(partial.ok).toBe(false)
    if (!partial.ok) expect(partial.problems).toEqual([{ variable: 'CALDAV_OAUTH_REFRESH_TOKEN', reason: 'is missing: OAuth sign-in to the calendar needs the client id, client secret and refresh token together' }])
    const both = loadConfig({ ...oauth, CALDAV_USERNAME: 'u', CALDAV_PASSWORD: 'p' })
    expect(both.ok).toBe(false)
    if (!both.ok) {
      expect(both.problems.map((p) => p.variable)).toEqual(['CALDAV_PASSWORD'])
      const text = formatProblems(both.problems)
      for (const secret of ['oauth-secret-9', '1//refresh-9']) expect(text).not.toContain(secret)
    }
    const noUrl = loadConfig({ CALDAV_OAUTH_CLIENT_ID: 'a', CALDAV_OAUTH_CLIENT_SECRET: 'b', CALDAV_OAUTH_REFRESH_TOKEN: 'c' })
    expect(!noUrl.ok && noUrl.problems.map((p) => p.variable)).toEqual(['CALDAV_URL'])
  })

  test('caller details', () => {
    expect(parseCallerDetails('name,number')).toEqual(['name', 'number'])
    expect(parseCallerDetails(' Number ')).toEqual(['number'])
    expect(parseCallerDetails('none')).toEqual([])
    expect(parseCallerDetails('name,email')).toBeUndefined()
  })
})

describe('the calendar section of a business file', () => {
  test('defaults filled, unknown or bad fields named', () => {
    const ok = checkCalendarSection({ url: 'https://cloud.example.com/remote.php/dav', username: 'u', password: 'p' })
    expect(ok).toEqual({ ok: true, settings: { url: 'https://cloud.example.com/remote.php/dav', username: 'u', password: 'p', callerDetails: ['name', 'number'], timeoutSeconds: 10 } })
    const bad = checkCalendarSection({ url: 'cloud.example.com', username: 'u', password: 'p', colour: 'red' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.problems.join('\n')).toContain('calendar.url')
  })
})

describe('the calendar section in a real business file', () => {
  const MIN = 'business: { name: Clinic, timezone: Europe/Berlin }\nhours: { mon-fri: "09:00-17:00" }\n'
  const parse = (yaml: string) => parseBusinessText(yaml, 'clinic.yaml', 'clinic')

  test('the file wins over CALDAV_*; the password may stay in CALDAV_PASSWORD', () => {
    const r = parse(`${MIN}calendar:\n  url: https://cloud.example.com/remote.php/dav\n  username: reception\n  calendar: Appointments\n  caller_details: [number]\n`)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const chosen = chooseCalendar(r.business.calendar, { ...caldav, CALDAV_PASSWORD: 'from-env-123' })
    expect(chosen).toEqual({
      ok: true,
      settings: { url: 'https://cloud.example.com/remote.php/dav', username: 'reception', password: 'from-env-123', calendar: 'Appointments', callerDetails: ['number'], timeoutSeconds: 10 },
    })
    expect(chooseCalendar(r.business.calendar, {})).toEqual({ ok: false, problem: 'calendar.password is missing: set it in the business file or in CALDAV_PASSWORD' })
    // Without a section the variables decide.
    const plain = parse(MIN)
    expect(plain.ok && chooseCalendar(plain.business.calendar, caldav)).toMatchObject({ ok: true, settings: { url: caldav.CALDAV_URL } })
  })

  test('an OAuth section: secrets may stay in the environment; a password beside it is refused', () => {
    const r = parse(`${MIN}calendar:\n  url: https://apidata.googleusercontent.com/caldav/v2/clinic%40gmail.com/events\n  oauth: { client_id: cid.apps.googleusercontent.com }\n`)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(chooseCalendar(r.business.calendar, { CALDAV_OAUTH_CLIENT_SECRET: 's-env', CALDAV_OAUTH_REFRESH_TOKEN: 'rt-env' })).toMatchObject({
      ok: true,
      settings: { oauth: { tokenUrl: 'https://oauth2.googleapis.com/token', clientId: 'cid.apps.googleusercontent.com', clientSecret: 's-env', refreshToken: 'rt-env' } },
    })
    expect(chooseCalendar(r.business.calendar, { CALDAV_OAUTH_CLIENT_SECRET: 's-env' })).toEqual({
      ok: false,
      problem: 'calendar.oauth.refresh_token is missing: set it in the business file or in CALDAV_OAUTH_REFRESH_TOKEN',
    })
    const both = parse(`${MIN}calendar: { url: https://x.example/dav, username: u, password: p, oauth: { client_id: c, client_secret: s, refresh_token: t } }\n`)
    expect(both.ok && chooseCalendar(both.business.calendar, {})).toEqual({ ok: false, problem: 'calendar: sign in with a user name and password or with OAuth, not both' })
    const neither = parse(`${MIN}calendar: { url: https://x.example/dav }\n`)
    expect(neither.ok && chooseCalendar(neither.business.calendar, {})).toEqual({ ok: false, problem: 'calendar.username is missing: a password sign-in needs it (or use calendar.oauth)' })
  })

  test('a bad section is named by its path', () => {
    const r = parse(`${MIN}calendar: { url: cloud.example.com, username: u, colour: red }\n`)
    expect(r.ok).toBe(false)
    if (r.ok) return
    const problems = r.problems.map((p) => `${p.path}: ${p.reason}`)
    expect(problems).toContain('calendar.url: must be an http(s):// URL')
    expect(problems.some((p) => p.startsWith('calendar.colour: unknown key'))).toBe(true)
  })
})
