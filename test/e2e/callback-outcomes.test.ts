/**
 * Dial-out callbacks as a real VoiceAI Connect may run them (issue 13 item 11), through the real server: VAIC opens
 * the callback's socket before the dial-out's HTTP answer (recognised by the ids in the dial-out metadata); the
 * greeting waits for the `start` event (the callee answered); an unanswered callback (no-answer, busy, declined,
 * machine-detected) is that callback's outcome — no second SMS, the dropped call stays resumable; an answering
 * machine (VAIC's detection in `detect` mode, reported in the start event or as its own event) gets a short voicemail
 * and a hang-up. Every dial-out carries `caller` (here TWILIO_FROM_NUMBER, the fallback of AUDIOCODES_CALLER_ID).
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, WORLD_SECRETS, type World } from '../../src/sim/world'
import type { VaicSimulator, VaicSimulatorOptions } from '../../src/sim/vaic/simulator'
import type { DialRecord } from '../../src/sim/audiocodes-api/fake-audiocodes-api'
import { waitUntil } from '../reliability/kit'
import { watchCallEnds } from '../kit/call-ends'

const ENV = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', DROP_GRACE_SECONDS: '0.3' }
const CALLER = '+14155550166'
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

/** A call drops mid-booking (one SMS), the caller replies CALL: resolves with the dropped call's id. */
async function dropAndReplyCall(w: World): Promise<string> {
  const first = w.call({ caller: CALLER, supportedMediaFormats: ['raw/lpcm16_24'] })
  expect((await first.startCall()).ok).toBe(true)
  await first.waitForBotSaid('how can i help', 20_000)
  await first.waitForPlaybackIdle(20_000)
  await first.say('Book an appointment for tomorrow.')
  await first.waitForBotSaid('what time', 20_000)
  await first.drop()
  await w.twilio.waitForMessages(1, 15_000)
  const r = await w.twilio.reply(`${w.server.url}/twilio/sms`, CALLER, 'CALL')
  expect(r.twiml).toContain('Calling you now')
  return (await w.server.store.calls.byConversation(first.conversationId))!.id
}

/**
 * After the callback's ending was recorded: no drop SMS was even queued for it (so none can go out later), and the
 * only text the caller got is the first call's.
 */
async function noSecondSms(w: World, conversationId: string): Promise<void> {
  const id = (await w.server.store.calls.byConversation(conversationId))!.id
  expect(await w.server.store.outbox.byKey(`sms:drop:${id}`)).toBeUndefined()
  expect(w.twilio.messages).toHaveLength(1)
}

/** Polls an async probe (the store answers through promises). */
async function eventually(probe: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await Bun.sleep(20)
  }
}

/** The callback's simulated call, as VAIC would place it for this dial-out. */
const callbackCall = (w: World, d: DialRecord, o: Partial<VaicSimulatorOptions> = {}): VaicSimulator =>
  w.call({
    conversationId: d.conversationId,
    caller: d.body.caller ?? 'missing',
    callee: d.body.target.replace('tel:', ''),
    dialoutMetadata: d.body.metadata ?? {},
    supportedMediaFormats: ['raw/lpcm16_24'],
    ...o,
  })

test('VAIC connects the callback before the dial-out is answered: recognised by its metadata, resumed, booked', async () => {
  world = await startWorld({ env: ENV, dialoutAnswer: 'after-connect' })
  const w = world
  let back: VaicSimulator | undefined
  w.audiocodesApi.onDial(async (d) => {
    back = callbackCall(w, d)
    // The HTTP answer waits until the bot has accepted the call and heard the start event.
    expect((await back.startCall()).ok).toBe(true)
  })
  const droppedId = await dropAndReplyCall(w)
  const [dial] = await w.audiocodesApi.waitForDials(1)
  expect(dial?.body.caller).toBe(WORLD_SECRETS.twilioFrom)
  expect(dial?.body.machineDetection).toBe('detect')
  await waitUntil(() => back !== undefined, 15_000, 'the callback call')
  const call = back!
  await call.waitForBotSaid('welcome back! we were booking an appointment for tomorrow', 20_000)
  await call.waitForPlaybackIdle(20_000)
  await call.say('Continue.')
  await call.waitForBotSaid('what time', 20_000)
  await call.waitForPlaybackIdle(20_000)
  await call.say('10 AM.')
  await call.waitForBotSaid('book for tomorrow at 10 am?', 20_000)
  await call.waitForPlaybackIdle(20_000)
  await call.say('Yes.')
  await call.waitForBotSaid('booked', 20_000)
  const store = w.server.store
  const row = (await store.calls.byConversation(call.conversationId))!
  expect(row).toMatchObject({ direction: 'outbound', caller: CALLER, resumes_call_id: droppedId })
  await eventually(async () => (await store.callbacks.forCall(droppedId))[0]?.conversation_id === call.conversationId, 'the dial-out answer to be recorded')
  expect((await store.callbacks.forCall(droppedId))[0]?.status).toBe('answered')
  await call.hangup()
  expect(w.twilio.messages).toHaveLength(1)
  call.assertNoViolations()
}, 120_000)

test('the greeting of a callback waits for the start event (the callee answered), not for the model', async () => {
  world = await startWorld({ env: ENV })
  const w = world
  const dialed = new Promise<DialRecord>((resolve) => w.audiocodesApi.onDial(resolve))
  await dropAndReplyCall(w)
  const call = callbackCall(w, await dialed, { answered: false })
  expect((await call.startCall()).ok).toBe(true)
  // Ringing: the model could be ready in milliseconds; the bot must still say nothing.
  await Bun.sleep(1500)
  expect(call.streams).toHaveLength(0)
  await call.answer()
  await call.waitForBotSaid('welcome back!', 20_000)
  await call.hangup()
  call.assertNoViolations()
}, 90_000)

test.each(['no-answer', 'busy', 'declined', 'machine-detected'])('callback ended %s before an answer: its outcome, no second SMS, still resumable', async (code) => {
  world = await startWorld({ env: ENV })
  const w = world
  const dialed = new Promise<DialRecord>((resolve) => w.audiocodesApi.onDial(resolve))
  const droppedId = await dropAndReplyCall(w)
  const call = callbackCall(w, await dialed, { answered: false })
  const ends = watchCallEnds(w.server)
  expect((await call.startCall()).ok).toBe(true)
  await call.endAs(code)
  const store = w.server.store
  await ends.ended(call.conversationId)
  ends.stop()
  expect((await store.callbacks.forCall(droppedId))[0]?.status).toBe('failed')
  expect((await store.calls.byConversation(call.conversationId))?.end_reason).toBe('unanswered')
  expect((await store.calls.get(droppedId))?.resume_status).toBe('pending')
  expect(await store.tasks.openForCall(droppedId)).toHaveLength(1)
  await noSecondSms(w, call.conversationId)
  // Replying CALL again works.
  const again = await w.twilio.reply(`${w.server.url}/twilio/sms`, CALLER, 'CALL')
  expect(again.twiml).toContain('Calling you now')
  call.assertNoViolations()
}, 90_000)

test.each(['start-param', 'event'] as const)('an answering machine (verdict as %s) gets a short voicemail, then the bot hangs up; no second SMS', async (via) => {
  world = await startWorld({ env: ENV })
  const w = world
  const dialed = new Promise<DialRecord>((resolve) => w.audiocodesApi.onDial(resolve))
  const droppedId = await dropAndReplyCall(w)
  const call = callbackCall(w, await dialed, { machineAnswers: via })
  const ends = watchCallEnds(w.server)
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid('we tried to call you back about your appointment request. reply call to our text message', 40_000)
  expect((await call.waitForEnd(40_000)).by).toBe('bot-hangup')
  const store = w.server.store
  // The bot's hang-up reaches the caller before the server has recorded the ending: wait for that, not a guess.
  await ends.ended(call.conversationId)
  ends.stop()
  expect((await store.callbacks.forCall(droppedId))[0]?.status).toBe('failed')
  expect((await store.calls.get(droppedId))?.resume_status).toBe('pending')
  expect(await store.tasks.openForCall(droppedId)).toHaveLength(1)
  expect((await store.calls.byConversation(call.conversationId))?.end_reason).toBe('unanswered')
  await noSecondSms(w, call.conversationId)
  call.assertNoViolations()
}, 90_000)
