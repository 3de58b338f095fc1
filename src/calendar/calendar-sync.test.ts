/**
 * The sync's answers to what a server can say (412 on create and update, 404 on delete), with a scripted calendar:
 * the Radicale tests cover the happy paths end to end; these pin the races that are hard to provoke there.
 */
import { describe, expect, test } from 'bun:test'
import type { AppointmentRow } from '../store/rows'
import type { CalendarClient, CalendarObject, WriteResult } from './caldav-client'
import { calendarSync, eventSummary, fileOf, uidOf } from './calendar-sync'
import { buildEvent, readEvent } from './ics'

const T = Date.UTC(2027, 0, 5, 10, 0)
const row = (over: Partial<AppointmentRow> = {}): AppointmentRow => ({
  id: 'T1-ab:3:0',
  caller: '+14155550123',
  starts_at: T,
  minutes: 30,
  status: 'booked',
  task_id: 'T1-ab',
  call_id: 'c1',
  service_id: null,
  tenant_id: 'default',
  resource: '',
  caller_name: null,
  created_at: T - 86_400_000,
  updated_at: T - 86_400_000,
  ...over,
})

/** A calendar holding one object per file, with scripted answers for the next writes. */
function scripted(script: { create?: WriteResult[]; update?: WriteResult[]; remove?: WriteResult[] }) {
  const files = new Map<string, CalendarObject>()
  const calls: string[] = []
  const next = (list: WriteResult[] | undefined) => list?.shift() ?? 'ok'
  const client: CalendarClient = {
    connect: async () => ({ url: 'http://cal/', name: 'Cal' }),
    objectsBetween: async () => [...files.values()],
    get: async (names) => names.flatMap((n) => files.get(n) ?? []),
    async create(file, ics) {
      calls.push(`create ${file}`)
      const r = next(script.create)
      if (r === 'ok') files.set(file, { url: `http://cal/${file}`, etag: '"1"', data: ics })
      return r
    },
    async update(o, ics) {
      calls.push(`update ${o.etag}`)
      const r = next(script.update)
      if (r === 'ok') files.set(o.url.split('/').pop() ?? '', { url: o.url, etag: '"2"', data: ics })
      return r
    },
    async remove(o) {
      calls.push(`remove ${o.etag}`)
      const r = next(script.remove)
      if (r === 'ok') files.delete(o.url.split('/').pop() ?? '')
      return r
    },
    urlOf: async (file) => `http://cal/${file}`,
  }
  return { client, files, calls }
}

const settings = { url: 'http://cal/', username: 'u', password: 'p', callerDetails: ['number' as const], timeoutSeconds: 5 }

describe('calendarSync.push', () => {
  test('a replay finds its own event (412 on create) and writes nothing more', async () => {
    const c = scripted({})
    const sync = calendarSync(c.client, settings, 'UTC', () => T)
    await sync.push(row())
    c.calls.length = 0
    const again = scripted({ create: ['exists'] })
    for (const [k, v] of c.files) again.files.set(k, v)
    await calendarSync(again.client, settings, 'UTC', () => T).push(row())
    expect(again.calls).toEqual([`create ${fileOf('T1-ab:3:0')}`])
    expect(again.files.size).toBe(1)
  })

  test('a moved appointment updates its event; a 412 (edited meanwhile) is read again and written once more', async () => {
    const c = scripted({ create: ['exists', 'exists'], update: ['changed', 'ok'] })
    c.files.set(fileOf('T1-ab:3:0'), { url: `http://cal/${fileOf('T1-ab:3:0')}`, etag: '"1"', data: buildEvent({ uid: uidOf('T1-ab:3:0'), startsAt: T, minutes: 30, summary: 'x', stamp: T }) })
    await calendarSync(c.client, settings, 'UTC', () => T).push(row({ starts_at: T + 3_600_000 }))
    expect(c.calls).toEqual([`create ${fileOf('T1-ab:3:0')}`, 'update "1"', `create ${fileOf('T1-ab:3:0')}`, 'update "1"'])
    const [obj] = c.files.values()
    expect(readEvent(obj?.data ?? '', 'UTC')?.start).toBe(T + 3_600_000)
  })

  test('a cancelled appointment deletes its event; already gone is fine', async () => {
    const c = scripted({ remove: ['changed', 'ok'] })
    const sync = calendarSync(c.client, settings, 'UTC', () => T)
    await sync.push(row())
    await sync.push(row({ status: 'cancelled' }))
    expect(c.files.size).toBe(0)
    await sync.push(row({ status: 'cancelled' }))
    expect(c.calls.filter((x) => x.startsWith('remove'))).toEqual(['remove "1"', 'remove "1"'])
  })

  test('an event that keeps changing under it is reported, not looped on', async () => {
    const c = scripted({ create: ['exists', 'exists', 'exists'], update: ['changed', 'changed', 'changed'] })
    c.files.set(fileOf('T1-ab:3:0'), { url: `http://cal/${fileOf('T1-ab:3:0')}`, etag: '"1"', data: buildEvent({ uid: uidOf('T1-ab:3:0'), startsAt: T, minutes: 30, summary: 'x', stamp: T }) })
    await expect(calendarSync(c.client, settings, 'UTC', () => T).push(row({ starts_at: T + 1_800_000 }))).rejects.toThrow('kept changing')
  })

  test('busy times leave out the appointment\'s own event', async () => {
    const c = scripted({})
    const sync = calendarSync(c.client, settings, 'UTC', () => T)
    await sync.push(row())
    expect(await sync.busy(T - 3_600_000, T + 3_600_000)).toHaveLength(1)
    expect(await sync.busy(T - 3_600_000, T + 3_600_000, 'T1-ab:3:0')).toEqual([])
  })
})

describe('eventSummary', () => {
  test('service, then the caller details allowed', () => {
    expect(eventSummary({ service: 'Check-up', name: 'Anne', number: '+1415' }, ['name', 'number'])).toBe('Check-up: Anne, +1415')
    expect(eventSummary({ name: 'Anne', number: '+1415' }, ['number'])).toBe('Appointment: +1415')
    expect(eventSummary({ service: 'Cleaning', number: '+1415' }, [])).toBe('Cleaning')
  })
})
