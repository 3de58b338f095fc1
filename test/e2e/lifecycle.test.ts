/**
 * Conversation lifecycle through the real server and simulators: DTMF confirmation, silence re-prompts and the
 * polite hang-up, transfer with and without a target (and a failed transfer), the call-length limit, an open task
 * at closing time, and a caller hang-up without a task (no SMS).
 */
import { afterEach, expect, test } from 'bun:test'
import { greetedCall, turn } from '../kit/call-steps'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const greeted = (w: World, options: Parameters<World['call']>[0] = {}): Promise<VaicSimulator> => greetedCall(w.call({ supportedMediaFormats: ['raw/lpcm16_24'], ...options }))

const callRow = (w: World, call: VaicSimulator) => w.server.store.calls.byConversation(call.conversationId)

test('DTMF 1 confirms a booking (and the model hears that a key was pressed)', async () => {
  world = await startWorld({ env: HOURS })
  const call = await greeted(world)
  await turn(call, 'Book an appointment for tomorrow.', 'what time')
  await turn(call, '10 AM.', 'book for tomorrow at 10 am?')
  // The bot enabled DTMF at call start (config sessionParams.sendDTMF), so the simulator sends it.
  expect(call.sessionParams.sendDTMF).toBe(true)
  expect(call.dtmf('1')).toBe(true)
  await call.waitForBotSaid('booked', 15_000)
  expect((await world.server.store.appointments.upcomingFor('+14155550123', 0))).toHaveLength(1)
  const notes = (world.emulator.session()?.items ?? []).filter((i) => i.wire.type === 'message' && i.wire.role === 'system')
  expect(JSON.stringify(notes.map((n) => n.wire))).toContain('pressed 1')
  await call.hangup()
  call.assertNoViolations()
}, 60_000)

test('silence: "Are you still there?", then a polite goodbye and hang-up after the re-prompts', async () => {
  world = await startWorld({ env: { ...HOURS, SILENCE_TIMEOUT_SECONDS: '2', SILENCE_REPROMPTS: '1' } })
  const call = await greeted(world)
  await call.waitForBotSaid('are you still there?', 15_000)
  await call.waitForBotSaid("i haven't heard from you", 15_000)
  const ended = await call.waitForEnd(15_000)
  expect(ended.by).toBe('bot-hangup')
  await Bun.sleep(100)
  expect((await callRow(world, call))?.end_reason).toBe('silence')
  // No task was open: not a drop, no SMS.
  expect(world.twilio.messages).toHaveLength(0)
  call.assertNoViolations()
}, 60_000)

test('transfer with a target: the bot says so, then a transfer activity with our call id in a SIP header', async () => {
  world = await startWorld({ env: { ...HOURS, TRANSFER_TARGET: 'tel:+18005550100' } })
  const call = await greeted(world)
  const tools = (world.emulator.session()?.config.tools ?? []).map((t) => t.name)
  expect(tools).toContain('transfer_to_human')
  await call.say('Can I speak to a human, please?')
  await call.waitForBotSaid('connect you with a colleague', 15_000)
  const ended = await call.waitForEnd(15_000)
  expect(ended.by).toBe('transfer')
  const transfer = call.log.find((e) => e.dir === 'in' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('"transfer"'))
  const params = (transfer?.message as { activities: { activityParams: Record<string, unknown> }[] }).activities[0]?.activityParams
  const row = (await callRow(world, call))!
  expect(params?.transferTarget).toBe('tel:+18005550100')
  expect(params?.transferSipHeaders).toEqual([{ name: 'X-FastAgent-Call-Id', value: row.id }])
  await Bun.sleep(100)
  expect((await world.server.store.calls.get(row.id))?.end_reason).toBe('transferred')
  call.assertNoViolations()
}, 60_000)

test('a failed transfer brings the bot back with an apology', async () => {
  world = await startWorld({ env: { ...HOURS, TRANSFER_TARGET: 'sip:desk@pbx.example.com' } })
  const call = await greeted(world, { onTransfer: { status: 'failed', reasonCode: '486', reason: 'Busy Here' } })
  await call.say('I want to talk to a person.')
  await call.waitForBotSaid("couldn't reach anyone", 20_000)
  expect(call.ended).toBeUndefined()
  await call.hangup()
  call.assertNoViolations()
}, 60_000)

test('without TRANSFER_TARGET the transfer tool is not offered', async () => {
  world = await startWorld({ env: HOURS })
  await greeted(world)
  expect((world.emulator.session()?.config.tools ?? []).map((t) => t.name)).not.toContain('transfer_to_human')
}, 30_000)

test('the call-length limit ends the call gracefully', async () => {
  world = await startWorld({ env: { ...HOURS, MAX_CALL_MINUTES: '0.1' } })
  const call = await greeted(world)
  await call.waitForBotSaid('time limit for this call', 15_000)
  expect((await call.waitForEnd(15_000)).by).toBe('bot-hangup')
  await Bun.sleep(100)
  expect((await callRow(world, call))?.end_reason).toBe('max-duration')
}, 60_000)

test('closing with a task open: the bot offers to finish it first', async () => {
  world = await startWorld({ env: HOURS })
  const call = await greeted(world)
  await turn(call, 'Book an appointment for tomorrow.', 'what time')
  await call.say("That's all, goodbye.")
  await call.waitForBotSaid("we haven't finished booking an appointment yet. shall we finish it now?", 15_000)
  expect(call.ended).toBeUndefined()
  await call.hangup()
}, 60_000)

test('a caller hang-up without a task is not a drop: no SMS', async () => {
  world = await startWorld({ env: HOURS })
  const call = await greeted(world)
  await call.hangup()
  await Bun.sleep(300)
  expect((await callRow(world, call))?.end_reason).toBe('caller-hangup')
  expect((await callRow(world, call))?.resume_status).toBeNull()
  expect(world.twilio.messages).toHaveLength(0)
}, 30_000)
