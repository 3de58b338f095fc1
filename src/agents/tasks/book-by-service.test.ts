/**
 * Booking by service, through the task table and the store-backed domain: the service is matched by name or synonym
 * (asked for when missing), slots are as long as the service, staff hours and the business's holidays are respected,
 * and availability answers name the service.
 */
import { describe, expect, test } from 'bun:test'
import { at, NOW, NY, says, start, step, ENV } from '../task-test-kit'
import { bookAppointment as def, type BookEvent } from './book-appointment'
import { parseBusinessText } from '../../config/business/load'
import type { Business } from '../../config/business/business'
import type { TaskEnv } from '../task-definition'
import { Store } from '../../store/store'
import { storeDomain } from '../domain-executor'
import { checkSlot, nearestFreeSlots } from '../domain/slots'
import { captureSettings } from '../domain/settings'

const FILE = `business: { name: Harbour Dental, timezone: ${NY} }
hours: { mon-fri: "09:00-17:00" }
closed: ["2026-12-02"]
special_hours: { "2026-12-03": "09:00-12:00" }
services:
  - { id: checkup, name: Check-up, minutes: 30, synonyms: [examination] }
  - { id: cleaning, name: Dental cleaning, minutes: 60, synonyms: [hygiene] }
staff:
  - { name: Dr. Weber, services: [checkup], hours: { mon-fri: "09:00-12:00" } }
  - { name: Anna, services: [checkup, cleaning], hours: { tue: "13:00-17:00" } }
booking: { min_notice_minutes: 120, horizon_days: 30 }
`
const business = ((): Business => {
  const r = parseBusinessText(FILE, 'harbour.yaml', 'harbour')
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.business
})()
const env: TaskEnv = { ...ENV, business }
const later = NOW + 60_000
const input = (fields: Omit<Extract<BookEvent, { type: 'input' }>, 'type' | 'at'>): BookEvent => def.input(fields, later)
/** The task settings of a booking of `service` (its grid, its length). */
const s = (service: string) => {
  const base = captureSettings({ ...env, business })
  const svc = base.services?.find((x) => x.id === service)
  if (!svc) throw new Error(service)
  return { ...base, hours: svc.hours, slotMinutes: svc.minutes, service: { id: svc.id, name: svc.name } }
}

describe('book_appointment by service', () => {
  test('asks for the service when missing, keeps the day said before it, then books with the service length', () => {
    const r = start(def, { date: 'tomorrow' }, env)
    expect(r.snapshot.state).toBe('collectingService')
    expect(says(r.effects)).toEqual(['Which would you like: Check-up or Dental cleaning?'])
    const t = step(def, r, input({ service: 'a hygiene appointment' }), 'collectingTime')
    expect(t.snapshot.context.settings.service).toEqual({ id: 'cleaning', name: 'Dental cleaning' })
    expect(t.snapshot.context.settings.slotMinutes).toBe(60)
    // Tomorrow (Tuesday) the cleaning is only done by Anna, 13:00-17:00: the grid is hers, in 60-minute slots.
    const bad = step(def, t, input({ time: '1:30 PM' }), 'collectingTime')
    expect(says(bad.effects)[0]).toContain('Appointments start every 60 minutes; the nearest is')
    const c = step(def, t, input({ time: '2 PM' }), 'checking')
    expect(c.effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-12-01', '14:00'), minutes: 60, serviceId: 'cleaning' }])
    const f = step(def, c, { type: 'availability', free: true, alternatives: [], at: later }, 'confirming')
    expect(says(f.effects)).toEqual(['Book Dental cleaning for tomorrow at 2 PM?'])
    const b = step(def, f, input({ confirm: true }), 'booking')
    expect(b.effects).toEqual([{ kind: 'book', startsAt: at('2026-12-01', '14:00'), minutes: 60, serviceId: 'cleaning' }])
    const d = step(def, b, { type: 'booked', appointmentId: 'A1', at: later }, 'booked')
    expect(says(d.effects)).toEqual(['Dental cleaning booked for tomorrow at 2 PM.'])
  })

  test('a service named at the start by synonym; an unknown one is explained and asked again', () => {
    const r = start(def, { service: 'examination', date: 'tomorrow', time: '10 AM' }, env)
    expect(r.snapshot.state).toBe('checking')
    expect(r.effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-12-01', '10:00'), minutes: 30, serviceId: 'checkup' }])
    const u = start(def, { service: 'a haircut' }, env)
    expect(u.snapshot.state).toBe('collectingService')
    expect(says(u.effects)).toEqual(["Sorry, we don't offer that. Which would you like: Check-up or Dental cleaning?"])
  })

  test('one service only: never asked, the plain wording stays', () => {
    const r = start(def, { date: 'tomorrow' })
    expect(r.snapshot.state).toBe('collectingTime')
    expect(r.snapshot.context.settings.service).toBeUndefined()
  })
})

describe('the calendar: holidays, special hours, notice, horizon, staff hours', () => {
  test('a closed date, special hours, too soon, too far', () => {
    const c = s('checkup')
    expect(checkSlot('2026-12-02', 600, c, 30, NY, NOW)).toMatchObject({ ok: false, reason: 'holiday' })
    expect(checkSlot('2026-12-03', 13 * 60, c, 30, NY, NOW)).toMatchObject({ ok: false, reason: 'outside_hours' })
    expect(checkSlot('2026-12-03', 11 * 60, c, 30, NY, NOW)).toMatchObject({ ok: true })
    // Now is Monday 09:15; 120 minutes' notice makes 11:00 the first bookable start today.
    expect(checkSlot('2026-11-30', 10 * 60, c, 30, NY, NOW)).toMatchObject({ ok: false, reason: 'too_soon' })
    expect(checkSlot('2026-11-30', 11 * 60 + 30, c, 30, NY, NOW)).toMatchObject({ ok: true })
    expect(checkSlot('2027-01-05', 10 * 60, c, 30, NY, NOW)).toMatchObject({ ok: false, reason: 'too_far' })
    // The alternatives skip the holiday.
    const alts = nearestFreeSlots(at('2026-12-01', '16:30'), 3, () => false, c, 30, NY, NOW)
    expect(alts.every((t) => !new Date(t).toISOString().startsWith('2026-12-02'))).toBe(true)
  })

  test('the store-backed domain: staff hours decide who can take a slot; slots as long as the service never overlap', async () => {
    const store = await Store.open(':memory:')
    const domain = storeDomain(store)
    const ctx = (settings: ReturnType<typeof s>, key: string) => ({ idemKey: key, taskId: key, callId: 'c', caller: '+15550000001', tenant: 'default', settings, now: NOW })
    const cleaning = s('cleaning')
    // Tuesday 14:00-15:00 cleaning: Anna is the only one; booked.
    const b1 = await domain.run({ kind: 'book', startsAt: at('2026-12-01', '14:00'), minutes: 60, serviceId: 'cleaning' }, ctx(cleaning, 'k1'))
    expect(b1.type).toBe('booked')
    expect(await store.appointments.get('k1')).toMatchObject({ service_id: 'cleaning', resource: 'anna', minutes: 60 })
    // A check-up at 14:30 overlaps Anna's cleaning, and Dr. Weber does not work then: taken, with alternatives.
    const checkup = s('checkup')
    const c2 = await domain.run({ kind: 'check_availability', startsAt: at('2026-12-01', '14:30'), minutes: 30, serviceId: 'checkup' }, ctx(checkup, 'k2'))
    expect(c2).toMatchObject({ type: 'availability', free: false })
    expect((c2.alternatives as number[]).includes(at('2026-12-01', '14:00'))).toBe(false)
    // 15:00 is free again for Anna (the cleaning ended).
    const c3 = await domain.run({ kind: 'book', startsAt: at('2026-12-01', '15:00'), minutes: 30, serviceId: 'checkup' }, ctx(checkup, 'k3'))
    expect(c3.type).toBe('booked')
    // Tuesday 10:00 check-up: Dr. Weber (Anna is not in); a second one at 10:00 has nobody left.
    expect((await domain.run({ kind: 'book', startsAt: at('2026-12-01', '10:00'), minutes: 30, serviceId: 'checkup' }, ctx(checkup, 'k4'))).type).toBe('booked')
    expect((await store.appointments.get('k4'))?.resource).toBe('dr-weber')
    expect((await domain.run({ kind: 'book', startsAt: at('2026-12-01', '10:00'), minutes: 30, serviceId: 'checkup' }, ctx(checkup, 'k5'))).type).toBe('slot_taken')
    // A re-run of a booking finds its own row.
    expect((await domain.run({ kind: 'book', startsAt: at('2026-12-01', '10:00'), minutes: 30, serviceId: 'checkup' }, ctx(checkup, 'k4'))).type).toBe('booked')
    await store.close()
  })
})

describe('availability and rescheduling keep to the service', () => {
  test('availability answers name the service asked about', async () => {
    const { checkAvailability } = await import('./check-availability')
    const r = start(checkAvailability, { date: 'tomorrow', time: '2 PM', service: 'cleaning' }, env)
    expect(r.effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-12-01', '14:00'), minutes: 60, serviceId: 'cleaning' }])
    const a = step(checkAvailability, r, { type: 'availability', free: true, alternatives: [], at: later }, 'answered')
    expect(says(a.effects)).toEqual(['For Dental cleaning, 2 PM tomorrow is available.'])
  })

  test('rescheduling keeps the appointment’s service: its grid and its length', async () => {
    const { rescheduleAppointment } = await import('./reschedule-appointment')
    const r = start(rescheduleAppointment, {}, env)
    const list = [{ id: 'A1', startsAt: at('2026-12-01', '14:00'), minutes: 60, serviceId: 'cleaning' }]
    const chosen = step(rescheduleAppointment, r, { type: 'appointments', list, at: later } as never, 'collectingDate')
    expect(chosen.snapshot.context.settings.slotMinutes).toBe(60)
    expect(chosen.snapshot.context.settings.service).toEqual({ id: 'cleaning', name: 'Dental cleaning' })
    const t = step(rescheduleAppointment, chosen, rescheduleAppointment.input({ date: 'tomorrow', time: '3 PM' }, later) as never, 'checking')
    expect(t.effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-12-01', '15:00'), minutes: 60, serviceId: 'cleaning' }])
  })

  test('rescheduling re-checks staff hours for the new slot: kept by its staff member when they work then, moved to another who does, refused when nobody does', async () => {
    const store = await Store.open(':memory:')
    const domain = storeDomain(store)
    const checkup = s('checkup')
    const ctx = (key: string) => ({ idemKey: key, taskId: key, callId: 'c', caller: '+15550000001', tenant: 'default', settings: checkup, now: NOW })
    const move = (id: string, day: string, time: string) => domain.run({ kind: 'move_appointment', appointmentId: id, startsAt: at(day, time), minutes: 30, serviceId: 'checkup' }, ctx(`${id}-move-${day}-${time}`))
    // Tuesday 10:00 check-up: Dr. Weber (mornings only).
    expect((await domain.run({ kind: 'book', startsAt: at('2026-12-01', '10:00'), minutes: 30, serviceId: 'checkup' }, ctx('A'))).type).toBe('booked')
    expect((await store.appointments.get('A'))?.resource).toBe('dr-weber')
    // To 11:00 the same day: Dr. Weber works then and keeps it.
    expect((await move('A', '2026-12-01', '11:00')).type).toBe('appointment_moved')
    expect(await store.appointments.get('A')).toMatchObject({ starts_at: at('2026-12-01', '11:00'), resource: 'dr-weber' })
    // To Tuesday 14:00: Dr. Weber does not work then, Anna (who also does check-ups) does: it moves to her.
    expect((await move('A', '2026-12-01', '14:00')).type).toBe('appointment_moved')
    expect(await store.appointments.get('A')).toMatchObject({ starts_at: at('2026-12-01', '14:00'), resource: 'anna' })
    // To Monday 14:00 (Monday 2026-11-30 is not in the horizon test's way): nobody who does check-ups works then.
    const refused = await move('A', '2026-12-07', '14:00')
    expect(refused.type).toBe('slot_taken')
    expect(await store.appointments.get('A')).toMatchObject({ starts_at: at('2026-12-01', '14:00'), resource: 'anna' })
    await store.close()
  })
})

