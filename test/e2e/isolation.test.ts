/**
 * Concurrency and phone-leg faults through the real server: concurrent calls, each with its own words (its own tones)
 * and its own task, never see each other's audio, transcript or rows and lose no frame; a caller who hangs up while
 * a booking is in flight still gets the booking (and no SMS); a hang-up mid-playback ends cleanly.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { LatencyProbe } from '../../src/sim/latency-probe'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})
const tomorrowAt = (minutes: number) => dateMinutesToEpoch(addDays(localDate(Date.now(), 'UTC'), 1), minutes, 'UTC')

test('four concurrent calls, four bookings: nothing crosses calls, no frame lost', async () => {
  const probe = new LatencyProbe()
  world = await startWorld({ env: HOURS, probe })
  const w = world
  const plans = [
    { caller: '+14155550101', time: '9 AM', minutes: 540 },
    { caller: '+14155550102', time: '11 AM', minutes: 660 },
    { caller: '+14155550103', time: '2 PM', minutes: 840 },
    { caller: '+14155550104', time: '4:30 PM', minutes: 990 },
  ]
  const formats = ['raw/lpcm16_24', 'raw/mulaw', 'raw/lpcm16_24', 'raw/mulaw'] as const
  const calls = plans.map((p, i) => w.call({ caller: p.caller, supportedMediaFormats: [formats[i]!] }))
  await Promise.all(
    calls.map(async (call, i) => {
      const p = plans[i]!
      await call.startCall()
      await call.waitForBotSaid('how can i help', 20_000)
      await call.waitForPlaybackIdle(20_000)
      await call.say('Book an appointment for tomorrow.')
      await call.waitForBotSaid('what time', 20_000)
      await call.waitForPlaybackIdle(20_000)
      await call.say(`${p.time}.`)
      await call.waitForBotSaid(`book for tomorrow at ${p.time.toLowerCase()}?`, 20_000)
      await call.waitForPlaybackIdle(20_000)
      await call.say('Yes.')
      await call.waitForBotSaid(`appointment booked for tomorrow at ${p.time.toLowerCase()}`, 20_000)
      await call.hangup()
    }),
  )
  for (const [i, call] of calls.entries()) {
    const p = plans[i]!
    call.assertNoViolations()
    // What this caller heard mentions only its own time.
    const heard = call.streams.map((s) => s.text).join(' ')
    for (const other of plans.filter((o) => o !== p)) expect(heard).not.toContain(other.time.toLowerCase())
    // Its rows: its own number, its own booking, its own transcript.
    expect((await w.server.store.appointments.upcomingFor(p.caller, 0)).map((a) => a.starts_at)).toEqual([tomorrowAt(p.minutes)])
    const row = (await w.server.store.calls.byConversation(call.conversationId))!
    expect(row.caller).toBe(p.caller)
    const said = (await w.server.store.transcript.list(row.id)).filter((r) => r.role === 'caller').map((r) => r.text.toLowerCase())
    expect(said).toContain(`${p.time.toLowerCase()}.`)
    for (const other of plans.filter((o) => o !== p)) expect(said).not.toContain(`${other.time.toLowerCase()}.`)
  }
  // Every caller frame reached the model and every model frame reached a caller, unchanged (passthrough formats).
  expect(probe.up.unmatched).toBe(0)
  expect(probe.down.unmatched).toBe(0)
  expect(probe.up.samples.length).toBeGreaterThan(400)
}, 120_000)

test('a hang-up while the booking is in flight: the booking completes, the call is not a drop (no SMS)', async () => {
  world = await startWorld({ env: HOURS, server: { domainDelayMs: (e) => (e.kind === 'book' ? 1500 : 0), settleMs: 100 } })
  const w = world
  const call = w.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await call.startCall()
  await call.waitForBotSaid('how can i help', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('Book an appointment for tomorrow at 10 AM.')
  await call.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('Yes.')
  // Hang up as soon as the bot acknowledges: the booking request is still in flight.
  await w.emulator.waitFor(() => (w.emulator.session()?.items.some((i) => i.wire.type === 'function_call_output' && JSON.stringify(i.wire).includes('working')) ? true : undefined), 15_000)
  await call.hangup()
  const until = Date.now() + 8000
  while ((await w.server.store.appointments.upcomingFor('+14155550123', 0)).length === 0 && Date.now() < until) await Bun.sleep(50)
  expect((await w.server.store.appointments.upcomingFor('+14155550123', 0))).toHaveLength(1)
  await Bun.sleep(500)
  const row = (await w.server.store.calls.byConversation(call.conversationId))!
  expect(row.end_reason).toBe('caller-hangup')
  expect(row.resume_status).toBeNull()
  expect((await w.server.store.tasks.forCall(row.id)).map((t) => [t.state, t.status])).toEqual([['booked', 'done']])
  expect(w.twilio.messages).toHaveLength(0)
}, 60_000)

test('a hang-up mid-playback ends the call cleanly', async () => {
  world = await startWorld({ env: HOURS })
  const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await call.startCall()
  await call.waitFor(() => (call.playing ? true : undefined), 10_000)
  await call.hangup()
  await Bun.sleep(300)
  const row = (await world.server.store.calls.byConversation(call.conversationId))!
  expect(row.state).toBe('ended')
  expect(row.end_reason).toBe('caller-hangup')
  expect(world.server.conversations.size).toBe(0)
  call.assertNoViolations()
}, 30_000)
