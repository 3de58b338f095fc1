/**
 * Scenario 1 of ../shared/scenarios.md through the real server, the VoiceAI Connect simulator and the Realtime
 * emulator: booking with a pivot, the closing question, the fixed summary, hang-up after playback.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { dateMinutesToEpoch, localDate, addDays } from '../../src/agents/domain/zoned-time'

let world: World
beforeAll(async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' } })
})
afterAll(async () => {
  await world.stop()
})

test('scenario 1: book with a pivot, anything else, closing summary, hang-up after playback', async () => {
  const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'], caller: '+14155550123' })
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid('how can i help', 15_000)
  await call.waitForPlaybackIdle(15_000)

  await call.say('Book an appointment for tomorrow.')
  await call.waitForBotSaid('what time', 15_000)
  await call.waitForPlaybackIdle(15_000)

  await call.say('What are your opening hours?')
  await call.waitForBotSaid('monday', 15_000)
  await call.waitForPlaybackIdle(15_000)

  await call.say('10 AM.')
  await call.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
  await call.waitForPlaybackIdle(15_000)

  await call.say('Yes.')
  await call.waitForBotSaid('booked', 15_000)
  await call.waitForBotSaid('anything else i can help you with today', 15_000)
  await call.waitForPlaybackIdle(15_000)

  await call.say("No, that's all I needed.")
  const closing = await call.waitForBotSaid("i'm glad i could help. your appointment is confirmed for tomorrow at 10 am. have a great day!", 20_000)
  const ended = await call.waitForEnd(20_000)
  expect(ended.by).toBe('bot-hangup')
  // The hang-up came only after the closing line had been played in full.
  const hangup = call.log.find((e) => e.dir === 'in' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('hangup'))
  expect(hangup).toBeDefined()
  const played = call.streams.find((s) => s.id === closing.id)
  expect(played?.interrupted).toBe(false)
  expect((played?.finishedAt ?? Infinity) <= (hangup?.t ?? 0)).toBe(true)
  call.assertNoViolations()

  // The booking is in SQLite, tied to the caller's number, at tomorrow 10:00 in the business zone.
  const tomorrow = addDays(localDate(Date.now(), 'UTC'), 1)
  const startsAt = dateMinutesToEpoch(tomorrow, 600, 'UTC')
  const rows = world.server.store.appointments.upcomingFor('+14155550123', 0)
  expect(rows.map((r) => r.starts_at)).toEqual([startsAt])
  const c = world.server.store.calls.byConversation(call.conversationId)
  await Bun.sleep(100)
  expect(world.server.store.calls.get(c!.id)?.end_reason).toBe('completed')
  expect(world.twilio.messages).toHaveLength(0)
}, 120_000)
