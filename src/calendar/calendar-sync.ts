/**
 * @module calendar/calendar-sync
 * Makes the calendar say what the store says about one appointment, idempotently: a booked appointment has exactly
 * one event (its UID and file name derive from the appointment id, which derives from the task's booking step), at
 * the appointment's time; a cancelled one has none. Run it any number of times — after a crash between the PUT and
 * the checkpoint, or from the outbox after an outage — and the calendar ends up the same, with one event.
 */
import type { AppointmentRow } from '../store/rows'
import type { CalendarSettings } from './calendar-config'
import { CalendarUnreachable, type CalendarClient, type CalendarObject } from './caldav-client'
import { buildEvent, busyIn, readEvent, type Busy } from './ics'

/** The event UID of an appointment: stable across retries, recognizable as FastAgent's. */
export const uidOf = (appointmentId: string): string => `fastagent-${appointmentId.replace(/[^A-Za-z0-9-]/g, '-')}`
export const fileOf = (appointmentId: string): string => `${uidOf(appointmentId)}.ics`

/** What a booking's event says. `service` comes from the booking when services are configured. */
export function eventSummary(a: { service?: string | undefined; name?: string | undefined; number?: string | undefined }, details: CalendarSettings['callerDetails']): string {
  const who = [details.includes('name') ? a.name : undefined, details.includes('number') ? a.number : undefined].filter((x): x is string => !!x)
  const what = a.service ? a.service.charAt(0).toUpperCase() + a.service.slice(1) : 'Appointment'
  return who.length > 0 ? `${what}: ${who.join(', ')}` : what
}

export type CalendarSync = {
  /** Brings the calendar in line with the appointment row. Throws {@link CalendarUnreachable}. */
  push(a: AppointmentRow): Promise<void>
  /** Busy intervals in [from, to) that are not the event of `exceptId` (an appointment finding its own event). */
  busy(from: number, to: number, exceptId?: string): Promise<Busy[]>
  /** The calendar's current events of these appointments, by appointment id (missing: deleted in the calendar). */
  read(ids: readonly string[]): Promise<Map<string, { start: number; end: number }>>
}

const ATTEMPTS = 3

/** `serviceName` names a booked service for the event title (the business's services; none: "Appointment"). */
export function calendarSync(client: CalendarClient, s: CalendarSettings, tz: string, now: () => number, serviceName: (id: string) => string | undefined = () => undefined): CalendarSync {
  const ics = (a: AppointmentRow) =>
    buildEvent({
      uid: uidOf(a.id),
      startsAt: a.starts_at,
      minutes: a.minutes,
      summary: eventSummary({ service: a.service_id ? serviceName(a.service_id) : undefined, name: a.caller_name ?? undefined, number: a.caller ?? undefined }, s.callerDetails),
      description: 'Booked by phone through FastAgent.',
      stamp: now(),
    })
  const current = async (a: AppointmentRow): Promise<CalendarObject | undefined> => (await client.get([fileOf(a.id)]))[0]

  return {
    async push(a) {
      // Each round reads what is there and writes what should be; a 412 (someone else wrote in between) means read again.
      for (let i = 0; i < ATTEMPTS; i++) {
        if (a.status === 'cancelled') {
          const obj = await current(a)
          if (!obj) return
          const r = await client.remove(obj)
          if (r !== 'changed') return
          continue
        }
        const text = ics(a)
        const created = await client.create(fileOf(a.id), text)
        if (created === 'ok') return
        // Already there: ours from an earlier attempt (a crash after the PUT), or the time was changed since.
        const obj = await current(a)
        if (!obj) continue
        const ev = readEvent(obj.data, tz)
        if (ev && ev.start === a.starts_at && ev.end === a.starts_at + a.minutes * 60_000) return
        const r = await client.update(obj, text)
        if (r === 'ok') return
      }
      throw new CalendarUnreachable(`the event of ${a.id} kept changing while it was written`)
    },
    async busy(from, to, exceptId) {
      const own = exceptId === undefined ? undefined : uidOf(exceptId)
      const objects = await client.objectsBetween(from, to)
      return objects.flatMap((o) => busyIn(o.data, from, to, tz)).filter((b) => own === undefined || b.uid !== own)
    },
    async read(ids) {
      const objects = await client.get(ids.map(fileOf))
      const byFile = new Map(objects.map((o) => [decodeURIComponent(new URL(o.url).pathname.split('/').pop() ?? ''), o]))
      const out = new Map<string, { start: number; end: number }>()
      for (const id of ids) {
        const o = byFile.get(fileOf(id))
        const ev = o ? readEvent(o.data, tz) : undefined
        if (ev) out.set(id, { start: ev.start, end: ev.end })
      }
      return out
    },
  }
}

/** Whether [start, start + minutes) overlaps any busy interval. */
export const overlaps = (busy: readonly Busy[], start: number, minutes: number): boolean => {
  const end = start + minutes * 60_000
  return busy.some((b) => b.start < end && b.end > start)
}
