/**
 * @module calendar/calendar-outbox
 * The outbox executor of `calendar_sync` rows: calendar writes that could not be made during the call. The write is
 * the same idempotent push as during a call, so a retry after a timeout that did reach the server finds its own event
 * (exactly one). A held booking is checked against the calendar first — staff may have given the time away during
 * the outage — and the caller gets the SMS promised on the phone: confirmed, or sorry, with a way to rebook.
 */
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { describeWhen } from '../agents/domain/when'
import type { Language } from '../i18n/languages'
import { fill } from '../i18n/pack'
import { packFor } from '../i18n/packs'
import type { OutboxHandler } from '../continuity/outbox-runner'
import type { Logger } from '../ops/log'
import type { Store } from '../store/store'
import { CalendarUnreachable } from './caldav-client'
import { overlaps, type CalendarSync } from './calendar-sync'

const Payload = TypeCompiler.Compile(Type.Object({ appointmentId: Type.String({ minLength: 1 }), confirm: Type.Boolean(), callId: Type.String() }))

/** The texts about a held booking, in the business's language (its pack). */
export const calendarSmsText = {
  confirmed: (when: string, business: string, language: Language = 'en') => fill(packFor(language).call.smsCalendarConfirmed, { when, business }),
  lost: (when: string, business: string, language: Language = 'en') => fill(packFor(language).call.smsCalendarLost, { when, business }),
}

export function calendarSyncHandler(d: {
  store: Store
  sync: CalendarSync
  log: Logger
  now: () => number
  tz: string
  business: string
  /** The business's language (default English): the texts and how they say the time. */
  language?: Language | undefined
  /** An SMS was enqueued: wake the SMS runner. */
  onSms: () => void
}): OutboxHandler {
  const text = async (row: { idem_key: string; tenant_id: string }, to: string | null, callId: string, body: string) => {
    if (to === null) return
    await d.store.forTenant(row.tenant_id).outbox.enqueue({ idemKey: `${row.idem_key}:sms`, kind: 'sms', payload: { to, body, callId }, callId, at: d.now() })
    d.onSms()
  }
  return async (row, payload) => {
    if (!Payload.Check(payload)) return { kind: 'fail', error: 'invalid calendar_sync payload' }
    // The row's business: its appointment, its cancel and its SMS (store/tenant).
    const store = d.store.forTenant(row.tenant_id)
    const a = await store.appointments.get(payload.appointmentId)
    if (!a) return { kind: 'done', result: { skipped: 'no such appointment' } }
    const when = describeWhen(a.starts_at, d.now(), d.tz, false, d.language)
    try {
      if (payload.confirm && a.status === 'booked') {
        const busy = await d.sync.busy(a.starts_at, a.starts_at + a.minutes * 60_000, a.id)
        if (overlaps(busy, a.starts_at, a.minutes)) {
          await store.appointments.cancel(a.id, d.now())
          d.log.warn('calendar.held_booking_lost', { appointmentId: a.id })
          await text(row, a.caller, payload.callId, calendarSmsText.lost(when, d.business, d.language))
          return { kind: 'done', result: { lost: true } }
        }
      }
      await d.sync.push(a)
    } catch (err) {
      if (err instanceof CalendarUnreachable) return { kind: 'retry', error: err.message }
      throw err
    }
    d.log.info('calendar.synced', { appointmentId: a.id, status: a.status, attempts: row.attempts + 1 })
    if (payload.confirm && a.status === 'booked') await text(row, a.caller, payload.callId, calendarSmsText.confirmed(when, d.business, d.language))
    return { kind: 'done', result: { synced: a.status } }
  }
}
