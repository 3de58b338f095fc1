import { describe, expect, test } from 'bun:test'
import { parseBusinessHours, type WeekHours } from '../../config/business-hours'
import { checkDay, checkSlot, daySlots, nearestFreeSlots, slotProblemText } from './slots'
import { localDate, localMinutes, zonedToEpoch } from './zoned-time'

const NY = 'America/New_York'
const week = (text: string): WeekHours => {
  const r = parseBusinessHours(text)
  if (!r.ok) throw new Error(r.error)
  return r.hours
}
const hours = week('Mon-Fri 09:00-17:00; Sat 10:00-14:00')
// Friday 2026-03-06 at 09:40 in New York
const now = zonedToEpoch(2026, 3, 6, 9, 40, NY)
const at = (date: string, minutes: number) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return zonedToEpoch(y, m, d, Math.floor(minutes / 60), minutes % 60, NY)
}
const label = (t: number) => `${localDate(t, NY)} ${Math.floor(localMinutes(t, NY) / 60)}:${String(localMinutes(t, NY) % 60).padStart(2, '0')}`

describe('checkSlot', () => {
  test('a free grid slot gives its instant', () => {
    expect(checkSlot('2026-03-09', 600, hours, 30, NY, now)).toEqual({ ok: true, startsAt: at('2026-03-09', 600) })
    expect(checkSlot('2026-03-06', 600, hours, 30, NY, now)).toEqual({ ok: true, startsAt: at('2026-03-06', 600) })
  })
  test('the first slot on the New York spring-forward Monday is 09:00 EDT', () => {
    const r = checkSlot('2026-03-09', 540, hours, 30, NY, now)
    expect(r.ok && new Date(r.startsAt).toISOString()).toBe('2026-03-09T13:00:00.000Z')
  })
  test('reasons, from coarse to fine', () => {
    expect(checkSlot('2026-03-05', 600, hours, 30, NY, now)).toEqual({ ok: false, reason: 'past' })
    expect(checkSlot('2026-03-06', 540, hours, 30, NY, now)).toEqual({ ok: false, reason: 'past' })
    expect(checkSlot('2026-03-08', 600, hours, 30, NY, now)).toEqual({ ok: false, reason: 'closed', weekday: 0 })
    expect(checkSlot('2026-03-07', 900, hours, 30, NY, now)).toEqual({
      ok: false, reason: 'outside_hours', weekday: 6, intervals: [{ from: 600, to: 840 }],
    })
    expect(checkSlot('2026-03-09', 615, hours, 30, NY, now)).toEqual({ ok: false, reason: 'not_aligned', slotMinutes: 30, nearest: 600 })
    expect(checkSlot('2026-03-09', 1005, hours, 30, NY, now)).toEqual({ ok: false, reason: 'not_aligned', slotMinutes: 30, nearest: 990 })
    // today, the nearest grid time must still be ahead
    expect(checkSlot('2026-03-06', 575, hours, 30, NY, now)).toEqual({ ok: false, reason: 'past' })
    expect(checkSlot('2026-03-06', 420, hours, 30, NY, now)).toEqual({ ok: false, reason: 'past' })
    expect(checkSlot('2026-03-06', 1000, hours, 30, NY, at('2026-03-06', 995))).toEqual({ ok: false, reason: 'day_over' })
    expect(checkSlot('2026-03-06', 590, hours, 30, NY, at('2026-03-06', 585))).toEqual({ ok: false, reason: 'not_aligned', slotMinutes: 30, nearest: 600 })
  })
  test('the grid starts at each opening', () => {
    const split = week('Mon 08:45-12:00,13:00-14:00')
    expect(daySlots(split, 1, 60)).toEqual([525, 585, 645, 780])
    expect(checkSlot('2026-03-09', 645, split, 60, NY, now).ok).toBe(true)
    expect(checkSlot('2026-03-09', 720, split, 60, NY, now)).toMatchObject({ reason: 'outside_hours' })
  })
})

describe('checkDay', () => {
  test('open, past, closed, over for today', () => {
    expect(checkDay('2026-03-09', hours, 30, NY, now)).toEqual({ ok: true })
    expect(checkDay('2026-03-06', hours, 30, NY, now)).toEqual({ ok: true })
    expect(checkDay('2026-03-05', hours, 30, NY, now)).toEqual({ ok: false, reason: 'past' })
    expect(checkDay('2026-03-08', hours, 30, NY, now)).toEqual({ ok: false, reason: 'closed', weekday: 0 })
    expect(checkDay('2026-03-06', hours, 30, NY, at('2026-03-06', 990))).toEqual({ ok: false, reason: 'day_over' })
  })
})

describe('nearestFreeSlots', () => {
  test('same day first, nearest either side, then following days', () => {
    const taken = new Set([at('2026-03-09', 600), at('2026-03-09', 630)])
    const r = nearestFreeSlots(at('2026-03-09', 600), 3, (t) => taken.has(t), hours, 30, NY, now)
    expect(r.map(label)).toEqual(['2026-03-09 9:30', '2026-03-09 9:00', '2026-03-09 11:00'])
  })
  test('a full day rolls over to the next open day, skipping Sunday', () => {
    const r = nearestFreeSlots(at('2026-03-07', 600), 3, (t) => localDate(t, NY) === '2026-03-07', hours, 30, NY, now)
    expect(r.map(label)).toEqual(['2026-03-09 9:00', '2026-03-09 9:30', '2026-03-09 10:00'])
  })
  test('never offers the past', () => {
    const r = nearestFreeSlots(at('2026-03-06', 570), 2, () => false, hours, 30, NY, now)
    expect(r.map(label)).toEqual(['2026-03-06 10:00', '2026-03-06 10:30'])
  })
  test('a fully booked calendar ends the bounded search', () => {
    expect(nearestFreeSlots(at('2026-03-09', 600), 3, () => true, hours, 30, NY, now)).toEqual([])
  })
})

describe('slotProblemText', () => {
  test.each([
    [{ reason: 'past' } as const, "That's already in the past."],
    [{ reason: 'day_over' } as const, "We're closed for the rest of today."],
    [{ reason: 'closed', weekday: 0 } as const, "We're closed on Sundays."],
    [{ reason: 'outside_hours', weekday: 1, intervals: [{ from: 510, to: 720 }, { from: 780, to: 1080 }] } as const,
      "On Mondays we're open from 8:30 AM to 12 PM and from 1 PM to 6 PM."],
    [{ reason: 'not_aligned', slotMinutes: 30, nearest: 630 } as const, 'Appointments start every 30 minutes; the nearest is 10:30 AM.'],
  ])('%p', (p, text) => {
    expect(slotProblemText(p)).toBe(text)
  })
})
