/**
 * @module calendar/ics
 * iCalendar in and out, through ical.js (no hand-written ICS): the VEVENT a booking writes, and the busy intervals a
 * calendar object stands for — opaque, not cancelled events (recurrences expanded, overrides and EXDATEs applied) and
 * VFREEBUSY periods. Pure: text in, data out.
 */
import ICAL from 'ical.js'
import { dateMinutesToEpoch } from '../agents/domain/zoned-time'

/** A busy interval [start, end) in epoch ms; `uid` names the event it came from (FastAgent recognizes its own). */
export type Busy = { readonly start: number; readonly end: number; readonly uid: string | undefined }

export type EventSpec = {
  readonly uid: string
  readonly startsAt: number
  readonly minutes: number
  readonly summary: string
  readonly description?: string
  /** DTSTAMP (epoch ms). */
  readonly stamp: number
}

const utc = (ms: number) => ICAL.Time.fromJSDate(new Date(ms), true)

/** One VCALENDAR with one VEVENT, times in UTC (every client shows them in its own zone). */
export function buildEvent(e: EventSpec): string {
  const cal = new ICAL.Component(['vcalendar', [], []])
  cal.updatePropertyWithValue('prodid', '-//FastAgent//Appointments//EN')
  cal.updatePropertyWithValue('version', '2.0')
  const vevent = new ICAL.Component('vevent')
  const ev = new ICAL.Event(vevent)
  ev.uid = e.uid
  ev.startDate = utc(e.startsAt)
  ev.endDate = utc(e.startsAt + e.minutes * 60_000)
  ev.summary = e.summary
  if (e.description !== undefined) ev.description = e.description
  vevent.updatePropertyWithValue('dtstamp', utc(e.stamp))
  vevent.updatePropertyWithValue('transp', 'OPAQUE')
  cal.addSubcomponent(vevent)
  return cal.toString()
}

/** Parses a calendar object; undefined when it is not iCalendar (a broken object must not stop availability). */
function parse(text: string): ICAL.Component | undefined {
  try {
    const c = new ICAL.Component(ICAL.parse(text))
    // Zones defined in the object itself, so TZID times mean what the author meant.
    for (const tz of c.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz)
    return c
  } catch {
    return undefined
  }
}

/** Floating times and all-day dates are read in the business's zone; zoned and UTC times are absolute. */
function toEpoch(t: ICAL.Time, tz: string): number {
  if (t.zone === ICAL.Timezone.localTimezone || t.isDate) {
    const date = `${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`
    return dateMinutesToEpoch(date, t.isDate ? 0 : t.hour * 60 + t.minute, tz) + (t.isDate ? 0 : t.second * 1000)
  }
  return t.toUnixTime() * 1000
}

const MAX_OCCURRENCES = 5000

/** Busy intervals overlapping [from, to) in one calendar object. */
export function busyIn(text: string, from: number, to: number, tz: string): Busy[] {
  const cal = parse(text)
  if (!cal) return []
  const out: Busy[] = []
  const keep = (start: number, end: number, uid: string | undefined) => {
    if (start < to && end > from) out.push({ start, end, uid })
  }
  const events = cal.getAllSubcomponents('vevent')
  const masters = events.filter((v) => !v.hasProperty('recurrence-id'))
  for (const vevent of masters) {
    const uid = stringProp(vevent, 'uid')
    const exceptions = events.filter((v) => v !== vevent && v.hasProperty('recurrence-id') && stringProp(v, 'uid') === uid)
    const ev = new ICAL.Event(vevent, { exceptions, strictExceptions: true })
    if (!ev.startDate) continue
    if (!ev.isRecurring()) {
      if (blocks(vevent)) keep(toEpoch(ev.startDate, tz), toEpoch(endOf(ev), tz), uid)
      continue
    }
    const it = ev.iterator()
    for (let i = 0, next = it.next(); next && i < MAX_OCCURRENCES; i++, next = it.next()) {
      const o = ev.getOccurrenceDetails(next)
      const start = toEpoch(o.startDate, tz)
      if (start >= to) break
      if (blocks(o.item.component)) keep(start, toEpoch(o.endDate, tz), uid)
    }
  }
  // Overrides whose master is not in this object (servers may send them alone).
  for (const v of events) {
    if (!v.hasProperty('recurrence-id')) continue
    const uid = stringProp(v, 'uid')
    if (masters.some((m) => stringProp(m, 'uid') === uid)) continue
    const ev = new ICAL.Event(v)
    if (ev.startDate && blocks(v)) keep(toEpoch(ev.startDate, tz), toEpoch(endOf(ev), tz), uid)
  }
  for (const fb of cal.getAllSubcomponents('vfreebusy')) {
    for (const p of fb.getAllProperties('freebusy')) {
      const type = String(p.getParameter('fbtype') ?? 'BUSY').toUpperCase()
      if (type === 'FREE') continue
      for (const v of p.getValues()) {
        if (!(v instanceof ICAL.Period)) continue
        keep(toEpoch(v.start, tz), toEpoch(v.getEnd(), tz), undefined)
      }
    }
  }
  return out
}

/** The first VEVENT of an object, as FastAgent reads its own appointments back (staff may have moved them). */
export function readEvent(text: string, tz: string): { uid: string; start: number; end: number; summary: string } | undefined {
  const cal = parse(text)
  const vevent = cal?.getFirstSubcomponent('vevent')
  if (!vevent) return undefined
  const ev = new ICAL.Event(vevent)
  const uid = stringProp(vevent, 'uid')
  if (!ev.startDate || uid === undefined) return undefined
  return { uid, start: toEpoch(ev.startDate, tz), end: toEpoch(endOf(ev), tz), summary: stringProp(vevent, 'summary') ?? '' }
}

/** An event with neither DTEND nor DURATION lasts a day when it is a date, else no time (RFC 5545 3.6.1). */
function endOf(ev: ICAL.Event): ICAL.Time {
  if (ev.component.hasProperty('dtend') || ev.component.hasProperty('duration')) return ev.endDate
  const end = ev.startDate.clone()
  if (end.isDate) end.adjust(1, 0, 0, 0)
  return end
}

/** Transparent ("show as free") and cancelled events do not block a slot. */
function blocks(vevent: ICAL.Component): boolean {
  const transp = String(vevent.getFirstPropertyValue('transp') ?? 'OPAQUE').toUpperCase()
  const status = String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase()
  return transp !== 'TRANSPARENT' && status !== 'CANCELLED'
}

function stringProp(c: ICAL.Component, name: string): string | undefined {
  const v = c.getFirstPropertyValue(name)
  return typeof v === 'string' ? v : undefined
}
