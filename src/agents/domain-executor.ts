/**
 * @module agents/domain-executor
 * Executes the domain effects of tasks against the store and answers with the result event the task expects.
 * Every write is idempotent by the effect's idempotency key (a re-run after a crash finds its own booking), and the
 * appointments table's unique slot index decides races between calls.
 */
import type { Effect } from './effects'
import type { Settings } from './domain/settings'
import { nearestFreeSlots } from './domain/slots'
import { dateMinutesToEpoch, localDate } from './domain/zoned-time'
import type { Store } from '../store/store'

export type DomainEffect = Extract<Effect, { kind: 'check_availability' | 'book' | 'find_appointments' | 'cancel_appointment' | 'move_appointment' | 'save_message' }>

export const DOMAIN_EFFECT_KINDS: ReadonlySet<string> = new Set(['check_availability', 'book', 'find_appointments', 'cancel_appointment', 'move_appointment', 'save_message'])

export const isDomainEffect = (e: Effect): e is DomainEffect => DOMAIN_EFFECT_KINDS.has(e.kind)

export type DomainContext = {
  readonly idemKey: string
  readonly taskId: string
  readonly callId: string
  readonly caller: string | undefined
  readonly settings: Settings
  readonly now: number
}

export interface DomainExecutor {
  run(effect: DomainEffect, ctx: DomainContext): Promise<{ type: string; at: number } & Record<string, unknown>>
}

const ALTERNATIVES = 3

/**
 * The free slots offered instead of `startsAt`: not held in the store and not `busy` by the other backend (a calendar).
 * Both booking backends use it, so "taken" means the same thing whichever one books.
 */
export async function alternativeSlots(store: Store, startsAt: number, s: Settings, now: number, busy: (t: number) => boolean = () => false): Promise<number[]> {
  // One read of the held slots over the whole search window (the slot's day and the 14 after it), then a pure search.
  const from = dateMinutesToEpoch(localDate(startsAt, s.tz), 0, s.tz)
  const held = await store.appointments.takenBetween(from, from + 16 * 86_400_000)
  return nearestFreeSlots(startsAt, ALTERNATIVES, (t) => held.has(t) || busy(t), s.hours, s.slotMinutes, s.tz, now)
}

/** The store-backed domain. `delayMs` simulates a slow backend (tests and the demo's "this may take a moment"). */
export function storeDomain(store: Store, opts: { delayMs?: (e: DomainEffect) => number } = {}): DomainExecutor {
  const alternatives = (startsAt: number, s: Settings, now: number) => alternativeSlots(store, startsAt, s, now)
  return {
    async run(effect, ctx) {
      const delay = opts.delayMs?.(effect) ?? 0
      if (delay > 0) await Bun.sleep(delay)
      const at = ctx.now
      switch (effect.kind) {
        case 'check_availability': {
          const free = !store.appointments.isTaken(effect.startsAt)
          // Alternatives even when free: a day-only check offers "9 AM, 9:30 AM or 10 AM" from them.
          return { type: 'availability', free, alternatives: await alternatives(effect.startsAt, ctx.settings, at), at }
        }
        case 'book': {
          const r = store.appointments.book({
            id: ctx.idemKey,
            caller: ctx.caller,
            startsAt: effect.startsAt,
            minutes: effect.minutes,
            taskId: ctx.taskId,
            callId: ctx.callId,
            at,
          })
          return r.ok
            ? { type: 'booked', appointmentId: r.appointment.id, at }
            : { type: 'slot_taken', alternatives: await alternatives(effect.startsAt, ctx.settings, at), at }
        }
        case 'find_appointments': {
          const list = ctx.caller ? store.appointments.upcomingFor(ctx.caller, at) : []
          return { type: 'appointments', list: list.map((a) => ({ id: a.id, startsAt: a.starts_at, minutes: a.minutes })), at }
        }
        case 'cancel_appointment': {
          const a = store.appointments.get(effect.appointmentId)
          if (!a || (ctx.caller !== undefined && a.caller !== ctx.caller)) return { type: 'domain_error', reason: 'appointment not found', at }
          // Idempotent: cancelling an already cancelled appointment (a re-run) is a success.
          if (a.status === 'booked') store.appointments.cancel(a.id, at)
          return { type: 'appointment_cancelled', at }
        }
        case 'move_appointment': {
          const a = store.appointments.get(effect.appointmentId)
          if (!a || (ctx.caller !== undefined && a.caller !== ctx.caller)) return { type: 'domain_error', reason: 'appointment not found', at }
          const r = store.appointments.move(a.id, effect.startsAt, at)
          if (r.ok) return { type: 'appointment_moved', at }
          if (r.reason === 'taken') return { type: 'slot_taken', alternatives: await alternatives(effect.startsAt, ctx.settings, at), at }
          return { type: 'domain_error', reason: 'appointment not found', at }
        }
        case 'save_message': {
          store.messages.save({
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
