/**
 * @module calendar/caldav-client
 * The CalDAV calendar, through tsdav (discovery, REPORT, PUT/DELETE with ETags; no hand-written XML). Every request
 * has its own deadline and none waits for another, so one call's slow calendar request never holds up another call.
 * A server error never looks like an empty calendar: a failed REPORT or PROPFIND throws {@link CalendarUnreachable}.
 */
import { createDAVClient, type DAVCalendar } from 'tsdav'
import type { CalendarSettings } from './calendar-config'
import { OAuthRefused, oauthTokenSource } from './oauth-token'

export type CalendarObject = { readonly url: string; readonly etag: string | undefined; readonly data: string }

/** The calendar could not be asked (network, timeout, 5xx, refused credentials): the answer is unknown, not "no". */
export class CalendarUnreachable extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CalendarUnreachable'
  }
}

export type WriteResult = 'ok' | 'exists' | 'changed' | 'gone'

export interface CalendarClient {
  /** Discovery and the chosen calendar (cached after the first success). */
  connect(): Promise<{ url: string; name: string }>
  /** Every object with an event (or free-busy) in [from, to). */
  objectsBetween(from: number, to: number): Promise<CalendarObject[]>
  /** Objects by file name, missing ones left out. */
  get(files: readonly string[]): Promise<CalendarObject[]>
  /** PUT with If-None-Match: * → 'ok', or 'exists' (412: already there). */
  create(file: string, ics: string): Promise<WriteResult>
  /** PUT with If-Match → 'ok', 'changed' (412: edited meanwhile) or 'gone' (404). */
  update(object: CalendarObject, ics: string): Promise<WriteResult>
  /** DELETE (If-Match when the ETag is known) → 'ok', 'gone' or 'changed'. */
  remove(object: Pick<CalendarObject, 'url' | 'etag'>): Promise<WriteResult>
  /** The object URL a file name has in the calendar. */
  urlOf(file: string): Promise<string>
}

type Dav = Awaited<ReturnType<typeof createDAVClient>>

const READS = new Set(['PROPFIND', 'REPORT'])

export function caldavClient(s: CalendarSettings): CalendarClient {
  const timeoutMs = s.timeoutSeconds * 1000
  /**
   * Every request tsdav makes goes through here: a deadline of its own, and reads that failed become errors (tsdav
   * folds a failed REPORT into an empty answer, which would read as "the whole day is free").
   */
  const tokens = s.oauth ? oauthTokenSource(s.oauth, { timeoutMs }) : undefined
  const send = async (input: string | URL | Request, init: RequestInit | undefined, authorization: string | undefined) => {
    const headers = new Headers(init?.headers)
    if (authorization !== undefined) headers.set('authorization', authorization)
    try {
      return await fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      throw new CalendarUnreachable(err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${s.timeoutSeconds} s` : `cannot connect (${errText(err)})`)
    }
  }
  const bearer = async () => {
    try {
      return await tokens?.authorization()
    } catch (err) {
      throw new CalendarUnreachable(err instanceof OAuthRefused ? `OAuth: ${err.message}` : errText(err))
    }
  }
  const timedFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const used = await bearer()
    let res = await send(input, init, used)
    // An access token can die before its stated expiry (revoked, rotated): refresh once and send again. Every body
    // tsdav sends is a string, so the request can be repeated as it was.
    if (res.status === 401 && tokens && used !== undefined) {
      void res.body?.cancel()
      tokens.refused(used)
      res = await send(input, init, await bearer())
    }
    const method = (init?.method ?? 'GET').toUpperCase()
    if (res.status === 401 || res.status === 403) throw new CalendarUnreachable(`credentials refused (${res.status})`)
    if (res.status >= 500) throw new CalendarUnreachable(`server error ${res.status}`)
    if (READS.has(method) && !res.ok) throw new CalendarUnreachable(`${method} answered ${res.status}`)
    return res
  }) as typeof fetch

  let ready: Promise<{ dav: Dav; calendar: DAVCalendar }> | undefined
  const open = async () => {
    const dav = await createDAVClient({
      serverUrl: s.url,
      // With OAuth the bearer token is set per request by timedFetch (it expires; tsdav would keep the first one).
      ...(s.oauth
        ? { credentials: {}, authMethod: 'Custom' as const, authFunction: async () => ({}) }
        : { credentials: { username: s.username ?? '', password: s.password ?? '' }, authMethod: 'Basic' as const }),
      defaultAccountType: 'caldav',
      fetch: timedFetch,
    })
    const calendars = (await dav.fetchCalendars()).filter((c) => c.components === undefined || c.components.includes('VEVENT'))
    const want = s.calendar
    const calendar =
      want === undefined
        ? calendars[0]
        : calendars.find((c) => displayName(c) === want || c.url === want || trimSlash(new URL(c.url).pathname) === trimSlash(want) || lastSegment(c.url) === want)
    if (!calendar) {
      const names = calendars.map((c) => JSON.stringify(displayName(c) || lastSegment(c.url))).join(', ') || 'none'
      throw new CalendarUnreachable(want === undefined ? 'the account has no calendar' : `no calendar named ${JSON.stringify(want)} (found: ${names})`)
    }
    return { dav, calendar }
  }
  // A failed discovery is not cached: the next request tries again (the calendar may be back).
  const session = () => (ready ??= open().catch((err) => {
    ready = undefined
    throw err instanceof CalendarUnreachable ? err : new CalendarUnreachable(errText(err))
  }))

  const urlOf = async (file: string) => new URL(file, withSlash((await session()).calendar.url)).href
  const objects = (list: { url: string; etag?: string | undefined; data?: unknown }[]): CalendarObject[] =>
    list.flatMap((o) => (typeof o.data === 'string' && o.data.includes('BEGIN:VCALENDAR') ? [{ url: o.url, etag: o.etag, data: o.data }] : []))

  return {
    async connect() {
      const { calendar } = await session()
      return { url: calendar.url, name: displayName(calendar) || lastSegment(calendar.url) }
    },
    async objectsBetween(from, to) {
      const { dav, calendar } = await session()
      const timeRange = { start: new Date(from).toISOString(), end: new Date(to).toISOString() }
      // Events by the server's time-range filter; free-busy objects cannot be filtered by every server (Radicale
      // cannot), so they come whole and are cut to the window when parsed.
      const [events, freeBusy] = await Promise.all([
        emptyOk(dav.fetchCalendarObjects({ calendar, timeRange, useMultiGet: false })),
        emptyOk(dav.fetchCalendarObjects({
          calendar,
          useMultiGet: false,
          filters: [{ 'comp-filter': { _attributes: { name: 'VCALENDAR' }, 'comp-filter': { _attributes: { name: 'VFREEBUSY' } } } }],
        })),
      ])
      return objects([...events, ...freeBusy.filter((o) => typeof o.data === 'string' && o.data.includes('BEGIN:VFREEBUSY'))])
    },
    async get(files) {
      if (files.length === 0) return []
      const { dav, calendar } = await session()
      const urls = await Promise.all(files.map(urlOf))
      // One multiget per object: tsdav fails a whole multiget when one of its objects is missing.
      const each = await Promise.all(urls.map((url) => emptyOk(dav.fetchCalendarObjects({ calendar, objectUrls: [url] }))))
      return objects(each.flat())
    },
    async create(file, ics) {
      const { dav, calendar } = await session()
      const res = await dav.createCalendarObject({ calendar, iCalString: ics, filename: file })
      return writeResult(res, 'create')
    },
    async update(object, ics) {
      const { dav } = await session()
      const res = await dav.updateCalendarObject({ calendarObject: { url: object.url, data: ics, ...(object.etag !== undefined ? { etag: object.etag } : {}) } })
      return writeResult(res, 'update')
    },
    async remove(object) {
      const { dav } = await session()
      const res = await dav.deleteCalendarObject({ calendarObject: { url: object.url, ...(object.etag !== undefined ? { etag: object.etag } : {}) } })
      return writeResult(res, 'delete')
    },
    urlOf,
  }
}

/**
 * tsdav reports an empty multistatus (207, no match) as "Collection query failed: 404". Real HTTP failures never get
 * that far (timedFetch throws on them first), so here it means "nothing there".
 */
async function emptyOk<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p
  } catch (err) {
    if (err instanceof Error && !(err instanceof CalendarUnreachable) && /query failed: 404/.test(err.message)) return []
    if (err instanceof CalendarUnreachable) throw err
    throw new CalendarUnreachable(errText(err))
  }
}

function writeResult(res: Response, what: string): WriteResult {
  void res.body?.cancel()
  if (res.ok) return 'ok'
  if (res.status === 412) return what === 'create' ? 'exists' : 'changed'
  if (res.status === 404 || res.status === 410) return 'gone'
  throw new CalendarUnreachable(`${what} answered ${res.status}`)
}

const displayName = (c: DAVCalendar) => (typeof c.displayName === 'string' ? c.displayName : '')
const trimSlash = (p: string) => p.replace(/\/+$/, '')
const withSlash = (u: string) => (u.endsWith('/') ? u : `${u}/`)
const lastSegment = (u: string) => trimSlash(new URL(u).pathname).split('/').pop() ?? ''
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200)
