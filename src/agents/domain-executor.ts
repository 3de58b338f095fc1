/**
 * @module agents/domain-executor
 * Executes the domain effects of tasks against the store and answers with the result event the task expects.
 * Every write is idempotent by the effect's idempotency key (a re-run after a crash finds its own booking), and the
 * appointments table's unique slot index decides races between calls.
 */
import type { Effect } from './effects'
import type { Settings } from './domain/settings'
import { nearestFreeSlots, spansOn } from './domain/slots'
import { dateMinutesToEpoch, localDate, localMinutes } from './domain/zoned-time'
import type { Store } from '../store/store'
import { DEFAULT_TENANT } from '../store/tenant'

export type DomainEffect = Extract<Effect, { kind: 'check_availability' | 'book' | 'find_appointments' | 'cancel_appointment' | 'move_appointment' | 'save_message' }>

export const DOMAIN_EFFECT_KINDS: ReadonlySet<string> = new Set(['check_availability', 'book', 'find_appointments', 'cancel_appointment', 'move_appointment', 'save_message'])

export const isDomainEffect = (e: Effect): e is DomainEffect => DOMAIN_EFFECT_KINDS.has(e.kind)

export type DomainContext = {
  readonly idemKey: string
  readonly taskId: string
  readonly callId: string
  readonly caller: string | undefined
  /** The call's business (store/tenant): every read and write below is confined to its rows. */
  readonly tenant: string
  readonly settings: Settings
  readonly now: number
}

export interface DomainExecutor {
  run(effect: DomainEffect, ctx: DomainContext): Promise<{ type: string; at: number } & Record<string, unknown>>
}

const ALTERNATIVES = 3

/**
 * Who can take a booking of the task's service at `startsAt`: the staff members who do the service and work then
 * (their own hours, the business's dated exceptions), or the business as a whole ('') when it has no staff.
 */
export function resourcesAt(s: Settings, startsAt: number, minutes: number): string[] {
  const staff = s.staff ?? []
  if (staff.length === 0) return ['']
  const date = localDate(startsAt, s.tz)
  const from = localMinutes(startsAt, s.tz)
  return staff
    .filter((m) => s.service === undefined || m.services.includes(s.service.id))
    .filter((m) => spansOn({ hours: m.hours, exceptions: s.exceptions }, date).some((i) => from >= i.from && from + minutes <= i.to))
    .map((m) => m.id)
}

export type Held = readonly { readonly starts_at: number; readonly minutes: number; readonly resource: string }[]

/**
 * The resource that can take [startsAt, +minutes) given the booked appointments `held`, or undefined when every one
 * who could is booked then. Without staff every booking holds the business as a whole.
 */
export function freeResourceIn(held: Held, s: Settings, startsAt: number, minutes: number): string | undefined {
  const anyResource = (s.staff ?? []).length === 0
  const end = startsAt + minutes * 60_000
  return resourcesAt(s, startsAt, minutes).find((r) => !held.some((h) => (anyResource || h.resource === r) && h.starts_at < end && h.starts_at + h.minutes * 60_000 > startsAt))
}

/**
 * Who holds `a` at `startsAt` after a move: its own staff member when they work then and are free (their other
 * bookings, not this one), else another staff member who does the service and is; undefined when nobody can. Without
 * staff the business as a whole ('') holds it, as before.
 */
async function resourceForMove(store: Store, a: { readonly starts_at: number; readonly minutes: number; readonly resource: string }, startsAt: number, s: Settings): Promise<string | undefined> {
  if ((s.staff ?? []).length === 0) return a.resource
  const held = (await heldAround(store, startsAt, s)).filter((h) => !(h.starts_at === a.starts_at && h.resource === a.resource))
  const end = startsAt + a.minutes * 60_000
  const free = (r: string) => !held.some((h) => h.resource === r && h.starts_at < end && h.starts_at + h.minutes * 60_000 > startsAt)
  const can = resourcesAt(s, startsAt, a.minutes)
  return can.includes(a.resource) && free(a.resource) ? a.resource : can.find(free)
}

/** One read of the booked appointments over the search window (the slot's day, the day before, the 15 after it). */
async function heldAround(store: Store, startsAt: number, s: Settings): Promise<Held> {
  const from = dateMinutesToEpoch(localDate(startsAt, s.tz), 0, s.tz) - 86_400_000
  return store.appointments.bookedBetween(from, from + 17 * 86_400_000)
}

/**
 * The free slots offered instead of `startsAt`: not held in the store and not `busy` by the other backend (a calendar).
 * Both booking backends use it, so "taken" means the same thing whichever one books.
 */
export async function alternativeSlots(store: Store, startsAt: number, s: Settings, now: number, busy: (t: number) => boolean = () => false): Promise<number[]> {
  const held = await heldAround(store, startsAt, s)
  return nearestFreeSlots(startsAt, ALTERNATIVES, (t) => freeResourceIn(held, s, t, s.slotMinutes) === undefined || busy(t), s, s.slotMinutes, s.tz, now)
}

/**
 * Busy times another backend (a calendar) adds to the store's: a check `(start, minutes) → busy?` over the search
 * window around `startsAt`, or undefined when that backend cannot be asked (the store alone decides then).
 */
export type ExtraBusy = (startsAt: number, ctx: DomainContext, exceptId?: string) => Promise<((start: number, minutes: number) => boolean) | undefined>

/**
 * The store-backed domain. `delayMs` simulates a slow backend (tests and the demo's "this may take a moment");
 * `busy` adds another backend's busy times to availability and alternatives (the CalDAV backend builds on this).
 */
export function storeDomain(base: Store, opts: { delayMs?: (e: DomainEffect) => number; busy?: ExtraBusy } = {}): DomainExecutor {
  const alternatives = async (startsAt: number, s: Settings, now: number, ctx?: DomainContext, exceptId?: string) => {
    const busy = ctx && opts.busy ? await opts.busy(startsAt, ctx, exceptId) : undefined
    return alternativeSlots(base.forTenant(ctx?.tenant ?? DEFAULT_TENANT), startsAt, s, now, busy ? (t) => busy(t, s.slotMinutes) : undefined)
  }
  return {
    async run(effect, ctx) {
      const store = base.forTenant(ctx.tenant)
      const delay = opts.delayMs?.(effect) ?? 0
      if (delay > 0) await Bun.sleep(delay)
      const at = ctx.now
      switch (effect.kind) {
        case 'check_availability': {
          const busy = opts.busy ? await opts.busy(effect.startsAt, ctx) : undefined
          const free = freeResourceIn(await heldAround(store, effect.startsAt, ctx.settings), ctx.settings, effect.startsAt, effect.minutes) !== undefined && !(busy?.(effect.startsAt, effect.minutes) ?? false)
          // Alternatives even when free: a day-only check offers "9 AM, 9:30 AM or 10 AM" from them.
          const s = ctx.settings
          return { type: 'availability', free, alternatives: await alternativeSlots(store, effect.startsAt, s, at, busy ? (t) => busy(t, s.slotMinutes) : undefined), at }
        }
        case 'book': {
          // A re-run after a crash finds its own booking whatever is free now.
          const own = await store.appointments.get(ctx.idemKey)
          const resource = own?.resource ?? freeResourceIn(await heldAround(store, effect.startsAt, ctx.settings), ctx.settings, effect.startsAt, effect.minutes)
          const r = resource === undefined ? ({ ok: false } as const) : await store.appointments.book({
            id: ctx.idemKey,
            caller: ctx.caller,
            startsAt: effect.startsAt,
            minutes: effect.minutes,
            serviceId: effect.serviceId,
            callerName: effect.callerName,
            resource,
            taskId: ctx.taskId,
            callId: ctx.callId,
            at,
          })
          return r.ok
            ? { type: 'booked', appointmentId: r.appointment.id, at }
            : { type: 'slot_taken', alternatives: await alternatives(effect.startsAt, ctx.settings, at, ctx, ctx.idemKey), at }
        }
        case 'find_appointments': {
          const list = ctx.caller ? await store.appointments.upcomingFor(ctx.caller, at) : []
          return { type: 'appointments', list: list.map((a) => ({ id: a.id, startsAt: a.starts_at, minutes: a.minutes, ...(a.service_id ? { serviceId: a.service_id } : {}) })), at }
        }
        case 'cancel_appointment': {
          const a = await store.appointments.get(effect.appointmentId)
          if (!a || (ctx.caller !== undefined && a.caller !== ctx.caller)) return { type: 'domain_error', reason: 'appointment not found', at }
          // Idempotent: cancelling an already cancelled appointment (a re-run) is a success.
          if (a.status === 'booked') await store.appointments.cancel(a.id, at)
          return { type: 'appointment_cancelled', at }
        }
        case 'move_appointment': {
          const a = await store.appointments.get(effect.appointmentId)
          if (!a || (ctx.caller !== undefined && a.caller !== ctx.caller)) return { type: 'domain_error', reason: 'appointment not found', at }
          // A re-run after a crash finds the appointment already moved.
          if (a.status === 'booked' && a.starts_at === effect.startsAt) return { type: 'appointment_moved', at }
          // The new slot needs someone who does the service and works then (staff hours, dated exceptions): the staff
          // member who holds it if they can, else another who is free; nobody: the slot is taken for this booking.
          const resource = await resourceForMove(store, a, effect.startsAt, ctx.settings)
          if (resource === undefined) return { type: 'slot_taken', alternatives: await alternatives(effect.startsAt, ctx.settings, at, ctx, a.id), at }
          const r = await store.appointments.move(a.id, effect.startsAt, at, resource)
          if (r.ok) return { type: 'appointment_moved', at }
          if (r.reason === 'taken') return { type: 'slot_taken', alternatives: await alternatives(effect.startsAt, ctx.settings, at, ctx, a.id), at }
          return { type: 'domain_error', reason: 'appointment not found', at }
        }
        case 'save_message': {
          await store.messages.save({
            id: ctx.idemKey,
            caller: ctx.caller,
            name: effect.name,
            message: effect.message,
            callbackNumber: effect.callbackNumber,
            taskId: ctx.taskId,
            callId: ctx.callId,
            at,
          })
          return { type: 'message_saved', id: ctx.idemKey, at }
        }
      }
    },
  }
}
