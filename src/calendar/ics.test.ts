import { describe, expect, test } from 'bun:test'
import { buildEvent, busyIn, readEvent } from './ics'

const T = Date.UTC(2026, 11, 3, 10, 0) // Thu 3 Dec 2026 10:00 UTC
const H = 3_600_000
const wrap = (body: string) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n${body}END:VCALENDAR\r\n`

describe('buildEvent', () => {
  test('writes one VEVENT that reads back with the same uid and times', () => {
    const text = buildEvent({ uid: 'fastagent-T1-ab-3-0', startsAt: T, minutes: 45, summary: 'Check-up: Anne', stamp: T - H })
    expect(text).toContain('BEGIN:VEVENT')
    expect(text).toContain('SUMMARY:Check-up: Anne')
    expect(readEvent(text, 'UTC')).toEqual({ uid: 'fastagent-T1-ab-3-0', start: T, end: T + 45 * 60_000, summary: 'Check-up: Anne' })
    expect(busyIn(text, T - H, T + H, 'UTC')).toEqual([{ start: T, end: T + 45 * 60_000, uid: 'fastagent-T1-ab-3-0' }])
  })

  test('escapes what the caller said instead of letting it add properties', () => {
    const text = buildEvent({ uid: 'u1', startsAt: T, minutes: 30, summary: 'Anne\r\nATTENDEE:mailto:x@example.com', stamp: T })
    expect(text).not.toMatch(/^ATTENDEE/m)
    expect(readEvent(text, 'UTC')?.uid).toBe('u1')
  })
})

describe('busyIn', () => {
  test('zoned, floating and all-day times', () => {
    const tzid = wrap(
      'BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n' +
        'BEGIN:VEVENT\r\nUID:z\r\nDTSTAMP:20261201T000000Z\r\nDTSTART;TZID=Europe/Berlin:20261203T110000\r\nDTEND;TZID=Europe/Berlin:20261203T120000\r\nEND:VEVENT\r\n',
    )
    expect(busyIn(tzid, T - H, T + 2 * H, 'UTC')).toEqual([{ start: T, end: T + H, uid: 'z' }])
    const floating = wrap('BEGIN:VEVENT\r\nUID:f\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261203T110000\r\nDURATION:PT30M\r\nEND:VEVENT\r\n')
    // Floating 11:00 read in the business zone (Berlin, UTC+1 in December) is 10:00 UTC.
    expect(busyIn(floating, T - H, T + H, 'Europe/Berlin')).toEqual([{ start: T, end: T + 30 * 60_000, uid: 'f' }])
    const allDay = wrap('BEGIN:VEVENT\r\nUID:d\r\nDTSTAMP:20261201T000000Z\r\nDTSTART;VALUE=DATE:20261203\r\nEND:VEVENT\r\n')
    expect(busyIn(allDay, T, T + H, 'UTC')).toEqual([{ start: Date.UTC(2026, 11, 3), end: Date.UTC(2026, 11, 4), uid: 'd' }])
  })

  test('transparent and cancelled events leave the slot free; outside the window is dropped', () => {
    const ev = (uid: string, extra: string) =>
      `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261203T100000Z\r\nDTEND:20261203T110000Z\r\n${extra}END:VEVENT\r\n`
    expect(busyIn(wrap(ev('a', 'TRANSP:TRANSPARENT\r\n')), T - H, T + H, 'UTC')).toEqual([])
    expect(busyIn(wrap(ev('b', 'STATUS:CANCELLED\r\n')), T - H, T + H, 'UTC')).toEqual([])
    expect(busyIn(wrap(ev('c', '')), T + H, T + 2 * H, 'UTC')).toEqual([])
  })

  test('recurrences are expanded, with EXDATE and a moved occurrence', () => {
    const text = wrap(
      'BEGIN:VEVENT\r\nUID:r\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20261201T100000Z\r\nDTEND:20261201T103000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20261202T100000Z\r\nEND:VEVENT\r\n' +
        'BEGIN:VEVENT\r\nUID:r\r\nDTSTAMP:20261201T000000Z\r\nRECURRENCE-ID:20261204T100000Z\r\nDTSTART:20261204T140000Z\r\nDTEND:20261204T143000Z\r\nEND:VEVENT\r\n',
    )
    const starts = busyIn(text, Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 10), 'UTC').map((b) => new Date(b.start).toISOString())
    expect(starts).toEqual(['2026-12-01T10:00:00.000Z', '2026-12-03T10:00:00.000Z', '2026-12-04T14:00:00.000Z', '2026-12-05T10:00:00.000Z'])
  })

  test('free-busy periods count, FREE ones do not; garbage is no busy time', () => {
    const text = wrap(
      'BEGIN:VFREEBUSY\r\nUID:fb\r\nDTSTAMP:20261201T000000Z\r\nFREEBUSY:20261203T100000Z/PT1H\r\nFREEBUSY;FBTYPE=FREE:20261203T120000Z/20261203T130000Z\r\nEND:VFREEBUSY\r\n',
    )
    expect(busyIn(text, T - H, T + 4 * H, 'UTC')).toEqual([{ start: T, end: T + H, uid: undefined }])
    expect(busyIn('not a calendar', 0, T, 'UTC')).toEqual([])
  })
})
