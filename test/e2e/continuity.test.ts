/**
 * Scenario 2 of ../shared/scenarios.md through the real server and every simulator: the call drops mid-booking →
 * exactly one SMS → the caller replies CALL (signed webhook) → dial-out → the callback is recognised → "Welcome
 * back! …" built from the saved FSM state → continue (or start over) → booked → closing.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import { continuityScenario } from '../../src/sim/scenarios'
import { itemsBeforeFirstResponse } from '../kit/model-inputs'

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

/** Scenario 2 in English and Spanish (German plays in the demo test): the SMS and the replayed turns per language. */
const CASES = [
  { lang: 'en', sms: 'Our call was disconnected. Your appointment request was saved. Reply CALL to continue where we left off.', book: 'book an appointment for tomorrow.', time: '10 am.', asked: 'what time' },
  { lang: 'es', sms: 'Nuestra llamada se cortó. Su solicitud (reserva) está guardada. Responda CALL para continuar donde lo dejamos.', book: 'quiero reservar una cita para mañana.', time: 'a las 10.', asked: 'a qué hora' },
] as const

for (const c of CASES) {
  test(`scenario 2 in ${c.lang}: drop mid-booking → one SMS → CALL → dial-out → welcome back → continue → booked`, async () => {
    world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', DROP_GRACE_SECONDS: '0.5', BUSINESS_LANGUAGE: c.lang } })
    const w = world
    const { calls } = await continuityScenario(w, { step: () => undefined }, { caller: CALLER, language: c.lang })
    const [first, callback] = calls as [VaicSimulator, VaicSimulator]
    const dropped = (await w.server.store.calls.byConversation(first.conversationId))!
    expect(dropped.end_reason).toBe('lost')
    expect(w.twilio.messages[0]?.body).toBe(c.sms)
    await Bun.sleep(100)
    expect((await w.server.store.calls.get(dropped.id))?.resume_status).toBe('closed')
    const resumed = (await w.server.store.calls.byConversation(callback.conversationId))!
    expect(resumed.resumes_call_id).toBe(dropped.id)
    expect(resumed.direction).toBe('outbound')
    expect(resumed.caller).toBe(CALLER)
    expect((await w.server.store.callbacks.forCall(dropped.id))[0]?.status).toBe('answered')
    // A verified return (our dial-out, identified by its ids): the callback's FIRST model session got the earlier
    // conversation, before the "Welcome back" was asked for (issue 13 item 17).
    expect(w.emulator.sessions).toHaveLength(2)
    const replay = itemsBeforeFirstResponse(w.emulator.sessions[1]!)
    const said = (role: string) => replay.filter((i) => i.role === role).map((i) => i.text.toLowerCase())
    expect(said('user')).toContain(c.book)
    expect(said('user')).toContain(c.time)
    expect(said('assistant').some((t) => t.includes(c.asked))).toBe(true)
    // The task moved to the callback and finished there; its journal spans both calls.
    const [task] = (await w.server.store.tasks.forCall(resumed.id))
    expect(task?.status).toBe('done')
    expect((await w.server.store.tasks.journal(task!.id)).length).toBe(5)
    // The delivery callbacks from Twilio were verified and recorded.
    await Bun.sleep(200)
    expect((await w.server.store.sms.forCall(dropped.id))[0]?.status).toBe('delivered')
  }, 180_000)
}

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
  const dropped = (await w.server.store.calls.byConversation(first.conversationId))!
  const oldTasks = await w.server.store.tasks.forCall((await w.server.store.calls.byConversation(back.conversationId))!.id)
  expect(oldTasks.find((t) => t.status === 'cancelled')).toBeDefined()
  expect(oldTasks.filter((t) => t.status === 'open')).toHaveLength(1)
  expect((await w.server.store.calls.get(dropped.id))?.resume_status).toBe('resumed')
  await back.hangup()
  back.assertNoViolations()
}, 180_000)
