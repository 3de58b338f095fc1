/**
 * A silence hang-up with a task open (issue 13 item 19): the bot's polite goodbye after the re-prompts is a drop
 * (the task is saved and resumable), and its SMS says what happened — the caller went quiet — instead of "our call
 * was disconnected". The wording is configurable like the drop SMS (SMS_SILENCE_TEXT, or `sms_silence` in the
 * business file's wording).
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'

const ENV = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', SILENCE_TIMEOUT_SECONDS: '2', SILENCE_REPROMPTS: '0' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

async function silentMidTask(w: World): Promise<string> {
  const call = w.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid('how can i help', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('Book an appointment for tomorrow.')
  await call.waitForBotSaid('what time', 15_000)
  // The caller says nothing more.
  await call.waitForBotSaid("i haven't heard from you", 20_000)
  expect((await call.waitForEnd(20_000)).by).toBe('bot-hangup')
  const [sms] = await w.twilio.waitForMessages(1, 15_000)
  const row = await w.server.store.calls.byConversation(call.conversationId)
  expect(row?.end_reason).toBe('silence')
  expect(row?.resume_status).toBe('pending')
  call.assertNoViolations()
  return sms?.body ?? ''
}

test('the SMS after a silence hang-up says the bot could not hear the caller', async () => {
  world = await startWorld({ env: ENV })
  const body = await silentMidTask(world)
  expect(body).toBe("We ended our call because we couldn't hear you. Your appointment request was saved. Reply CALL to continue where we left off.")
  expect(body).not.toContain('disconnected')
}, 60_000)

test('its wording is configurable (SMS_SILENCE_TEXT), {task} filled in', async () => {
  world = await startWorld({ env: { ...ENV, SMS_SILENCE_TEXT: 'We lost you in the quiet. Your {task} is saved. Reply CALL to go on.' } })
  expect(await silentMidTask(world)).toBe('We lost you in the quiet. Your appointment is saved. Reply CALL to go on.')
}, 60_000)
