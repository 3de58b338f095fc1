import { describe, expect, test } from 'bun:test'
import { describeBusinessHours, formatClock, parseBusinessHours } from './business-hours'

describe('parseBusinessHours', () => {
  test('weekday range', () => {
    const r = parseBusinessHours('Mon-Fri 09:00-17:00')
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.hours[0]).toEqual([])
    expect(r.hours[1]).toEqual([{ from: 540, to: 1020 }])
    expect(r.hours[5]).toEqual([{ from: 540, to: 1020 }])
    expect(r.hours[6]).toEqual([])
  })
  test('several rules, split days, lunch break', () => {
    const r = parseBusinessHours('Mon,Wed 08:30-12:00,13:00-18:00; Sat 10:00-14:00')
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.hours[1]).toEqual([{ from: 510, to: 720 }, { from: 780, to: 1080 }])
    expect(r.hours[2]).toEqual([])
    expect(r.hours[6]).toEqual([{ from: 600, to: 840 }])
  })
  test('wrapping day range', () => {
    const r = parseBusinessHours('Fri-Mon 10:00-11:00')
    expect(r.ok && [5, 6, 0, 1].every((d) => r.hours[d]?.length === 1) && r.hours[3]?.length === 0).toBe(true)
  })
  test.each(['', 'always', 'Mon 9-5', 'Funday 09:00-10:00', 'Mon 10:00-09:00', 'Mon 25:00-26:00'])('rejects %p', (text) => {
    expect(parseBusinessHours(text).ok).toBe(false)
  })
  test('"," between rules: the message says to use ";"', () => {
    const r = parseBusinessHours('Mon-Fri 09:00-17:00, Sat 10:00-14:00')
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toContain('use ";" between rules')
    expect(r.error).toContain('"Sat 10:00-14:00"')
  })
  test('overlapping rules are refused, naming the day and both spans; touching spans are fine', () => {
    const r = parseBusinessHours('Mon-Fri 09:00-17:00; Wed 12:00-18:00')
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toBe('has overlapping hours on Wednesday: 09:00-17:00 and 12:00-18:00 (each day\'s spans must not overlap)')
    expect(parseBusinessHours('Mon 09:00-12:00,11:00-13:00').ok).toBe(false)
    expect(parseBusinessHours('Mon 09:00-12:00,12:00-13:00; Tue 09:00-10:00').ok).toBe(true)
  })
  test('describes hours the way people say them', () => {
    const r = parseBusinessHours('Mon-Fri 09:00-17:00; Sat 10:00-14:30')
    if (!r.ok) throw new Error(r.error)
    expect(describeBusinessHours(r.hours)).toBe('Monday to Friday, 9 AM to 5 PM; Saturday, 10 AM to 2:30 PM')
    expect(formatClock(0)).toBe('12 AM')
    expect(formatClock(12 * 60 + 5)).toBe('12:05 PM')
  })
})
