/**
 * Writes never block audio (#15 item 6), on a real PostgreSQL stopped with pg_ctl mid-call: the caller says yes to a
 * booking while the database is down. The call goes on talking (the bot says it needs a moment, answers a question,
 * offers a text after STORE_WAIT_SECONDS), /readyz is 503; once PostgreSQL is back the step commits, the booking
 * exists exactly once and the caller is told; the transcript lines of the outage are all there, in order; nothing
 * escapes as an unhandled rejection. Second case: the caller hangs up during the outage; once the database is back
 * the booking commits and its result is texted (one SMS, from the step's own transaction: no drop SMS). Third: a
 * `pg_ctl restart` while the caller confirms keeps every acknowledged step and books once.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { pgTool, usePgCluster } from '../kit/pg'
import { waitUntil } from '../reliability/kit'
import { untilAskedToConfirm } from '../kit/call-steps'

const ENV = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', STORE_WAIT_SECONDS: '3', HEARTBEAT_SECONDS: '1' }

pgTool().describe('PostgreSQL unavailable mid-call', () => {
  const pg = usePgCluster()
  let world: World | undefined
  afterEach(async () => {
    // A failed test may leave the cluster stopped: start it so the world's stop can record its calls.
    await pg.cluster().start().catch(() => undefined)
    await world?.stop()
    world = undefined
  })

  const ready = async (w: World) => (await fetch(`${w.server.url}/readyz`)).status
  const bookedStep = (w: World, caller: string) => untilAskedToConfirm(w.call({ caller, supportedMediaFormats: ['raw/lpcm16_24'] }), '10 am')

  test('stopped while the caller confirms: "one moment", the call talks on, 503; back: booked once, the caller told', async () => {
    const lines: string[] = []
    world = await startWorld({ env: { ...ENV, DATABASE_URL: await pg.fresh('outage_live') }, logSink: (l) => lines.push(l) })
    const w = world
    const caller = '+14155550161'
    const call = await bookedStep(w, caller)
    expect(await ready(w)).toBe(200)

    await pg.cluster().halt()
    await call.say('Yes.')
    // Not acknowledged: the bot says it needs a moment, never that it is booked.
    await call.waitForBotSaid("one moment, please, i'm saving that", 20_000)
    await waitUntil(async () => (await ready(w)) === 503, 15_000, '/readyz to turn 503')
    const body = (await (await fetch(`${w.server.url}/readyz`)).json()) as { status: string; dependencies: { database: { status: string } } }
    expect(body.status).toBe('database-unavailable')
    expect(body.dependencies.database.status).toBe('unavailable')
    // The call keeps talking: audio both ways, the model answers, nothing waits for the database.
    await call.waitForPlaybackIdle(20_000)
    await call.say('What are your opening hours?')
    await call.waitForBotSaid('monday', 20_000)
    // After STORE_WAIT_SECONDS the caller is offered a text, still without being told it is done.
    await call.waitForBotSaid('taking longer than usual', 20_000)
    expect(call.streams.some((s) => s.text.includes('booked'))).toBe(false)
    expect(await w.server.store.forTenant('default').appointments.upcomingFor(caller, 0).catch(() => 'unreachable')).toBe('unreachable')

    await pg.cluster().start()
    // The step commits (retried in order), the booking is made, and the caller is told.
    await call.waitForBotSaid('booked for tomorrow at 10 am', 30_000)
    await waitUntil(async () => (await ready(w)) === 200, 15_000, '/readyz to turn 200 again')
    await call.waitForPlaybackIdle(20_000)
    await call.say("No, that's all I needed.")
    await call.waitForEnd(20_000)

    const store = w.server.store
    const bookings = await store.appointments.upcomingFor(caller, 0)
    expect(bookings).toHaveLength(1)
    const callId = bookings[0]?.call_id ?? ''
    const [task] = await store.tasks.forCall(callId)
    expect(task?.status).toBe('done')
    // The journal is the steps in order, each once.
    const journal = await store.tasks.journal(task?.id ?? '')
    expect(journal.map((j) => j.seq)).toEqual(journal.map((_, i) => i + 1))
    // Every transcript line of the outage reached the database, in the order it was said.
    await waitUntil(async () => (await store.calls.get(callId))?.state === 'ended', 15_000, 'the call to be recorded as ended')
    const said = (await store.transcript.list(callId)).map((r) => r.text)
    const order = ['one moment', 'opening hours', 'taking longer than usual', 'booked for tomorrow'].map((t) => said.findIndex((x) => x.toLowerCase().includes(t)))
    expect(order.every((i) => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(w.twilio.messages).toHaveLength(0)
    expect(lines.some((l) => l.includes('"call.store_unavailable"'))).toBe(true)
    expect(lines.some((l) => l.includes('"task.step_failed"'))).toBe(false)
    expect(w.server.registry.counterTotal('fastagent_unhandled_errors_total')).toBe(0)
    call.assertNoViolations()
  }, 180_000)

  test('the caller hangs up during the outage; PostgreSQL restarts: the booking commits once and its result is texted', async () => {
    world = await startWorld({ env: { ...ENV, DATABASE_URL: await pg.fresh('outage_hangup') } })
    const w = world
    const caller = '+14155550162'
    const call = await bookedStep(w, caller)
    await pg.cluster().halt()
    await call.say('Yes.')
    await call.waitForBotSaid('taking longer than usual', 30_000)
    expect(await ready(w)).toBe(503)
    await call.hangup()
    await Bun.sleep(500)
    // Nothing was acknowledged, nothing is texted while the database is away.
    expect(w.twilio.messages).toHaveLength(0)
    await pg.cluster().start()
    const [sms] = await w.twilio.waitForMessages(1, 30_000)
    expect(sms?.to).toBe(caller)
    expect(sms?.body).toContain('sorry for the wait')
    expect(sms?.body).toContain('booked for tomorrow at 10 AM')
    await waitUntil(async () => (await ready(w)) === 200, 15_000, '/readyz to turn 200 again')
    const bookings = await w.server.store.appointments.upcomingFor(caller, 0)
    expect(bookings).toHaveLength(1)
    const row = await w.server.store.calls.get(bookings[0]?.call_id ?? '')
    await waitUntil(async () => (await w.server.store.calls.get(row?.id ?? ''))?.state === 'ended', 15_000, 'the call to be recorded as ended')
    // Not a drop: the task finished, so no "Reply CALL" text besides the result.
    await Bun.sleep(500)
    expect(w.twilio.messages).toHaveLength(1)
    expect(w.server.registry.counterTotal('fastagent_unhandled_errors_total')).toBe(0)
  }, 180_000)

  test('PostgreSQL restarts (pg_ctl restart) while the caller confirms: every acknowledged step is kept, booked once', async () => {
    world = await startWorld({ env: { ...ENV, DATABASE_URL: await pg.fresh('outage_restart') } })
    const w = world
    const caller = '+14155550163'
    const call = await bookedStep(w, caller)
    const row = await w.server.store.calls.byConversation(call.conversationId)
    const [open] = await w.server.store.tasks.forCall(row?.id ?? '')
    const acknowledged = await w.server.store.tasks.journal(open?.id ?? '')
    expect(acknowledged.length).toBeGreaterThan(0)
    const restarting = pg.cluster().restart()
    await call.say('Yes.')
    await restarting
    await call.waitForBotSaid('booked for tomorrow at 10 am', 30_000)
    await waitUntil(async () => (await ready(w)) === 200, 15_000, '/readyz to be 200 after the restart')
    expect(await w.server.store.appointments.upcomingFor(caller, 0)).toHaveLength(1)
    const journal = await w.server.store.tasks.journal(open?.id ?? '')
    expect(journal.slice(0, acknowledged.length)).toEqual(acknowledged)
    expect(journal.map((j) => j.seq)).toEqual(journal.map((_, i) => i + 1))
    expect((await w.server.store.tasks.get(open?.id ?? ''))?.status).toBe('done')
    expect(w.server.registry.counterTotal('fastagent_unhandled_errors_total')).toBe(0)
    call.assertNoViolations()
  }, 180_000)
})
