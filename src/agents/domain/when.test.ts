import { describe, expect, test } from 'bun:test'
import { parseBusinessHours, type WeekHours } from '../../config/business-hours'
import { describeDay, describeTimeFirst, describeWhen, parseDate, parseTime } from './when'
import { zonedToEpoch } from './zoned-time'

const NY = 'America/New_York'
// Friday 2026-03-06, 22:30 in New York (already Saturday in UTC): 'today' must be the business's today.
const lateFriday = zonedToEpoch(2026, 3, 6, 22, 30, NY)
// Monday 2026-11-30, 09:15 in New York
const monday = zonedToEpoch(2026, 11, 30, 9, 15, NY)
const hours = ((): WeekHours => {
  const r = parseBusinessHours('Mon-Fri 09:00-17:00; Sat 10:00-14:00')
  if (!r.ok) throw new Error(r.error)
  return r.hours
})()
const weekday = hours[1] ?? []

const date = (text: string, now = lateFriday) => {
  const r = parseDate(text, now, NY, hours)
  return r.ok ? r.date : r.reason
}

describe('parseDate', () => {
  test('relative days in the business zone', () => {
    expect(date('today')).toBe('2026-03-06')
    expect(date('Tomorrow')).toBe('2026-03-07')
    expect(date('in two days')).toBe('2026-03-08')
    expect(date('the day after tomorrow')).toBe('2026-03-08')
  })
  test('weekdays are the coming ones', () => {
    expect(date('next tuesday')).toBe('2026-03-10')
    expect(date('on friday')).toBe('2026-03-13')
    expect(date('monday', monday)).toBe('2026-12-07')
    expect(date('on Tuesday', monday)).toBe('2026-12-01')
  })
  test('calendar dates, US order, rolling into next year when passed', () => {
    expect(date('december 3rd')).toBe('2026-12-03')
    expect(date('12/03')).toBe('2026-12-03')
    expect(date('December 3rd', zonedToEpoch(2026, 12, 5, 9, 0, NY))).toBe('2027-12-03')
    expect(date('the 5th', monday)).toBe('2026-12-05')
    expect(date('on the 31st', zonedToEpoch(2026, 11, 30, 9, 0, NY))).toBe('2026-12-31')
    expect(date('2026-04-01')).toBe('2026-04-01')
  })
  test('a time said with the date comes back too', () => {
    expect(parseDate('tomorrow at 10 AM', lateFriday, NY, hours)).toEqual({ ok: true, date: '2026-03-07', minutes: 600 })
    // Saturday 10–14: a bare 'at 1' is 1 PM
    expect(parseDate('tomorrow at 1', lateFriday, NY, hours)).toEqual({ ok: true, date: '2026-03-07', minutes: 780 })
  })
  test.each(['', 'whenever', 'blue', 'at 3', '10 AM'])('fails with a reason: %p', (text) => {
    expect(parseDate(text, lateFriday, NY)).toEqual({ ok: false, reason: "I didn't catch which day you mean." })
  })
})

const time = (text: string, day = weekday) => {
  const r = parseTime(text, day)
  return r.ok ? r.minutes : r.reason
}

describe('parseTime', () => {
  test.each([
    ['10 AM', 600], ['10am', 600], ['10 a.m.', 600], ['2 pm', 840], ['2 p.m.', 840], ['14:00', 840], ['10:30', 630],
    ['10', 600], ['at 10', 600], ["10 o'clock", 600], ['noon', 720], ['midnight', 0], ['half past two', 870],
    ['quarter to three', 885], ['quarter past nine', 555], ['twenty past ten', 620], ['ten thirty', 630],
    ['two fifteen pm', 855], ['ten oh five', 605], ['9 in the morning', 540], ['four in the afternoon', 960],
    ['09:00', 540], ['1430', 870], ['12', 720], ['12 am', 0], ['12:30 pm', 750], ['quarter to one', 765], ['10.30', 630],
  ] as const)('%p → %p', (text, minutes) => {
    expect(time(text)).toBe(minutes)
  })
  test('a bare hour picks the half of the day that is open', () => {
    expect(time('at 2')).toBe(840)
    expect(time('8', [{ from: 9 * 60, to: 21 * 60 }])).toBe(20 * 60)
    expect(time('8', [{ from: 7 * 60, to: 12 * 60 }])).toBe(8 * 60)
    // closed that day: people mean mornings for 7–11 and afternoons for 1–6
    expect(time('8', [])).toBe(480)
    expect(time('3', [])).toBe(900)
  })
  test.each(['', 'soon', '25:00', '10:75', 'half to three'])('fails with a reason: %p', (text) => {
    expect(time(text)).toBe("I didn't catch the time.")
  })
})

describe('describing', () => {
  test('today, tomorrow, and later dates', () => {
    expect(describeWhen(zonedToEpoch(2026, 11, 30, 10, 0, NY), monday, NY)).toBe('today at 10 AM')
    expect(describeWhen(zonedToEpoch(2026, 12, 1, 10, 0, NY), monday, NY)).toBe('tomorrow at 10 AM')
    expect(describeWhen(zonedToEpoch(2026, 12, 7, 14, 30, NY), monday, NY)).toBe('on Monday, December 7 at 2:30 PM')
    expect(describeWhen(zonedToEpoch(2026, 12, 7, 14, 30, NY), monday, NY, true)).toBe('Monday, December 7 at 2:30 PM')
    expect(describeTimeFirst(zonedToEpoch(2026, 12, 1, 10, 0, NY), monday, NY)).toBe('10 AM tomorrow')
  })
  test('uses the business zone for today, not UTC', () => {
    // 22:30 on Friday in New York is Saturday in UTC; 10 AM Saturday is still 'tomorrow'
    expect(describeWhen(zonedToEpoch(2026, 3, 7, 10, 0, NY), lateFriday, NY)).toBe('tomorrow at 10 AM')
  })
  test('the year is said only when it is not obvious', () => {
    expect(describeDay('2027-01-04', monday, NY)).toBe('on Monday, January 4')
    expect(describeDay('2027-11-04', monday, NY)).toBe('on Thursday, November 4, 2027')
  })
})
