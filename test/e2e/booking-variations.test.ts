/**
 * Variations of scenario 1 through the real server and simulators: the slot is taken (alternatives offered, one
 * chosen), the caller drops the task mid-way, two tasks in one call, and a tool call with invalid arguments.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { scriptedBrain } from '../../src/sim/realtime'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import { greetedCall, turn } from '../kit/call-steps'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
const CALLER = '+14155550123'
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const tomorrowAt = (minutes: number) => dateMinutesToEpoch(addDays(localDate(Date.now(), 'UTC'), 1), minutes, 'UTC')

const start = (w: World): Promise<VaicSimulator> => greetedCall(w.call({ supportedMediaFormats: ['raw/lpcm16_24'], caller: CALLER }))

test('slot taken: the agent offers the nearest free slots and books the one chosen', async () => {
  world = await startWorld({ env: HOURS })
  await world.server.store.appointments.book({ id: 'someone-else', caller: '+19995550000', startsAt: tomorrowAt(600), minutes: 30, at: Date.now() })
  const call = await start(world)
  await turn(call, 'Book an appointment for tomorrow.', 'what time')
  await turn(call, '10 AM.', 'sorry, tomorrow at 10 am is taken. i can offer 9 am, 9:30 am or 10:30 am')
  await turn(call, '10:30 AM.', 'book for tomorrow at 10:30 am?')
  await turn(call, 'Yes.', 'appointment booked for tomorrow at 10:30 am')
  expect((await world.server.store.appointments.upcomingFor(CALLER, 0)).map((a) => a.starts_at)).toEqual([tomorrowAt(630)])
  call.assertNoViolations()
}, 90_000)

test('the caller drops the task mid-way: cancelled, nothing booked, the call goes on', async () => {
  world = await startWorld({ env: HOURS })
  const call = await start(world)
  await turn(call, 'Book an appointment for tomorrow.', 'what time')
  await turn(call, 'Actually, never mind.', "okay, i've cancelled that booking request")
  await turn(call, 'What are your opening hours?', 'monday')
  const row = (await world.server.store.calls.byConversation(call.conversationId))!
  expect((await world.server.store.tasks.forCall(row.id)).map((t) => [t.kind, t.status])).toEqual([['book_appointment', 'cancelled']])
  expect((await world.server.store.appointments.upcomingFor(CALLER, 0))).toHaveLength(0)
  // Hanging up now is not a drop: nothing is open.
  await call.hangup()
  await Bun.sleep(200)
  expect(world.twilio.messages).toHaveLength(0)
}, 90_000)

test('two tasks in one call: a booking and a message, both completed, both in the closing summary', async () => {
  world = await startWorld({ env: HOURS })
  const call = await start(world)
  await turn(call, 'Book an appointment for tomorrow.', 'what time')
  await turn(call, 'Also, I would like to leave a message.', 'may i have your name?')
  const row = (await world.server.store.calls.byConversation(call.conversationId))!
  expect((await world.server.store.tasks.openForCall(row.id)).map((t) => t.kind)).toEqual(['book_appointment', 'leave_message'])
  await turn(call, 'My name is Anne.', 'what message would you like to leave?')
  await turn(call, 'Please bring my x-rays.', 'shall i pass it on?')
  await turn(call, 'Yes.', "i've passed your message on")
  await turn(call, '10 AM.', 'book for tomorrow at 10 am?')
  await call.say('Yes.')
  await call.waitForBotSaid('booked', 15_000)
  await call.waitForBotSaid('anything else', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say("No, that's all.")
  await call.waitForBotSaid("i'm glad i could help. your appointment is confirmed for tomorrow at 10 am. your message has been passed on. have a great day!", 15_000)
  expect((await call.waitForEnd(15_000)).by).toBe('bot-hangup')
  expect((await world.server.store.messages.list()).map((m) => [m.name, m.message])).toEqual([['anne', 'please bring my x-rays.']])
  call.assertNoViolations()
}, 120_000)

test('a tool call with invalid arguments gets a helpful output and the call goes on', async () => {
  world = await startWorld({
    env: HOURS,
    emulator: {
      brain: () =>
        scriptedBrain([
          { say: 'Hello, thank you for calling. How can I help you today?' },
          { calls: [{ name: 'book_appointment', arguments: { date: 42, colour: 'red' } }] },
          { say: 'Sorry, let me try that again.' },
        ]),
    },
  })
  const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await call.startCall()
  await call.waitForBotSaid('how can i help', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('Book an appointment.')
  await call.waitForBotSaid('let me try that again', 15_000)
  const session = world.emulator.session()!
  const output = session.items.find((i) => i.wire.type === 'function_call_output')
  const parsed = JSON.parse((output?.wire as { output: string }).output) as Record<string, unknown>
  expect(parsed.error).toBe('invalid_arguments')
  expect(String(parsed.message)).toMatch(/date|colour/)
  expect(parsed.expected).toBeDefined()
  expect((await world.server.store.sql.get('SELECT COUNT(*) AS n FROM tasks'))).toEqual({ n: 0 })
  call.assertNoViolations()
}, 60_000)
