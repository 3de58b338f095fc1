/**
 * Failures stay inside their call (issue 13 item 12), through the real server with two live calls: a store failure
 * injected into one call's DTMF confirmation (its checkpoint), and into the outbox bookkeeping of one call's drop SMS.
 * The failing call is recorded (log line, contained-failure metric) and keeps its saved state; the other call is
 * unaffected; the process never sees an unhandled rejection. (The task-timer path: src/agents/runtime-failures.test.ts.)
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { DEFAULT_TENANT } from '../../src/store/tenant'
import { waitUntil } from '../reliability/kit'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})


const contained = (w: World, where: string) => {
  const line = w.server.registry.render().split('\n').find((l) => l.startsWith(`fastagent_contained_failures_total{where="${where}"}`))
  return Number(line?.split(' ').pop() ?? 0)
}

test('DTMF confirm on a call whose store writes fail: that call keeps its state and goes on, the other books, nothing escapes', async () => {
  const lines: string[] = []
  world = await startWorld({ env: HOURS, logSink: (l) => lines.push(l) })
  const w = world
  const a = w.call({ caller: '+14155550111', supportedMediaFormats: ['raw/lpcm16_24'] })
  const b = w.call({ caller: '+14155550122', supportedMediaFormats: ['raw/lpcm16_24'] })
  await Promise.all(
    [
      [a, '10 am'],
      [b, '11 am'],
    ].map(async ([call, time]) => {
      const c = call as typeof a
      await c.startCall()
      await c.waitForBotSaid('how can i help', 20_000)
      await c.waitForPlaybackIdle(20_000)
      await c.say(`Book an appointment for tomorrow at ${time as string}.`)
      await c.waitForBotSaid(`book for tomorrow at ${time as string}?`, 20_000)
      await c.waitForPlaybackIdle(20_000)
    }),
  )
  // A call works on its business's store (one tenant-bound store per business): fail that one's writes.
  const store = w.server.store.forTenant(DEFAULT_TENANT)
  const callA = (await store.calls.byConversation(a.conversationId))?.id
  expect(callA).toBeDefined()
  const commit = store.tasks.commit.bind(store.tasks)
  let injected = true
  store.tasks.commit = ((c: Parameters<typeof commit>[0], durable: boolean) => {
    if (injected && c.callId === callA) throw new Error('injected store failure')
    return commit(c, durable)
  }) as typeof store.tasks.commit

  expect(a.dtmf('1')).toBe(true)
  await waitUntil(() => contained(w, 'task-step') >= 1, 15_000, 'the failure to be recorded')
  expect(lines.some((l) => l.includes('"task.step_failed"') && l.includes(callA ?? '?'))).toBe(true)
  // The other call goes on as if nothing happened.
  await b.say('Yes.')
  await b.waitForBotSaid('booked', 20_000)
  // The failing call is still up, its task still waits for the confirmation (the failed step changed nothing)…
  expect(a.ended).toBeUndefined()
  expect((await store.tasks.openForCall(callA ?? ''))[0]?.state).toBe('confirming')
  // …and once the store works again, the caller can confirm.
  injected = false
  await a.waitForPlaybackIdle(20_000)
  await a.say('Yes.')
  await a.waitForBotSaid('booked', 20_000)
  await Promise.all([a.hangup(), b.hangup()])
  expect((await store.appointments.upcomingFor('+14155550111', 0))).toHaveLength(1)
  expect((await store.appointments.upcomingFor('+14155550122', 0))).toHaveLength(1)
  expect(w.server.registry.counterTotal('fastagent_unhandled_errors_total')).toBe(0)
  a.assertNoViolations()
  b.assertNoViolations()
}, 120_000)

test('outbox: one drop SMS whose bookkeeping fails is retried later; the other call’s SMS goes out at once', async () => {
  const lines: string[] = []
  world = await startWorld({ env: { ...HOURS, DROP_GRACE_SECONDS: '0.3' }, logSink: (l) => lines.push(l) })
  const w = world
  const store = w.server.store
  const a = w.call({ caller: '+14155550133', supportedMediaFormats: ['raw/lpcm16_24'] })
  const b = w.call({ caller: '+14155550144', supportedMediaFormats: ['raw/lpcm16_24'] })
  // The outbox rows of call A cannot be marked as being sent (the store fails there).
  const callOf = new Map<number, string | null>()
  // The runner claims its rows (one instance of a cluster per row) before it begins each: learn whose they are there.
  const claim = store.outbox.claim.bind(store.outbox)
  store.outbox.claim = (async (...args: Parameters<typeof claim>) => {
    const rows = await claim(...args)
    for (const r of rows) callOf.set(r.id, r.call_id)
    return rows
  }) as typeof store.outbox.claim
  const begin = store.outbox.begin.bind(store.outbox)
  let injected = true
  store.outbox.begin = (async (id: number, at: number) => {
    if (injected && callOf.get(id) === (await store.calls.byConversation(a.conversationId))?.id) throw new Error('injected store failure')
    return begin(id, at)
  }) as typeof store.outbox.begin

  for (const c of [a, b]) {
    await c.startCall()
    await c.waitForBotSaid('how can i help', 20_000)
    await c.waitForPlaybackIdle(20_000)
    await c.say('Book an appointment for tomorrow.')
    await c.waitForBotSaid('what time', 20_000)
  }
  await a.drop()
  await waitUntil(() => contained(w, 'outbox-row') >= 1, 15_000, 'A’s SMS row to fail')
  await b.drop()
  const [first] = await w.twilio.waitForMessages(1, 15_000)
  expect(first?.to).toBe('+14155550144')
  expect(lines.some((l) => l.includes('"outbox.row_failed"'))).toBe(true)
  // Nothing saved is lost: once the store recovers, A's SMS goes out too, exactly once each.
  injected = false
  const msgs = await w.twilio.waitForMessages(2, 15_000)
  expect(msgs.map((m) => m.to).sort()).toEqual(['+14155550133', '+14155550144'])
  await Bun.sleep(300)
  expect(w.twilio.messages).toHaveLength(2)
  expect(w.server.registry.counterTotal('fastagent_unhandled_errors_total')).toBe(0)
}, 120_000)
