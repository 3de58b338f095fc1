/**
 * The repository contract: what every storage engine must do, the same tests on each (`sqlite.test.ts`,
 * `postgres.test.ts`). Each test gets an empty, migrated store from the engine's factory.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import type { Store } from '../../src/store/store'
import { StaleTaskError, type TaskStep } from '../../src/store/tasks-repo'
import { MIGRATIONS } from '../../src/store/migrations'

export type StoreFactory = {
  readonly name: string
  /** An empty store with every migration applied. */
  fresh(): Promise<Store>
  /** Two handles on one new database (two instances of a cluster; on SQLite its single writer, shared). */
  pair(): Promise<readonly [Store, Store]>
}

const call = (s: Pick<Store, 'calls'>, id = 'c1', caller = '+14155550123', at = 1000) =>
  s.calls.create({ id, conversationId: `conv-${id}`, direction: 'inbound', caller, botName: 'bot', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at })

export const step = (over: Partial<TaskStep> = {}): TaskStep => ({
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

export function storeContract(f: StoreFactory): void {
  const open: Store[] = []
  const fresh = async () => {
    const s = await f.fresh()
    open.push(s)
    return s
  }
  const pair = async () => {
    const p = await f.pair()
    open.push(...p)
    return p
  }
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
  })

  describe(`store contract (${f.name})`, () => {
    test('a fresh store has every migration applied and reports itself healthy', async () => {
      const s = await fresh()
      expect(await s.schemaVersion()).toBe(MIGRATIONS.length)
      expect(await s.sql.integrityCheck()).toBe('ok')
    })

    test('calls: create, details, end once, resume window and expiry', async () => {
      const s = await fresh()
      await call(s)
      expect((await s.calls.get('c1'))?.caller).toBe('+14155550123')
      expect((await s.calls.byConversation('conv-c1'))?.id).toBe('c1')
      await s.calls.setDetails('c1', '+18005550100', { calleeHost: 'h' }, 1100)
      expect((await s.calls.get('c1'))?.callee).toBe('+18005550100')
      expect((await s.calls.live()).map((c) => c.id)).toEqual(['c1'])
      expect(await s.calls.end('c1', 'lost', 'pending', 5000)).toBe(true)
      // Ending twice changes nothing: the first ending decides.
      expect(await s.calls.end('c1', 'completed', null, 6000)).toBe(false)
      expect((await s.calls.get('c1'))?.end_reason).toBe('lost')
      expect(await s.calls.live()).toEqual([])
      expect((await s.calls.resumableFor('+14155550123', 4000))?.id).toBe('c1')
      expect(await s.calls.resumableFor('+14155550123', 6000)).toBeUndefined()
      expect(await s.calls.expireResumes(6000, 7000)).toBe(1)
      expect(await s.calls.resumableFor('+14155550123', 0)).toBeUndefined()
      // epoch milliseconds survive the round trip exactly (they do not fit 32 bits)
      await call(s, 'c2', '+14155550124', 1_767_225_600_123)
      expect((await s.calls.get('c2'))?.started_at).toBe(1_767_225_600_123)
    })

    test('a duplicate conversation id is refused and changes nothing', async () => {
      const s = await fresh()
      await call(s)
      await expect(s.calls.create({ id: 'c9', conversationId: 'conv-c1', direction: 'inbound', caller: undefined, botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 1 })).rejects.toThrow()
      expect(await s.calls.get('c9')).toBeUndefined()
    })

    test('transcript keeps the order lines were added', async () => {
      const s = await fresh()
      await call(s)
      await s.transcript.add('c1', 'caller', 'hello', 1)
      await s.transcript.add('c1', 'bot', 'hi there', 1)
      await s.transcript.add('c1', 'tool', 'book', 2, { ok: true })
      const list = await s.transcript.list('c1')
      expect(list.map((r) => [r.role, r.text])).toEqual([
        ['caller', 'hello'],
        ['bot', 'hi there'],
        ['tool', 'book'],
      ])
      expect(list[2]?.meta).toBe('{"ok":true}')
    })

    test('task steps: snapshot + journal + timers + outbox in one transaction, guarded by seq', async () => {
      const s = await fresh()
      await call(s)
      await s.tasks.commit(step({ effects: [{ idemKey: 'T1:1:0', kind: 'check_availability', payload: { startsAt: 5 } }], timers: { set: [{ id: 'remind', at: 9000 }], clear: [] } }), false)
      expect((await s.tasks.get('T1'))?.seq).toBe(1)
      expect((await s.outbox.byKey('T1:1:0'))?.status).toBe('pending')
      expect(await s.tasks.timers('T1')).toEqual([{ id: 'remind', at: 9000 }])
      expect((await s.tasks.openForCall('c1')).map((t) => t.id)).toEqual(['T1'])
      const row = await s.outbox.byKey('T1:1:0')
      await s.tasks.commit(
        step({ seq: 2, prevSeq: 1, state: 'confirming', event: { type: 'availability', free: true, at: 1001 }, timers: { set: [], clear: ['remind'] }, completes: { outboxId: row!.id, result: { free: true } } }),
        true,
      )
      expect((await s.tasks.get('T1'))?.state).toBe('confirming')
      expect(await s.tasks.timers('T1')).toEqual([])
      expect((await s.outbox.byKey('T1:1:0'))?.status).toBe('done')
      expect((await s.tasks.journal('T1')).map((j) => j.seq)).toEqual([1, 2])
      expect((await s.tasks.journal('T1'))[1]?.event).toEqual({ type: 'availability', free: true, at: 1001 })
      // A stale writer (expects seq 1 again) fails and changes nothing.
      await expect(s.tasks.commit(step({ seq: 2, prevSeq: 1, state: 'booked' }), false)).rejects.toThrow(StaleTaskError)
      expect((await s.tasks.get('T1'))?.state).toBe('confirming')
      expect(await s.tasks.journal('T1')).toHaveLength(2)
      // A failing step rolls back entirely: the journal insert conflicts (seq 2 exists) after the snapshot update.
      await expect(s.tasks.commit(step({ seq: 2, prevSeq: 2, state: 'booked', effects: [{ idemKey: 'new', kind: 'book', payload: {} }] }), false)).rejects.toThrow()
      expect((await s.tasks.get('T1'))?.state).toBe('confirming')
      expect(await s.outbox.byKey('new')).toBeUndefined()
      // The store stays usable after a rolled-back step.
      await s.tasks.commit(step({ seq: 3, prevSeq: 2, state: 'booked', status: 'done' }), true)
      expect(await s.tasks.openForCall('c1')).toEqual([])
      expect((await s.tasks.forCall('c1')).map((t) => t.status)).toEqual(['done'])
    })

    test('a resumed call adopts the open task of the dropped one', async () => {
      const s = await fresh()
      await call(s, 'c1')
      await call(s, 'c2')
      await s.tasks.commit(step(), false)
      await s.tasks.adopt('T1', 'c2', 2000)
      expect((await s.tasks.openForCall('c2')).map((t) => t.id)).toEqual(['T1'])
      expect(await s.tasks.openForCall('c1')).toEqual([])
    })

    test('two bookings of one slot: exactly one wins; booking is idempotent by id', async () => {
      const s = await fresh()
      const a = await s.appointments.book({ id: 'a', caller: '+1111111111', startsAt: 5000, minutes: 30, at: 1 })
      const b = await s.appointments.book({ id: 'b', caller: '+2222222222', startsAt: 5000, minutes: 30, at: 1 })
      expect(a.ok).toBe(true)
      expect(b).toEqual({ ok: false, reason: 'taken' })
      expect((await s.appointments.book({ id: 'a', caller: '+1111111111', startsAt: 5000, minutes: 30, at: 2 })).ok).toBe(true)
      expect(await s.appointments.isTaken(5000)).toBe(true)
      expect(await s.appointments.cancel('a', 3)).toBe(true)
      expect(await s.appointments.cancel('a', 3)).toBe(false)
      expect(await s.appointments.isTaken(5000)).toBe(false)
      // the slot is free again once cancelled
      expect((await s.appointments.book({ id: 'c', caller: '+2222222222', startsAt: 5000, minutes: 30, at: 4 })).ok).toBe(true)
      expect(await s.appointments.move('c', 6000, 5)).toEqual({ ok: true })
      const HALF_HOUR = 1_800_000
      expect((await s.appointments.book({ id: 'd', caller: '+3', startsAt: 6000 + HALF_HOUR, minutes: 30, at: 6 })).ok).toBe(true)
      expect(await s.appointments.move('c', 6000 + HALF_HOUR, 7)).toEqual({ ok: false, reason: 'taken' })
      expect(await s.appointments.move('missing', 7000, 7)).toEqual({ ok: false, reason: 'not-found' })
      // a refused move leaves the booking where it was, and the store usable
      expect((await s.appointments.upcomingFor('+2222222222', 0)).map((x) => x.starts_at)).toEqual([6000])
      expect([...(await s.appointments.takenBetween(0, 10_000_000))].sort((a, b) => a - b)).toEqual([6000, 6000 + HALF_HOUR])
      expect([...(await s.appointments.takenBetween(6500, 10_000_000))]).toEqual([6000 + HALF_HOUR])
      expect(await s.appointments.bookedBetween(6500, 10_000_000)).toEqual([{ starts_at: 6000 + HALF_HOUR, minutes: 30, resource: '' }])
    })

    test('appointments of different lengths: an overlap is taken, per resource; back to back is free', async () => {
      const s = await fresh()
      const T = 1_000_000_000_000
      const M = 60_000
      expect((await s.appointments.book({ id: 'long', caller: '+1', startsAt: T, minutes: 60, serviceId: 'cleaning', resource: 'anna', at: 1 })).ok).toBe(true)
      expect(await s.appointments.book({ id: 'inside', caller: '+2', startsAt: T + 30 * M, minutes: 30, resource: 'anna', at: 1 })).toEqual({ ok: false, reason: 'taken' })
      expect(await s.appointments.book({ id: 'before', caller: '+2', startsAt: T - 15 * M, minutes: 30, resource: 'anna', at: 1 })).toEqual({ ok: false, reason: 'taken' })
      expect((await s.appointments.book({ id: 'other', caller: '+2', startsAt: T + 30 * M, minutes: 30, resource: 'weber', at: 1 })).ok).toBe(true)
      expect((await s.appointments.book({ id: 'after', caller: '+3', startsAt: T + 60 * M, minutes: 30, resource: 'anna', at: 1 })).ok).toBe(true)
      expect(await s.appointments.isTaken(T + 45 * M, 15, 'anna')).toBe(true)
      expect(await s.appointments.isTaken(T + 90 * M, 30, 'anna')).toBe(false)
      expect(await s.appointments.isTaken(T + 45 * M)).toBe(true)
      expect(await s.appointments.get('long')).toMatchObject({ service_id: 'cleaning', resource: 'anna', minutes: 60 })
      // A move keeps its resource and its length: onto anna's 'after' it is taken.
      expect(await s.appointments.move('other', T + 60 * M, 2)).toEqual({ ok: true })
      expect(await s.appointments.move('long', T + 60 * M, 2)).toEqual({ ok: false, reason: 'taken' })
    })

    test('concurrent overlapping bookings of one resource (different starts): exactly one commits', async () => {
      const s = await fresh()
      const T = 2_000_000_000_000
      const M = 60_000
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => s.appointments.book({ id: `o${i}`, caller: '+1', startsAt: T + i * 5 * M, minutes: 60, resource: 'anna', at: i })))
      // Every pair of these hour-long bookings 5 minutes apart overlaps: one wins.
      expect(results.filter((r) => r.ok)).toHaveLength(1)
    })

    test('many concurrent bookings of one slot: exactly one commits', async () => {
      const s = await fresh()
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.appointments.book({ id: `r${i}`, caller: `+1555000${String(i).padStart(4, '0')}`, startsAt: 9000, minutes: 30, at: i })))
      expect(results.filter((r) => r.ok)).toHaveLength(1)
      expect(results.filter((r) => !r.ok)).toHaveLength(19)
    })

    test('outbox: idempotent enqueue, begin counts attempts before the work, retry/done/hold/fail', async () => {
      const s = await fresh()
      expect(await s.outbox.enqueue({ idemKey: 'sms:drop:c1', kind: 'sms', payload: { to: '+1' }, at: 10 })).toBe(true)
      expect(await s.outbox.enqueue({ idemKey: 'sms:drop:c1', kind: 'sms', payload: { to: '+1' }, at: 11 })).toBe(false)
      expect(await s.outbox.nextDue(['sms'])).toBe(10)
      expect(await s.outbox.nextDue(['dialout'])).toBeUndefined()
      const [row] = await s.outbox.due(['sms'], 10)
      expect(row?.attempts).toBe(0)
      expect(JSON.parse(row!.payload)).toEqual({ to: '+1' })
      await s.outbox.begin(row!.id, 12)
      await s.outbox.retry(row!.id, 'twilio 500', 100, 12)
      expect(await s.outbox.due(['sms'], 50)).toHaveLength(0)
      expect((await s.outbox.due(['sms'], 100))[0]?.attempts).toBe(1)
      await s.outbox.done(row!.id, { sid: 'SM1' }, 101)
      expect((await s.outbox.byKey('sms:drop:c1'))?.status).toBe('done')
      expect(JSON.parse((await s.outbox.byKey('sms:drop:c1'))!.result!)).toEqual({ sid: 'SM1' })
      expect(await s.outbox.due(['sms'], 1e15)).toHaveLength(0)
      await s.outbox.enqueue({ idemKey: 'k2', kind: 'dialout', payload: {}, at: 10, held: true })
      expect((await s.outbox.byKey('k2'))?.status).toBe('held')
      await s.outbox.enqueue({ idemKey: 'k3', kind: 'sms', payload: {}, at: 10 })
      const k3 = await s.outbox.byKey('k3')
      await s.outbox.fail(k3!.id, 'bad number', 11)
      expect((await s.outbox.byKey('k3'))?.status).toBe('failed')
      await s.outbox.enqueue({ idemKey: 'k4', kind: 'sms', payload: {}, at: 10, callId: 'cX', taskId: 'tX' })
      const k4 = await s.outbox.byKey('k4')
      expect((await s.outbox.pendingForTask('tX')).map((r) => r.idem_key)).toEqual(['k4'])
      expect((await s.outbox.forCall('cX')).map((r) => r.idem_key)).toEqual(['k4'])
      await s.outbox.hold(k4!.id, 'opted out', 12)
      expect(await s.outbox.pendingForTask('tX')).toEqual([])
    })

    test('sms: record both ways (a Twilio SID once), status by SID, opt-out and back', async () => {
      const s = await fresh()
      const id = await s.sms.record({ direction: 'out', callId: 'c1', number: '+14155550123', body: 'hello', sid: 'SM1', status: 'queued', at: 1 })
      expect(typeof id).toBe('number')
      expect(await s.sms.record({ direction: 'out', callId: 'c1', number: '+14155550123', body: 'hello', sid: 'SM1', status: 'queued', at: 2 })).toBeUndefined()
      await s.sms.record({ direction: 'in', number: '+14155550123', body: 'CALL', status: 'received', at: 3 })
      expect(await s.sms.setStatusBySid('SM1', 'delivered', 4)).toBe(true)
      expect(await s.sms.setStatusBySid('SM404', 'delivered', 4)).toBe(false)
      expect((await s.sms.forCall('c1')).map((m) => m.status)).toEqual(['delivered'])
      expect((await s.sms.all()).map((m) => m.direction)).toEqual(['out', 'in'])
      expect(await s.sms.isOptedOut('+14155550123')).toBe(false)
      await s.sms.optOut('+14155550123', 5)
      await s.sms.optOut('+14155550123', 6)
      expect(await s.sms.isOptedOut('+14155550123')).toBe(true)
      await s.sms.optIn('+14155550123')
      expect(await s.sms.isOptedOut('+14155550123')).toBe(false)
    })

    test('callbacks: one in flight per call, found by conversation, rate count', async () => {
      const s = await fresh()
      await call(s)
      const r = await s.callbacks.request('c1', '+14155550123', 100)
      expect(r.ok).toBe(true)
      expect(await s.callbacks.request('c1', '+14155550123', 101)).toEqual({ ok: false })
      if (!r.ok) throw new Error('unreachable')
      await s.callbacks.setStatus(r.id, 'dialing', 102, 'conv-out-1')
      expect((await s.callbacks.byConversation('conv-out-1'))?.id).toBe(r.id)
      expect((await s.callbacks.get(r.id))?.status).toBe('dialing')
      await s.callbacks.setStatus(r.id, 'failed', 103)
      expect((await s.callbacks.get(r.id))?.conversation_id).toBe('conv-out-1')
      // no longer in flight: a new request may be made
      expect((await s.callbacks.request('c1', '+14155550123', 104)).ok).toBe(true)
      expect(await s.callbacks.countSince('+14155550123', 100)).toBe(2)
      expect(await s.callbacks.countSince('+14155550123', 104)).toBe(1)
      expect(await s.callbacks.forCall('c1')).toHaveLength(2)
    })

    test('messages: saved once by id', async () => {
      const s = await fresh()
      await s.messages.save({ id: 'm1', caller: '+14155550123', name: 'Ann', message: 'call me', callbackNumber: undefined, at: 1 })
      await s.messages.save({ id: 'm1', caller: '+14155550123', name: 'Ann', message: 'call me', callbackNumber: undefined, at: 2 })
      expect(await s.messages.list()).toEqual([{ id: 'm1', caller: '+14155550123', name: 'Ann', message: 'call me', callback_number: null, created_at: 1, tenant_id: 'default' }])
    })

    test('a transaction commits all or nothing', async () => {
      const s = await fresh()
      await call(s)
      await expect(
        s.tx(async (t) => {
          await t.calls.end('c1', 'lost', 'pending', 5)
          await t.outbox.enqueue({ idemKey: 'sms:drop:c1', kind: 'sms', payload: {}, at: 5 })
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect((await s.calls.get('c1'))?.state).toBe('live')
      expect(await s.outbox.byKey('sms:drop:c1')).toBeUndefined()
      const ended = await s.tx(
        async (t) => {
          const e = await t.calls.end('c1', 'lost', 'pending', 5)
          await t.outbox.enqueue({ idemKey: 'sms:drop:c1', kind: 'sms', payload: {}, at: 5 })
          return e
        },
        { durable: true },
      )
      expect(ended).toBe(true)
      expect((await s.calls.get('c1'))?.state).toBe('ended')
      expect((await s.outbox.byKey('sms:drop:c1'))?.status).toBe('pending')
    })

    test('a statement issued while a transaction is open completes too (no deadlock, nothing lost)', async () => {
      const s = await fresh()
      await call(s)
      const t = s.tx(async (r) => {
        await r.calls.setDetails('c1', '+18005550100', {}, 2)
        await Bun.sleep(5)
        await r.transcript.add('c1', 'bot', 'inside', 2)
      })
      const outside = s.transcript.add('c1', 'caller', 'outside', 3)
      await Promise.all([t, outside])
      expect((await s.transcript.list('c1')).map((r) => r.text).sort()).toEqual(['inside', 'outside'])
    })

    test('purge removes personal data older than the cut-off, keeps the rest', async () => {
      const s = await fresh()
      await call(s, 'old')
      await s.calls.end('old', 'completed', null, 2000)
      await s.transcript.add('old', 'caller', 'my number is +14155550123', 1500)
      await s.sms.record({ direction: 'out', callId: 'old', number: '+14155550123', body: 'hello', status: 'sent', at: 1500 })
      await call(s, 'new')
      await s.transcript.add('new', 'caller', 'recent', 9000)
      expect(await s.purge(5000)).toBeGreaterThan(0)
      expect(await s.transcript.list('old')).toHaveLength(0)
      expect(await s.transcript.list('new')).toHaveLength(1)
      expect((await s.calls.get('old'))?.caller).toBeNull()
      expect((await s.calls.get('new'))?.caller).toBe('+14155550123')
      expect((await s.sms.all())[0]?.body).toBe('[purged]')
    })

    test('instances: lease, heartbeat, expiry; a dead instance is declared dead once and its live calls taken over once', async () => {
      const [a, b] = await pair()
      await a.instances.register('A', 1000, 500)
      await b.instances.register('B', 1000, 500)
      await a.calls.create({ id: 'a1', conversationId: 'conv-a1', direction: 'inbound', caller: '+14155550101', botName: 'bot', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 1000, owner: 'A' })
      await a.calls.create({ id: 'a2', conversationId: 'conv-a2', direction: 'inbound', caller: '+14155550102', botName: 'bot', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 1001, owner: 'A' })
      await a.calls.end('a2', 'completed', null, 1100)
      await b.calls.create({ id: 'b1', conversationId: 'conv-b1', direction: 'inbound', caller: '+14155550103', botName: 'bot', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 1002, owner: 'B' })
      expect((await b.calls.get('b1'))?.owner).toBe('B')
      // A renews its lease at 1300 (until 1800); B never looks at itself.
      expect(await a.instances.heartbeat('A', 1300, 500)).toBe(true)
      expect(await b.instances.expired('B', 1700)).toEqual([])
      expect((await b.instances.expired('B', 1900)).map((i) => i.id)).toEqual(['A'])
      expect((await a.instances.expired('A', 1900)).map((i) => i.id)).toEqual(['B'])
      // A held an outbox claim when it died: the sweep frees it with the calls (B's own claim stays).
      await a.outbox.enqueue({ idemKey: 'dead-a', kind: 'sms', payload: {}, at: 1000 })
      await a.outbox.enqueue({ idemKey: 'live-b', kind: 'dialout', payload: {}, at: 1000 })
      await a.outbox.claim(['sms'], 1000, 'A', 60_000)
      await b.outbox.claim(['dialout'], 1000, 'B', 60_000)
      // Three survivors race for A (two handles, three transactions): one wins and gets A's one live call.
      const won = await Promise.all([b.claimDead('A', 'B', 1900), a.claimDead('A', 'C', 1900), b.claimDead('A', 'D', 1900)])
      const winners = won.filter((w) => w !== undefined)
      expect(winners).toHaveLength(1)
      expect(winners[0]!.map((c) => c.id)).toEqual(['a1'])
      const winner = ['B', 'C', 'D'][won.findIndex((w) => w !== undefined)]!
      expect((await a.calls.get('a1'))?.owner).toBe(winner)
      expect((await a.calls.get('a2'))?.owner).toBe('A')
      expect(await a.instances.get('A')).toMatchObject({ state: 'dead', swept_by: winner, swept_at: 1900 })
      expect(await b.claimDead('A', 'B', 2000)).toBeUndefined()
      expect((await a.outbox.byKey('dead-a'))?.claim_until).toBeNull()
      expect((await a.outbox.byKey('live-b'))?.claim_until).toBe(61_000)
      // A comes back (it was only cut off): its heartbeat says it lost the lease; it registers again.
      expect(await a.instances.heartbeat('A', 2000, 500)).toBe(false)
      await a.instances.register('A', 2000, 500)
      expect(await a.instances.get('A')).toMatchObject({ state: 'live', lease_until: 2500, swept_by: null })
      // An orderly stop is never swept.
      await b.instances.stopped('B', 2100)
      expect((await a.instances.expired('A', 9999)).map((i) => i.id)).toEqual([])
      expect((await a.instances.list()).map((i) => [i.id, i.state])).toEqual([['A', 'live'], ['B', 'stopped']])
    })

    test('calls taken over at start-up: own previous run, calls of no instance, or every live call (SQLite)', async () => {
      const s = await fresh()
      await s.calls.create({ id: 'mine', conversationId: 'conv-mine', direction: 'inbound', caller: undefined, botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 3, owner: 'A' })
      await s.calls.create({ id: 'peer', conversationId: 'conv-peer', direction: 'inbound', caller: undefined, botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 2, owner: 'B' })
      await s.calls.create({ id: 'old', conversationId: 'conv-old', direction: 'inbound', caller: undefined, botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 1 })
      expect((await s.calls.takeOver('A', 10, { owner: 'A' })).map((c) => c.id)).toEqual(['mine'])
      expect((await s.calls.takeOver('A', 10, 'orphans')).map((c) => c.id)).toEqual(['old'])
      expect((await s.calls.get('peer'))?.owner).toBe('B')
      expect((await s.calls.takeOver('Z', 11, 'all')).map((c) => c.id)).toEqual(['old', 'peer', 'mine'])
      await s.calls.end('peer', 'completed', null, 12)
      expect((await s.calls.takeOver('Y', 13, 'all')).map((c) => c.id)).toEqual(['old', 'mine'])
    })

    test('a call moves between instances once; only its owner records its end', async () => {
      const s = await fresh()
      await s.calls.create({ id: 'm1', conversationId: 'conv-m1', direction: 'inbound', caller: undefined, botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 1, owner: 'A' })
      // Two instances receive the resume at once: one gets the call.
      const moved = await Promise.all([s.calls.move('m1', 'A', 'B', 2), s.calls.move('m1', 'A', 'C', 2)])
      expect(moved.filter(Boolean)).toHaveLength(1)
      const owner = moved[0] ? 'B' : 'C'
      // The old owner's late ending (its resume grace ran out) records nothing; the new owner's does.
      expect(await s.calls.end('m1', 'lost', 'pending', 3, 'A')).toBe(false)
      expect((await s.calls.get('m1'))?.state).toBe('live')
      expect(await s.calls.end('m1', 'completed', null, 4, owner)).toBe(true)
      expect(await s.calls.move('m1', owner, 'A', 5)).toBe(false)
      expect(await s.calls.get('m1')).toMatchObject({ state: 'ended', end_reason: 'completed', owner })
    })

    test('outbox claims: one claimer per row until the claim runs out; finishing releases it; every kind', async () => {
      const s = await fresh()
      await s.outbox.enqueue({ idemKey: 'k1', kind: 'sms', payload: {}, at: 10 })
      await s.outbox.enqueue({ idemKey: 'k2', kind: 'dialout', payload: {}, at: 11 })
      await s.outbox.enqueue({ idemKey: 'k3', kind: 'webhook', payload: {}, at: 12 })
      await s.outbox.enqueue({ idemKey: 'k4', kind: 'sms', payload: {}, at: 10, runAt: 500 })
      const first = await s.outbox.claim(['sms', 'dialout', 'webhook'], 100, 'A', 1000)
      expect(first.map((r) => [r.idem_key, r.claimed_by, r.claim_until])).toEqual([['k1', 'A', 1100], ['k2', 'A', 1100], ['k3', 'A', 1100]])
      expect(await s.outbox.claim(['sms', 'dialout', 'webhook'], 200, 'B', 1000)).toEqual([])
      // Claimed rows are due again when their claim runs out, not before (a runner must not spin on them).
      expect(await s.outbox.nextDue(['dialout'])).toBe(1100)
      expect(await s.outbox.nextDue(['sms'])).toBe(500)
      const [k1, k2] = first
      await s.outbox.begin(k1!.id, 150)
      await s.outbox.done(k1!.id, { sid: 'SM1' }, 160)
      await s.outbox.retry(k2!.id, 'busy', 300, 160)
      expect(await s.outbox.nextDue(['dialout'])).toBe(300)
      // A dies holding k3 (mid-send: attempts 1): once the claim ran out B takes it, and sees the attempt.
      await s.outbox.begin(first[2]!.id, 170)
      expect(await s.outbox.claim(['webhook'], 1099, 'B', 1000)).toEqual([])
      const taken = await s.outbox.claim(['webhook'], 1100, 'B', 1000)
      expect(taken.map((r) => [r.idem_key, r.claimed_by, r.attempts])).toEqual([['k3', 'B', 1]])
      // Only the kinds asked for; the rest wait for their own runner.
      expect((await s.outbox.claim(['sms'], 1200, 'B', 1000)).map((r) => r.idem_key)).toEqual(['k4'])
      expect((await s.outbox.claim(['dialout'], 1200, 'B', 1000)).map((r) => r.idem_key)).toEqual(['k2'])
      expect((await s.outbox.byKey('k1'))).toMatchObject({ status: 'done', claim_until: null, claimed_by: 'A' })
      // A claim cut short (the claimer's bookkeeping failed) is due again at the new end, for anyone; only the
      // claimer can cut it.
      await s.outbox.enqueue({ idemKey: 'k5', kind: 'sms', payload: {}, at: 1300 })
      const [k5] = await s.outbox.claim(['sms'], 1300, 'A', 1000)
      await s.outbox.deferClaim(k5!.id, 'B', 1301)
      expect((await s.outbox.byKey('k5'))?.claim_until).toBe(2300)
      await s.outbox.deferClaim(k5!.id, 'A', 1302)
      expect((await s.outbox.byKey('k5'))?.claim_until).toBe(1302)
      expect(await s.outbox.claim(['sms'], 1301, 'B', 1000)).toEqual([])
      // A gone claimer's claims are freed at once: only its own, or (SQLite's restart) every one.
      await s.outbox.enqueue({ idemKey: 'k6', kind: 'webhook', payload: {}, at: 1400 })
      const [k6] = await s.outbox.claim(['webhook'], 1400, 'C', 60_000)
      expect(await s.outbox.releaseClaims({ claimer: 'Z' })).toBe(0)
      expect(await s.outbox.releaseClaims({ claimer: 'C' })).toBe(1)
      expect((await s.outbox.claim(['webhook'], 1401, 'D', 60_000)).map((r) => r.id)).toEqual([k6!.id])
      expect((await s.outbox.claim(['sms'], 1302, 'B', 1000)).map((r) => [r.idem_key, r.claimed_by])).toEqual([['k5', 'B']])
      // SQLite's restart: every claim is a previous process's.
      expect(await s.outbox.releaseClaims('all')).toBeGreaterThanOrEqual(2)
      expect((await s.outbox.byKey('k6'))?.claim_until).toBeNull()
      expect((await s.outbox.byKey('k5'))?.claim_until).toBeNull()
    })

    test('two claimers racing over one outbox: every row claimed by exactly one', async () => {
      const [a, b] = await pair()
      for (let i = 0; i < 60; i++) await a.outbox.enqueue({ idemKey: `race-${i}`, kind: i % 2 ? 'sms' : 'dialout', payload: { i }, at: i })
      const got: Record<string, string[]> = { A: [], B: [] }
      const claimer = async (s: Store, who: 'A' | 'B') => {
        for (;;) {
          const rows = await s.outbox.claim(['sms', 'dialout'], 1000, who, 60_000, 3)
          if (rows.length === 0) return
          got[who]!.push(...rows.map((r) => r.idem_key))
        }
      }
      await Promise.all([claimer(a, 'A'), claimer(b, 'B'), claimer(a, 'A'), claimer(b, 'B')])
      const all = [...got.A!, ...got.B!].sort()
      expect(all).toEqual(Array.from({ length: 60 }, (_, i) => `race-${i}`).sort())
      expect(new Set(all).size).toBe(60)
      for (const r of await a.sql.all('SELECT idem_key, claimed_by FROM outbox')) expect(got[String(r.claimed_by)]).toContain(String(r.idem_key))
    })

    describe('tenants: every row names its business, and no read or slot crosses businesses', () => {
      const SLOT = 1_767_261_600_000
      const book = (s: Store, id: string, startsAt = SLOT, caller = '+14155550123') => s.appointments.book({ id, caller, startsAt, minutes: 30, at: 1 })

      test('the same slot books in two tenants; within one it is taken', async () => {
        const s = await fresh()
        const a = s.forTenant('alpha')
        const b = s.forTenant('beta')
        expect((await book(a, 'a1')).ok).toBe(true)
        expect((await book(b, 'b1')).ok).toBe(true)
        expect(await book(a, 'a2')).toEqual({ ok: false, reason: 'taken' })
        expect((await a.appointments.get('a1'))?.tenant_id).toBe('alpha')
        expect((await b.appointments.get('b1'))?.tenant_id).toBe('beta')
        // One tenant cannot see, take over, cancel or move the other's booking, even by id.
        expect(await a.appointments.get('b1')).toBeUndefined()
        expect((await book(a, 'b1', SLOT + 3_600_000)).ok).toBe(false)
        expect(await a.appointments.cancel('b1', 2)).toBe(false)
        expect(await a.appointments.move('b1', SLOT + 7_200_000, 2)).toEqual({ ok: false, reason: 'not-found' })
        expect((await b.appointments.get('b1'))?.status).toBe('booked')
        expect((await a.appointments.upcomingFor('+14155550123', 0)).map((x) => x.id)).toEqual(['a1'])
        expect((await b.appointments.bookedBetween(0, SLOT * 2)).length).toBe(1)
        expect(await a.appointments.isTaken(SLOT, 30)).toBe(true)
        expect(await s.forTenant('gamma').appointments.isTaken(SLOT, 30)).toBe(false)
        // Moving within a tenant only checks that tenant's slots.
        expect(await b.appointments.move('b1', SLOT, 3)).toEqual({ ok: true })
        // The unbound store (console, recovery) sees both.
        expect((await s.appointments.upcomingFor('+14155550123', 0)).map((x) => x.tenant_id).sort()).toEqual(['alpha', 'beta'])
      })

      test('a booking race on one slot in two tenants books exactly one per tenant', async () => {
        const s = await fresh()
        const tenants = ['alpha', 'beta']
        const results = await Promise.all(tenants.flatMap((t) => [1, 2, 3].map((n) => book(s.forTenant(t), `${t}-${n}`))))
        expect(results.filter((r) => r.ok)).toHaveLength(2)
        const rows = await s.sql.all(`SELECT tenant_id FROM appointments WHERE status = 'booked' ORDER BY tenant_id`)
        expect(rows.map((r) => r.tenant_id)).toEqual(['alpha', 'beta'])
      })

      test('calls, resume, SMS, opt-outs, callbacks, messages, tasks and outbox rows are per tenant', async () => {
        const s = await fresh()
        const a = s.forTenant('alpha')
        const b = s.forTenant('beta')
        await call(a, 'ca')
        await call(b, 'cb')
        await a.calls.end('ca', 'lost', 'pending', 5000)
        await b.calls.end('cb', 'lost', 'pending', 5000)
        // The same caller dropped in both businesses: each resumes only its own call.
        expect((await a.calls.resumableFor('+14155550123', 0))?.id).toBe('ca')
        expect((await b.calls.resumableFor('+14155550123', 0))?.id).toBe('cb')
        expect(await s.forTenant('gamma').calls.resumableFor('+14155550123', 0)).toBeUndefined()
        await a.sms.optOut('+14155550123', 1)
        expect(await a.sms.isOptedOut('+14155550123')).toBe(true)
        expect(await b.sms.isOptedOut('+14155550123')).toBe(false)
        await a.sms.record({ direction: 'out', callId: 'ca', number: '+14155550123', body: 'A', status: 'sent', at: 1 })
        await b.sms.record({ direction: 'out', callId: 'cb', number: '+14155550123', body: 'B', status: 'sent', at: 1 })
        expect((await a.sms.all()).map((m) => m.body)).toEqual(['A'])
        expect((await s.sms.all()).map((m) => m.body)).toEqual(['A', 'B'])
        expect((await b.callbacks.request('cb', '+14155550123', 1)).ok).toBe(true)
        await b.messages.save({ id: 'mb', caller: '+14155550123', name: 'Bea', message: 'hi', callbackNumber: undefined, at: 1 })
        expect(await a.messages.list()).toEqual([])
        await b.tx(async (t) => {
          await t.outbox.enqueue({ idemKey: 'k-b', kind: 'sms', payload: {}, callId: 'cb', at: 1 })
        })
        await a.tasks.commit(step({ taskId: 'TA', callId: 'ca', effects: [{ idemKey: 'k-a', kind: 'book', payload: {} }] }), false)
        const tenantOf = async (table: string) => (await s.sql.all(`SELECT tenant_id FROM ${table} ORDER BY tenant_id`)).map((r) => r.tenant_id)
        expect(await tenantOf('calls')).toEqual(['alpha', 'beta'])
        expect(await tenantOf('sms_messages')).toEqual(['alpha', 'beta'])
        expect(await tenantOf('callbacks')).toEqual(['beta'])
        expect(await tenantOf('messages')).toEqual(['beta'])
        expect(await tenantOf('outbox')).toEqual(['alpha', 'beta'])
        expect(await tenantOf('tasks')).toEqual(['alpha'])
        expect(await tenantOf('opt_outs')).toEqual(['alpha'])
      })

      test('an unbound store writes the default tenant (single-business setups)', async () => {
        const s = await fresh()
        await call(s)
        expect((await book(s, 'x')).ok).toBe(true)
        expect((await s.calls.get('c1'))?.tenant_id).toBe('default')
        expect((await s.forTenant('default').appointments.get('x'))?.tenant_id).toBe('default')
      })
    })

    test('phrase cache: shared by instances — what one kept the other reads; both capturing the same line keep one', async () => {
      const [a, b] = await pair()
      const e = { key: 'k', voice: 'marin', model: 'gpt-realtime', format: 'audio/pcmu', text: 'Are you still there?', audio: Buffer.alloc(800, 7).toString('base64'), bytes: 800 }
      await Promise.all([a.phrases.put(e, 10_000, 1), b.phrases.put({ ...e, audio: Buffer.alloc(800, 9).toString('base64') }, 10_000, 1)])
      const seen = await b.phrases.get(['k'], 2)
      expect(seen).toHaveLength(1)
      expect((await a.phrases.get(['k'], 3))[0]?.audio).toBe(seen[0]?.audio)
      expect((await a.phrases.list()).map((r) => [r.key, r.used_at])).toEqual([['k', 3]])
    })

    test('phrase cache: first write wins, get marks used, least recently used evicted within the byte bound', async () => {
      const s = await fresh()
      const e = (key: string, bytes: number, text = `line ${key}`) => ({ key, voice: 'marin', model: 'gpt-realtime', format: 'audio/pcmu', text, audio: Buffer.alloc(bytes, key).toString('base64'), bytes })
      expect(await s.phrases.put(e('a', 400), 1000, 1)).toBe(0)
      // A second capture of the same line changes nothing: the first audio stays.
      await s.phrases.put({ ...e('a', 10), text: 'other' }, 1000, 2)
      expect((await s.phrases.get(['a'], 3)).map((r) => [r.text, r.bytes, Buffer.from(r.audio, 'base64').length])).toEqual([['line a', 400, 400]])
      expect(await s.phrases.put(e('b', 400), 1000, 4)).toBe(0)
      // 'a' was used at 3, 'b' written at 4; 'c' at 5 makes 1200 bytes: 'a' is the least recently used and goes.
      expect(await s.phrases.put(e('c', 400), 1000, 5)).toBe(1)
      expect((await s.phrases.list()).map((r) => r.key)).toEqual(['c', 'b'])
      // Reading 'b' makes it recent: the next eviction takes 'c'.
      await s.phrases.get(['b', 'missing'], 6)
      await s.phrases.put(e('d', 400), 1000, 7)
      expect((await s.phrases.list()).map((r) => [r.key, r.used_at])).toEqual([['d', 7], ['b', 6]])
      expect(await s.phrases.get([], 8)).toEqual([])
      expect(await s.phrases.delete(['b', 'nothing'])).toBe(1)
      expect((await s.phrases.get(['b', 'd'], 9)).map((r) => r.key)).toEqual(['d'])
    })
  })
}
