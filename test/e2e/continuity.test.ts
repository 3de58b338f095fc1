/**
 * Scenario 2 of ../shared/scenarios.md through the real server and every simulator: the call drops mid-booking →
 * exactly one SMS → the caller replies CALL (signed webhook) → dial-out → the callback is recognised → "Welcome
 * back! …" built from the saved FSM state → continue (or start over) → booked → closing.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import type { DialRecord } from '../../src/sim/audiocodes-api/fake-audiocodes-api'

const CALLER = '+14155550199'
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

async function bookUntilConfirmation(call: VaicSimulator): Promise<void> {
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid('how can i help', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('Book an appointment for tomorrow.')
  await call.waitForBotSaid('what time', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('10 AM.')
  await call.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
  await call.waitForPlaybackIdle(15_000)
}

/** The phone that answers our dial-out: a VAIC call carrying the conversation id the dial-out API returned. */
function answer(w: World, d: DialRecord): VaicSimulator {
  return w.call({
    conversationId: d.conversationId,
    caller: '+15550000000', // on an outbound call VAIC's caller is the bot's own number
    callee: d.body.target.replace('tel:', ''),
    dialoutMetadata: d.body.metadata ?? {},
    supportedMediaFormats: ['raw/lpcm16_24'],
  })
}

test('scenario 2: drop mid-booking → one SMS → CALL → dial-out → welcome back → continue → booked', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', DROP_GRACE_SECONDS: '0.5' } })
  const w = world
  const first = w.call({ caller: CALLER, supportedMediaFormats: ['raw/lpcm16_24'] })
  await bookUntilConfirmation(first)
  await first.drop()

  // Exactly one SMS, after the grace period, to the caller.
  const [sms] = await w.twilio.waitForMessages(1, 10_000)
  expect(sms?.to).toBe(CALLER)
  expect(sms?.body).toBe('Our call was disconnected. Your appointment request was saved. Reply CALL to continue where we left off.')
  const dropped = w.server.store.calls.byConversation(first.conversationId)
  expect(dropped?.end_reason).toBe('lost')
  expect(dropped?.resume_status).toBe('pending')

  // The caller replies CALL: a signed webhook, TwiML back, a dial-out to their number.
  const answered = new Promise<VaicSimulator>((resolve) => w.audiocodesApi.onDial((d) => resolve(answer(w, d))))
  const reply = await w.twilio.reply(`${w.server.url}/twilio/sms`, CALLER, 'CALL')
  expect(reply.status).toBe(200)
  expect(reply.twiml).toContain('Calling you now.')
  const callback = await answered
  expect(w.audiocodesApi.dials[0]?.body.target).toBe(`tel:${CALLER}`)

  expect((await callback.startCall()).ok).toBe(true)
  await callback.waitForBotSaid('welcome back! we were booking an appointment for tomorrow at 10 am. would you like to continue or start over?', 15_000)
  await callback.waitForPlaybackIdle(15_000)
  await callback.say("Let's continue.")
  // The agent asks for the confirmation it was waiting for.
  await callback.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
  await callback.waitForPlaybackIdle(15_000)
  await callback.say('Yes.')
  await callback.waitForBotSaid('booked', 15_000)
  await callback.waitForBotSaid('anything else', 15_000)
  await callback.waitForPlaybackIdle(15_000)
  await callback.say("No, that's all.")
  await callback.waitForBotSaid('your appointment is confirmed for tomorrow at 10 am', 20_000)
  expect((await callback.waitForEnd(20_000)).by).toBe('bot-hangup')
  first.assertNoViolations()
  callback.assertNoViolations()

  // Nothing was lost or repeated: one booking for the caller, still one SMS, the dropped call closed.
  expect(w.server.store.appointments.upcomingFor(CALLER, 0)).toHaveLength(1)
  await Bun.sleep(200)
  expect(w.twilio.messages).toHaveLength(1)
  const again = w.server.store.calls.get(dropped!.id)
  expect(again?.resume_status).toBe('closed')
  const resumed = w.server.store.calls.byConversation(callback.conversationId)
  expect(resumed?.resumes_call_id).toBe(dropped!.id)
  expect(resumed?.direction).toBe('outbound')
  expect(resumed?.caller).toBe(CALLER)
  expect(w.server.store.callbacks.forCall(dropped!.id)[0]?.status).toBe('answered')
}, 180_000)

test('scenario 2, start over: the saved task is closed and a new booking starts from the beginning', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', DROP_GRACE_SECONDS: '0.5' } })
  const w = world
  const first = w.call({ caller: CALLER, supportedMediaFormats: ['raw/mulaw'] })
  await bookUntilConfirmation(first)
  // The caller hangs up (client-disconnected) mid-task: also a drop.
  await first.hangup()
  await w.twilio.waitForMessages(1, 10_000)

  // This time the caller rings back themselves, from the same number.
  const back = w.call({ caller: CALLER, supportedMediaFormats: ['raw/mulaw'] })
  expect((await back.startCall()).ok).toBe(true)
  await back.waitForBotSaid('welcome back', 15_000)
  await back.waitForPlaybackIdle(15_000)
  await back.say('Start over, please.')
  await back.waitForBotSaid('which day', 15_000).catch(async () => back.waitForBotSaid('what day', 5_000))
  const dropped = w.server.store.calls.byConversation(first.conversationId)!
  const oldTasks = w.server.store.tasks.forCall(w.server.store.calls.byConversation(back.conversationId)!.id)
  expect(oldTasks.find((t) => t.status === 'cancelled')).toBeDefined()
  expect(oldTasks.filter((t) => t.status === 'open')).toHaveLength(1)
  expect(w.server.store.calls.get(dropped.id)?.resume_status).toBe('resumed')
  await back.hangup()
  back.assertNoViolations()
}, 180_000)
