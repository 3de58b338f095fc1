/**
 * @module calendar/booking-backend
 * Chooses the booking backend: the built-in store (default), or the CalDAV calendar when one is configured. Both are
 * a {@link DomainExecutor}; the calendar one also brings its outbox runner and a start-up connection test.
 */
import { storeDomain, type DomainEffect, type DomainExecutor } from '../agents/domain-executor'
import type { OutboxRunner } from '../continuity/outbox-runner'
import type { Logger } from '../ops/log'
import type { Language } from '../i18n/languages'
import type { Store } from '../store/store'
import type { CalendarClient } from './caldav-client'
import type { CalendarSettings } from './calendar-config'

export type BookingBackend = {
  readonly kind: 'store' | 'caldav'
  readonly domain: DomainExecutor
  /** Runs the calendar's outbox rows (CalDAV only). */
  readonly runner: OutboxRunner | undefined
  /** Settles when the start-up connection test has been logged. */
  readonly checked: Promise<'connected' | 'unreachable' | 'not configured'>
}

export type BookingBackendDeps = {
  readonly store: Store
  readonly log: Logger
  readonly now: () => number
  readonly tz: string
  readonly business: string
  /** The business's language: the texts the calendar sends the caller. */
  readonly language?: Language | undefined
  readonly calendar: CalendarSettings | undefined
  /** The name of a booked service, for the event title. */
  readonly serviceName?: (serviceId: string) => string | undefined
  /** Wakes the SMS runner (the calendar texts the caller about a booking it held). */
  readonly wakeSms: () => void
  readonly domainDelayMs?: ((e: DomainEffect) => number) | undefined
  readonly backoffMs?: number | undefined
  /** The calendar runner's outbox claims (this instance, OUTBOX_CLAIM_SECONDS). */
  readonly claim?: { readonly by: string; readonly ms: number }
  /** Tests inject a client; normally built from `calendar`. */
  readonly client?: CalendarClient
}

export async function bookingBackend(d: BookingBackendDeps): Promise<BookingBackend> {
  if (!d.calendar) {
    return { kind: 'store', domain: storeDomain(d.store, d.domainDelayMs ? { delayMs: d.domainDelayMs } : {}), runner: undefined, checked: Promise.resolve('not configured') }
  }
  const { caldavBackend } = await import('./caldav-backend')
  return caldavBackend(d, d.calendar)
}
