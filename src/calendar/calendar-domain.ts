/**
 * @module calendar/calendar-domain
 * The CalDAV booking backend, behind the same {@link DomainExecutor} interface as the built-in store.
 *
 * The store still holds every appointment: its row is the local hold that decides races between calls (the unique
 * slot index) and keeps the slot while the calendar is away. The calendar adds the business's own busy times (staff
 * events, free-busy) to availability, checked again at confirmation, and receives one event per booking.
 *
 * When the calendar cannot be reached the booking is held locally, the caller hears that it will be confirmed by
 * text message, and a `calendar_sync` outbox row carries the write until it lands (see calendar-outbox).
 */
import { alternativeSlots, storeDomain, type DomainContext, type DomainEffect, type DomainExecutor, type ExtraBusy } from '../agents/domain-executor'
import { dateMinutesToEpoch, localDate } from '../agents/domain/zoned-time'
import type { Logger } from '../ops/log'
import type { AppointmentRow } from '../store/rows'
import type { Store } from '../store/store'
import { CalendarUnreachable } from './caldav-client'
import { overlaps, type CalendarSync } from './calendar-sync'

export const CALENDAR_SYNC_KIND = 'calendar_sync'

/** What a `calendar_sync` outbox row carries; `confirm` asks for the caller's SMS once the held booking landed. */
export type CalendarSyncPayload = { readonly appointmentId: string; readonly confirm: boolean; readonly callId: string }

export type CalendarDomainDeps = {
  readonly store: Store
  readonly sync: CalendarSync
  readonly log: Logger
  /** A `calendar_sync` row was enqueued: wake its runner. */
  readonly onOutbox: () => void
}

const DAY = 86_400_000
/** Alternatives look up to 14 days ahead (nearestFreeSlots); one calendar query covers them. */
const LOOKAHEAD_DAYS = 15

export function calendarDomain(d: CalendarDomainDeps): DomainExecutor {
  const { sync, log } = d
  /** The call's business's rows only (store/tenant); outbox keys are unique across tenants. */
  const of = (ctx: DomainContext) => d.store.forTenant(ctx.tenant)
  const store = d.store

  /** Asks the calendar; undefined (logged) when it cannot be reached, so the store alone decides. */
  const ask = async <T>(op: string, ctx: DomainContext, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn()
    } catch (err) {
      if (!(err instanceof CalendarUnreachable)) throw err
      log.warn('calendar.unreachable', { op, taskId: ctx.taskId, error: err.message })
      return undefined
    }
  }
  /** The calendar's busy times from the slot's day on, as far as alternatives look: what the store domain adds. */
  const busyAround: ExtraBusy = async (startsAt, ctx, exceptId) => {
    const from = dateMinutesToEpoch(localDate(startsAt, ctx.settings.tz), 0, ctx.settings.tz)
    const busy = await ask('availability', ctx, () => sync.busy(from, from + LOOKAHEAD_DAYS * DAY, exceptId))
    return busy && ((t, minutes) => overlaps(busy, t, minutes))
  }
  // Holds, resources and alternatives are the store domain's, with the calendar's busy times added.
  const local = storeDomain(store, { busy: busyAround })
  /** Busy times over the slot itself (the check at confirmation). */
  const busyAt = (op: string, startsAt: number, minutes: number, ctx: DomainContext, exceptId: string) =>
    ask(op, ctx, () => sync.busy(startsAt, startsAt + minutes * 60_000, exceptId))
  const taken = async (startsAt: number, ctx: DomainContext, exceptId: string) => {
    const busy = await busyAround(startsAt, ctx, exceptId)
    const s = ctx.settings
    return { type: 'slot_taken', alternatives: await alternativeSlots(of(ctx), startsAt, s, ctx.now, busy ? (t) => busy(t, s.slotMinutes) : undefined), at: ctx.now }
  }

  /** The outbox carries the write until it lands (retried, exactly once); `confirm`: then text the caller. */
  const queue = async (a: AppointmentRow, ctx: DomainContext, confirm: boolean): Promise<void> => {
    const payload: CalendarSyncPayload = { appointmentId: a.id, confirm, callId: ctx.callId }
    await of(ctx).outbox.enqueue({ idemKey: `${ctx.idemKey}:calendar`, kind: CALENDAR_SYNC_KIND, payload, callId: ctx.callId, ...(a.task_id ? { taskId: a.task_id } : {}), at: ctx.now })
    d.onOutbox()
  }
  const record = async (a: AppointmentRow, ctx: DomainContext): Promise<void> => {
    const key = `${ctx.idemKey}:calendar`
    const payload: CalendarSyncPayload = { appointmentId: a.id, confirm: false, callId: ctx.callId }
    if (!(await of(ctx).outbox.enqueue({ idemKey: key, kind: CALENDAR_SYNC_KIND, payload, callId: ctx.callId, ...(a.task_id ? { taskId: a.task_id } : {}), at: ctx.now }))) return
    const row = await store.outbox.byKey(key)
    if (row) await store.outbox.done(row.id, { synced: a.status }, ctx.now)
  }
  /** Writes now; when the calendar is away, queues the write. */
  const write = async (a: AppointmentRow, ctx: DomainContext, confirm: boolean): Promise<'synced' | 'queued'> => {
    try {
      await sync.push(a)
      // A booking's write is recorded (as a finished outbox row) even when it landed at once: only appointments known
      // to have had an event can be judged "deleted by staff" when their event is missing.
      if (ctx.idemKey === a.id) await record(a, ctx)
      return 'synced'
    } catch (err) {
      if (!(err instanceof CalendarUnreachable)) throw err
      log.warn('calendar.unreachable', { op: 'write', taskId: ctx.taskId, appointmentId: a.id, error: err.message })
      await queue(a, ctx, confirm)
      return 'queued'
    }
  }

  return {
    async run(effect: DomainEffect, ctx: DomainContext) {
      const at = ctx.now
      const store = of(ctx)
      switch (effect.kind) {
        case 'book': {
          let a = await store.appointments.get(ctx.idemKey)
          let reachable = true
          if (!a) {
            // Checked again at confirmation: the calendar may have been given that time since the first check.
            const busy = await busyAt('book', effect.startsAt, effect.minutes, ctx, ctx.idemKey)
            reachable = busy !== undefined
            if (busy && overlaps(busy, effect.startsAt, effect.minutes)) return taken(effect.startsAt, ctx, ctx.idemKey)
            const r = await local.run(effect, ctx)
            if (r.type !== 'booked') return r
            a = await store.appointments.get(ctx.idemKey)
            if (!a) return r
          }
          // A re-run after a crash lands here with its own row: the write finds (or makes) the one event. With the
          // calendar away the slot stays held here and the caller is told it will be confirmed by text message.
          if (!reachable) await queue(a, ctx, true)
          const state = reachable ? await write(a, ctx, true) : 'queued'
          return state === 'synced' ? { type: 'booked', appointmentId: a.id, at } : { type: 'booked', appointmentId: a.id, pending: true, at }
        }
        case 'find_appointments': {
          if (ctx.caller !== undefined) await pullStaffChanges(ctx.caller, ctx)
          return local.run(effect, ctx)
        }
        case 'cancel_appointment': {
          const result = await local.run(effect, ctx)
          const a = await store.appointments.get(effect.appointmentId)
          if (result.type === 'appointment_cancelled' && a) await write(a, ctx, false)
          return result
        }
        case 'move_appointment': {
          const a = await store.appointments.get(effect.appointmentId)
          if (a && a.status === 'booked' && (ctx.caller === undefined || a.caller === ctx.caller) && a.starts_at !== effect.startsAt) {
            const busy = await busyAt('move', effect.startsAt, effect.minutes, ctx, a.id)
            if (busy && overlaps(busy, effect.startsAt, effect.minutes)) return taken(effect.startsAt, ctx, a.id)
          }
          const result = await local.run(effect, ctx)
          const moved = result.type === 'appointment_moved' ? await store.appointments.get(effect.appointmentId) : undefined
          if (moved) await write(moved, ctx, false)
          return result
        }
        case 'check_availability':
        case 'save_message':
          return local.run(effect, ctx)
      }
    },
  }

  /**
   * The calendar is the business's: an event staff deleted cancels the appointment, one they moved moves it. Not for
   * appointments whose own write is still waiting in the outbox (their event is missing because it has not landed),
   * nor for those booked before the calendar was set up (they never had one).
   */
  async function pullStaffChanges(caller: string, ctx: DomainContext): Promise<void> {
    const store = of(ctx)
    const list: AppointmentRow[] = []
    for (const a of await store.appointments.upcomingFor(caller, ctx.now)) if ((await hadEvent(a)) && !(await writePending(a))) list.push(a)
    if (list.length === 0) return
    const events = await ask('read', ctx, () => sync.read(list.map((a) => a.id)))
    if (!events) return
    for (const a of list) {
      const ev = events.get(a.id)
      if (!ev) {
        await store.appointments.cancel(a.id, ctx.now)
        log.info('calendar.deleted_by_staff', { appointmentId: a.id })
      } else if (ev.start !== a.starts_at) {
        const r = await store.appointments.move(a.id, ev.start, ctx.now)
        log.info('calendar.moved_by_staff', { appointmentId: a.id, ok: r.ok })
      }
    }
  }

  /** Booked through the calendar (its write is recorded): not an appointment from before the calendar was set up. */
  async function hadEvent(a: AppointmentRow): Promise<boolean> {
    return (await store.outbox.byKey(`${a.id}:calendar`)) !== undefined
  }

  async function writePending(a: AppointmentRow): Promise<boolean> {
    if (!a.task_id) return false
    return (await store.outbox.pendingForTask(a.task_id)).some((r) => r.kind === CALENDAR_SYNC_KIND && r.payload.includes(JSON.stringify(a.id)))
  }
}
