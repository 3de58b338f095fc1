import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { Store } from './store'
import { StaleTaskError, type TaskStep } from './tasks-repo'
import { MIGRATIONS } from './migrations'

const dirs: string[] = []
function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'fa-store-'))
  dirs.push(d)
  return join(d, 'nested', 'fa.db')
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const call = (s: Store, id = 'c1', caller = '+14155550123') =>
  s.calls.create({ id, conversationId: `conv-${id}`, direction: 'inbound', caller, botName: 'bot', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 1000 })

const step = (over: Partial<TaskStep> = {}): TaskStep => ({
  taskId: 'T1',
  callId: 'c1',
  kind: 'book_appointment',
  machine: 'book',
  version: 1,
  state: 'collectingTime',
  context: { date: '2026-11-26' },
  seq: 1,
  status: 'open',
  prevSeq: null,
  event: { type: 'start', at: 1000 },
  effects: [],
  timers: { set: [], clear: [] },
  at: 1000,
  ...over,
})

describe('Store', () => {
  test('creates its folder, WAL mode, migrations by user_version, reopen is idempotent', () => {
    const path = tempDb()
    const s = Store.open(path)
    expect(s.db.schemaVersion).toBe(MIGRATIONS.length)
    expect(s.db.sqlite.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    expect(s.db.sqlite.query('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 })
    call(s)
    s.close()
    const again = Store.open(path)
    expect(again.calls.get('c1')?.caller).toBe('+14155550123')
    expect(again.db.integrityCheck()).toBe('ok')
    again.close()
  })

  test('refuses a database from a newer build', () => {
    const path = tempDb()
    Store.open(path).close()
    const raw = new Database(path)
    raw.run(`PRAGMA user_version = ${MIGRATIONS.length + 5}`)
    raw.close()
    expect(() => Store.open(path)).toThrow(/newer than this build/)
  })

  test('task steps: snapshot + journal + timers + outbox in one transaction, guarded by seq', () => {
    const s = Store.open(':memory:')
    call(s)
    s.tasks.commit(step({ effects: [{ idemKey: 'T1:1:0', kind: 'check_availability', payload: { startsAt: 5 } }], timers: { set: [{ id: 'remind', at: 9000 }], clear: [] } }), false)
    expect(s.tasks.get('T1')?.seq).toBe(1)
    expect(s.outbox.byKey('T1:1:0')?.status).toBe('pending')
    expect(s.tasks.timers('T1')).toEqual([{ id: 'remind', at: 9000 }])
    s.tasks.commit(step({ seq: 2, prevSeq: 1, state: 'confirming', event: { type: 'availability', free: true, at: 1001 }, timers: { set: [], clear: ['remind'] } }), true)
    expect(s.tasks.get('T1')?.state).toBe('confirming')
    expect(s.tasks.timers('T1')).toEqual([])
    expect(s.tasks.journal('T1').map((j) => j.seq)).toEqual([1, 2])
    // A stale writer (expects seq 1 again) fails and changes nothing.
    expect(() => s.tasks.commit(step({ seq: 2, prevSeq: 1, state: 'booked' }), false)).toThrow(StaleTaskError)
    expect(s.tasks.get('T1')?.state).toBe('confirming')
    expect(s.tasks.journal('T1')).toHaveLength(2)
    // A failing step rolls back entirely: the journal insert conflicts (seq 2 exists) after the snapshot update.
    expect(() => s.tasks.commit(step({ seq: 2, prevSeq: 2, state: 'booked', effects: [{ idemKey: 'new', kind: 'book', payload: {} }] }), false)).toThrow()
    expect(s.tasks.get('T1')?.state).toBe('confirming')
    expect(s.outbox.byKey('new')).toBeUndefined()
  })

  test('two bookings of one slot: exactly one wins; booking is idempotent by id', () => {
    const s = Store.open(':memory:')
    const a = s.appointments.book({ id: 'a', caller: '+1111111111', startsAt: 5000, minutes: 30, at: 1 })
    const b = s.appointments.book({ id: 'b', caller: '+2222222222', startsAt: 5000, minutes: 30, at: 1 })
    expect(a.ok).toBe(true)
    expect(b).toEqual({ ok: false, reason: 'taken' })
    expect(s.appointments.book({ id: 'a', caller: '+1111111111', startsAt: 5000, minutes: 30, at: 2 }).ok).toBe(true)
    expect(s.appointments.cancel('a', 3)).toBe(true)
    // the slot is free again once cancelled
    expect(s.appointments.book({ id: 'c', caller: '+2222222222', startsAt: 5000, minutes: 30, at: 4 }).ok).toBe(true)
    expect(s.appointments.move('c', 6000, 5)).toEqual({ ok: true })
    const HALF_HOUR = 1_800_000
    expect(s.appointments.book({ id: 'd', caller: '+3', startsAt: 6000 + HALF_HOUR, minutes: 30, at: 6 }).ok).toBe(true)
    expect(s.appointments.move('c', 6000 + HALF_HOUR, 7)).toEqual({ ok: false, reason: 'taken' })
    expect(s.appointments.upcomingFor('+2222222222', 0).map((x) => x.starts_at)).toEqual([6000])
  })

  test('appointments of different lengths: an overlap is taken, per resource; back to back is free', () => {
    const s = Store.open(':memory:')
    const T = 1_000_000_000_000
    const M = 60_000
    expect(s.appointments.book({ id: 'long', caller: '+1', startsAt: T, minutes: 60, serviceId: 'cleaning', resource: 'anna', at: 1 }).ok).toBe(true)
    expect(s.appointments.book({ id: 'inside', caller: '+2', startsAt: T + 30 * M, minutes: 30, resource: 'anna', at: 1 })).toEqual({ ok: false, reason: 'taken' })
    expect(s.appointments.book({ id: 'before', caller: '+2', startsAt: T - 15 * M, minutes: 30, resource: 'anna', at: 1 })).toEqual({ ok: false, reason: 'taken' })
    expect(s.appointments.book({ id: 'other', caller: '+2', startsAt: T + 30 * M, minutes: 30, resource: 'weber', at: 1 }).ok).toBe(true)
    expect(s.appointments.book({ id: 'after', caller: '+3', startsAt: T + 60 * M, minutes: 30, resource: 'anna', at: 1 }).ok).toBe(true)
    expect(s.appointments.isTaken(T + 45 * M, 15, 'anna')).toBe(true)
    expect(s.appointments.isTaken(T + 90 * M, 30, 'anna')).toBe(false)
    expect(s.appointments.get('long')).toMatchObject({ service_id: 'cleaning', resource: 'anna', minutes: 60 })
    // A move keeps its resource and its length: onto anna's 'after' it is taken.
    expect(s.appointments.move('other', T + 60 * M, 2)).toEqual({ ok: true })
    expect(s.appointments.move('long', T + 60 * M, 2)).toEqual({ ok: false, reason: 'taken' })
  })

  test('outbox: idempotent enqueue, begin counts attempts before the work, retry/done/hold', () => {
    const s = Store.open(':memory:')
    expect(s.outbox.enqueue({ idemKey: 'sms:drop:c1', kind: 'sms', payload: { to: '+1' }, at: 10 })).toBe(true)
    expect(s.outbox.enqueue({ idemKey: 'sms:drop:c1', kind: 'sms', payload: { to: '+1' }, at: 11 })).toBe(false)
    const [row] = s.outbox.due(['sms'], 10)
    expect(row?.attempts).toBe(0)
    s.outbox.begin(row!.id, 12)
    s.outbox.retry(row!.id, 'twilio 500', 100, 12)
    expect(s.outbox.due(['sms'], 50)).toHaveLength(0)
    expect(s.outbox.due(['sms'], 100)[0]?.attempts).toBe(1)
    s.outbox.done(row!.id, { sid: 'SM1' }, 101)
    expect(s.outbox.byKey('sms:drop:c1')?.status).toBe('done')
    expect(s.outbox.due(['sms'], 1e15)).toHaveLength(0)
  })

  test('resumable calls by caller and window; expiry', () => {
    const s = Store.open(':memory:')
    call(s, 'c1')
    s.calls.end('c1', 'lost', 'pending', 5000)
    expect(s.calls.resumableFor('+14155550123', 4000)?.id).toBe('c1')
    expect(s.calls.resumableFor('+14155550123', 6000)).toBeUndefined()
    expect(s.calls.expireResumes(6000, 7000)).toBe(1)
    expect(s.calls.resumableFor('+14155550123', 0)).toBeUndefined()
  })

  test('purge removes personal data older than the cut-off, keeps the rest', () => {
    const s = Store.open(':memory:')
    call(s, 'old')
    s.calls.end('old', 'completed', null, 2000)
    s.transcript.add('old', 'caller', 'my number is +14155550123', 1500)
    s.sms.record({ direction: 'out', callId: 'old', number: '+14155550123', body: 'hello', status: 'sent', at: 1500 })
    call(s, 'new')
    s.transcript.add('new', 'caller', 'recent', 9000)
    expect(s.purge(5000)).toBeGreaterThan(0)
    expect(s.transcript.list('old')).toHaveLength(0)
    expect(s.transcript.list('new')).toHaveLength(1)
    expect(s.calls.get('old')?.caller).toBeNull()
    expect(s.calls.get('new')?.caller).toBe('+14155550123')
    expect(s.sms.all()[0]?.body).toBe('[purged]')
  })
})
