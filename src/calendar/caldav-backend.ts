/**
 * @module calendar/caldav-backend
 * The CalDAV booking backend wired up: client, sync, domain, its own outbox runner (calendar writes that wait for the
 * calendar must not hold up text messages, and the other way round) and the start-up connection test, whose result
 * is logged. Loaded only when a calendar is configured (tsdav and ical.js stay out of a plain start).
 *
 * {@link calendarParts} is one business's calendar (its settings, its zone, its name and language for the texts):
 * {@link caldavBackend} runs one alone, calendar/tenant-booking one per business behind a single runner.
 */
import { OutboxRunner, type OutboxHandler } from '../continuity/outbox-runner'
import type { DomainExecutor } from '../agents/domain-executor'
import { maskSecret } from '../ops/mask'
import type { BookingBackend, BookingBackendDeps } from './booking-backend'
import { caldavClient } from './caldav-client'
import type { CalendarSettings } from './calendar-config'
import { CALENDAR_SYNC_KIND, calendarDomain } from './calendar-domain'
import { calendarSyncHandler } from './calendar-outbox'
import { calendarSync } from './calendar-sync'

export type CalendarParts = {
  readonly domain: DomainExecutor
  /** Runs this business's `calendar_sync` rows. */
  readonly handler: OutboxHandler
  readonly checked: Promise<'connected' | 'unreachable'>
}

/** One business's calendar; `wake` wakes the runner that carries its `calendar_sync` rows. */
export function calendarParts(d: BookingBackendDeps, s: CalendarSettings, wake: () => void, tenant?: string): CalendarParts {
  const log = d.log.child({ component: 'calendar', ...(tenant !== undefined ? { tenant } : {}) })
  const client = d.client ?? caldavClient(s)
  const sync = calendarSync(client, s, d.tz, d.now, d.serviceName)
  const handler = calendarSyncHandler({ store: d.store, sync, log, now: d.now, tz: d.tz, business: d.business, language: d.language, onSms: d.wakeSms })
  const domain = calendarDomain({ store: d.store, sync, log, onOutbox: wake })
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
  return { domain, handler, checked }
}

/** The runner of `calendar_sync` rows, with `handler` running each. */
export function calendarRunner(d: Pick<BookingBackendDeps, 'store' | 'log' | 'now' | 'backoffMs' | 'claim'>, handler: OutboxHandler): OutboxRunner {
  return new OutboxRunner({
    store: d.store,
    log: d.log.child({ component: 'calendar' }),
    now: d.now,
    handlers: { [CALENDAR_SYNC_KIND]: handler },
    // A calendar can be away for hours: keep trying (backoff capped at 5 minutes) rather than give up on a promise.
    maxAttempts: 1000,
    ...(d.backoffMs !== undefined ? { backoffMs: d.backoffMs } : {}),
    ...(d.claim ? { claim: d.claim } : {}),
  })
}

export function caldavBackend(d: BookingBackendDeps, s: CalendarSettings): BookingBackend {
  let runner: OutboxRunner | undefined
  const parts = calendarParts(d, s, () => runner?.wake())
  runner = calendarRunner(d, parts.handler)
  return { kind: 'caldav', domain: parts.domain, runner, checked: parts.checked }
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
