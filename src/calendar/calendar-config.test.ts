import { describe, expect, test } from 'bun:test'
import { formatProblems, loadConfig } from '../config/load'
import { calendarFromEnv, checkCalendarSection, parseCallerDetails } from './calendar-config'

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
