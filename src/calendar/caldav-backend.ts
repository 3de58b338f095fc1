/**
 * @module calendar/caldav-backend
 * The CalDAV booking backend wired up: client, sync, domain, its own outbox runner (calendar writes that wait for the
 * calendar must not hold up text messages, and the other way round) and the start-up connection test, whose result
 * is logged. Loaded only when a calendar is configured (tsdav and ical.js stay out of a plain start).
 */
import { OutboxRunner } from '../continuity/outbox-runner'
import { maskSecret } from '../ops/mask'
import type { BookingBackend, BookingBackendDeps } from './booking-backend'
import { caldavClient } from './caldav-client'
import type { CalendarSettings } from './calendar-config'
import { CALENDAR_SYNC_KIND, calendarDomain } from './calendar-domain'
import { calendarSyncHandler } from './calendar-outbox'
import { calendarSync } from './calendar-sync'

export function caldavBackend(d: BookingBackendDeps, s: CalendarSettings): BookingBackend {
  const log = d.log.child({ component: 'calendar' })
  const client = d.client ?? caldavClient(s)
  const sync = calendarSync(client, s, d.tz, d.now, d.serviceName)
  const runner = new OutboxRunner({
    store: d.store,
    log,
    now: d.now,
    handlers: { [CALENDAR_SYNC_KIND]: calendarSyncHandler({ store: d.store, sync, log, now: d.now, tz: d.tz, business: d.business, language: d.language, onSms: d.wakeSms }) },
    // A calendar can be away for hours: keep trying (backoff capped at 5 minutes) rather than give up on a promise.
    maxAttempts: 1000,
    ...(d.backoffMs !== undefined ? { backoffMs: d.backoffMs } : {}),
    ...(d.claim ? { claim: d.claim } : {}),
  })
  const domain = calendarDomain({ store: d.store, sync, log, onOutbox: () => runner.wake() })
  const where = { url: redactUrl(s.url), user: s.oauth ? 'oauth' : maskSecret(s.username ?? '') }
  const checked = client.connect().then(
    (c) => {
      log.info('calendar.connected', { ...where, calendar: c.name })
      return 'connected' as const
    },
    (err: unknown) => {
      // Not fatal: bookings are held locally and written when the calendar answers.
      log.warn('calendar.unreachable', { ...where, op: 'connect', error: err instanceof Error ? err.message : String(err) })
      return 'unreachable' as const
    },
  )
  return { kind: 'caldav', domain, runner, checked }
}

/** The URL without credentials or query (what the log may show). */
function redactUrl(u: string): string {
  try {
    const url = new URL(u)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return '(invalid url)'
  }
}
