import { describe, expect, test } from 'bun:test'
import { addDays, daysBetween, isIsoDate, isValidTimeZone, localDate, localMinutes, offsetAt, wallClock, weekdayOf, zonedToEpoch } from './zoned-time'

const iso = (t: number) => new Date(t).toISOString()

describe('zonedToEpoch', () => {
  test('plain winter and summer times', () => {
    expect(iso(zonedToEpoch(2026, 1, 15, 10, 0, 'America/New_York'))).toBe('2026-01-15T15:00:00.000Z')
    expect(iso(zonedToEpoch(2026, 7, 15, 10, 0, 'America/New_York'))).toBe('2026-07-15T14:00:00.000Z')
    expect(iso(zonedToEpoch(2026, 7, 15, 10, 30, 'UTC'))).toBe('2026-07-15T10:30:00.000Z')
    expect(iso(zonedToEpoch(2026, 7, 15, 10, 0, 'Asia/Kolkata'))).toBe('2026-07-15T04:30:00.000Z')
  })
  test('New York spring forward 2026-03-08: before, in the gap, after', () => {
    expect(iso(zonedToEpoch(2026, 3, 8, 1, 30, 'America/New_York'))).toBe('2026-03-08T06:30:00.000Z')
    // 02:30 does not exist; pushed forward by the gap to 03:30 EDT
    expect(iso(zonedToEpoch(2026, 3, 8, 2, 30, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z')
    expect(iso(zonedToEpoch(2026, 3, 8, 3, 0, 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z')
    expect(iso(zonedToEpoch(2026, 3, 8, 10, 0, 'America/New_York'))).toBe('2026-03-08T14:00:00.000Z')
    expect(iso(zonedToEpoch(2026, 3, 7, 10, 0, 'America/New_York'))).toBe('2026-03-07T15:00:00.000Z')
  })
  test('New York fall back 2026-11-01: the repeated hour takes the earlier instant', () => {
    expect(iso(zonedToEpoch(2026, 11, 1, 1, 30, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z')
    expect(iso(zonedToEpoch(2026, 11, 1, 2, 0, 'America/New_York'))).toBe('2026-11-01T07:00:00.000Z')
    expect(iso(zonedToEpoch(2026, 11, 1, 10, 0, 'America/New_York'))).toBe('2026-11-01T15:00:00.000Z')
  })
  test('Berlin 2026-03-29 and 2026-10-25', () => {
    expect(iso(zonedToEpoch(2026, 3, 29, 1, 59, 'Europe/Berlin'))).toBe('2026-03-29T00:59:00.000Z')
    expect(iso(zonedToEpoch(2026, 3, 29, 2, 30, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z')
    expect(iso(zonedToEpoch(2026, 3, 29, 9, 0, 'Europe/Berlin'))).toBe('2026-03-29T07:00:00.000Z')
    expect(iso(zonedToEpoch(2026, 10, 25, 2, 30, 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z')
    expect(iso(zonedToEpoch(2026, 10, 25, 9, 0, 'Europe/Berlin'))).toBe('2026-10-25T08:00:00.000Z')
  })
  test('round trip through wall clock for every half hour across both New York changes', () => {
    for (const day of ['2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02']) {
      const [y, m, d] = day.split('-').map(Number) as [number, number, number]
      for (let min = 0; min < 1440; min += 30) {
        if (day === '2026-03-08' && min >= 120 && min < 180) continue // the gap
        const t = zonedToEpoch(y, m, d, Math.floor(min / 60), min % 60, 'America/New_York')
        expect(localDate(t, 'America/New_York')).toBe(day)
        expect(localMinutes(t, 'America/New_York')).toBe(min)
      }
    }
  })
})

describe('calendar helpers', () => {
  test('offsets and wall clock', () => {
    expect(offsetAt(Date.UTC(2026, 0, 1), 'America/New_York')).toBe(-5 * 3_600_000)
    expect(offsetAt(Date.UTC(2026, 6, 1, 0, 0, 42, 7), 'Europe/Berlin')).toBe(2 * 3_600_000)
    expect(wallClock(Date.UTC(2026, 2, 7, 3, 30), 'America/New_York')).toEqual({ year: 2026, month: 3, day: 6, hour: 22, minute: 30, weekday: 5 })
  })
  test('time zone names', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true)
    expect(isValidTimeZone('UTC')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus')).toBe(false)
  })
  test('date strings', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(daysBetween('2026-03-07', '2026-03-09')).toBe(2)
    expect(weekdayOf('2026-03-08')).toBe(0)
    expect(isIsoDate('2026-02-29')).toBe(false)
    expect(isIsoDate('2028-02-29')).toBe(true)
    expect(isIsoDate('2026-2-1')).toBe(false)
  })
})
