/**
 * Instance leases on PostgreSQL, with the real lease loop and a clock the test moves: a live instance keeps its
 * calls; one whose lease ran out is declared dead by exactly one of the survivors beating together, which hands its
 * live calls (only those) to continuity once; an instance restarted under the same INSTANCE_ID takes over what its
 * previous run left live; an orderly stop is never swept.
 */
import { expect, test } from 'bun:test'
import { InstanceLease } from '../../src/cluster/instance-lease'
import { createLogger } from '../../src/ops/log'
import { PostgresEngine } from '../../src/store/postgres-engine'
import type { CallRow } from '../../src/store/rows'
import { Store } from '../../src/store/store'
import { pgTool, usePgCluster } from '../kit/pg'

pgTool().describe('instance leases on PostgreSQL', () => {
  const pg = usePgCluster()

  test('a dead instance is swept by exactly one survivor; its live calls are handed over once; restart and stop', async () => {
    const url = await pg.fresh('leases')
    const stores = await Promise.all(Array.from({ length: 4 }, async () => new Store(await PostgresEngine.connect(url, { max: 3 }))))
    let clock = 1_000_000
    const handed: { by: string; from: string; calls: string[] }[] = []
    // Heartbeats are driven by the test (beat()); the interval is long enough never to fire on its own.
    const lease = (store: Store, id: string) =>
      new InstanceLease({
        store,
        log: createLogger({ level: 'silent' }),
        now: () => clock,
        id,
        leaseMs: 2000,
        heartbeatMs: 3_600_000,
        // As continuity does: each call handed over is ended (a drop).
        orphaned: async (calls: readonly CallRow[], from: string) => {
          if (calls.length > 0) handed.push({ by: id, from, calls: calls.map((c) => c.id) })
          for (const call of calls) await store.calls.end(call.id, 'crashed', 'pending', clock)
        },
      })
    const [sa, sb, sc, sd] = stores as [Store, Store, Store, Store]
    const a = lease(sa, 'A')
    const b = lease(sb, 'B')
    const c = lease(sc, 'C')
    try {
      await Promise.all([a.start(), b.start(), c.start()])
      await Promise.all([a.settled(), b.settled(), c.settled()])
      const mk = (id: string, owner: string) => sa.calls.create({ id, conversationId: `conv-${id}`, direction: 'inbound', caller: '+14155550100', botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: clock, owner })
      await mk('a-live', 'A')
      await mk('a-done', 'A')
      await sa.calls.end('a-done', 'completed', null, clock)
      await mk('b-live', 'B')

      // Everyone beats within the lease: nobody is swept.
      clock += 1500
      for (const l of [a, b, c]) l.beat()
      await Promise.all([a.settled(), b.settled(), c.settled()])
      expect(handed).toEqual([])

      // A stops beating (kill -9); B and C beat on (every 1.5 s and 1 s, within their lease) and sweep it once its
      // lease ran out and they have renewed theirs for a whole lease (cluster/sweep-gate).
      clock += 1500
      b.beat()
      c.beat()
      await Promise.all([b.settled(), c.settled()])
      expect(handed).toEqual([])
      clock += 1000
      b.beat()
      c.beat()
      await Promise.all([b.settled(), c.settled()])
      expect(handed).toHaveLength(1)
      expect(handed[0]).toMatchObject({ from: 'A', calls: ['a-live'] })
      expect(['B', 'C']).toContain(handed[0]!.by)
      expect((await sa.calls.get('a-live'))?.owner).toBe(handed[0]!.by)
      expect((await sa.instances.get('A'))?.state).toBe('dead')
      // Further beats find nothing more to do.
      clock += 100
      b.beat()
      c.beat()
      await Promise.all([b.settled(), c.settled()])
      expect(handed).toHaveLength(1)

      // B restarts under the same INSTANCE_ID (a crash and a quick restart): its previous run's live call is its to drop.
      const b2 = lease(sd, 'B')
      await b2.start()
      await b2.settled()
      expect(handed[1]).toEqual({ by: 'B', from: 'B', calls: ['b-live'] })
      // C stops in order: its row says so, and nobody sweeps it however long it is gone (b2 beating all along).
      await c.stop()
      for (let i = 0; i < 10; i++) {
        clock += 1000
        b2.beat()
        await b2.settled()
      }
      expect(handed).toHaveLength(2)
      expect((await sa.instances.get('C'))?.state).toBe('stopped')
      await b2.stop()
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()].map((p) => p.catch(() => undefined)))
      for (const s of stores) await s.close()
    }
  }, 60_000)
})
