/**
 * The model leg under upstream faults, through the real server: proactive rotation at a quiet moment, the 60-minute
 * cap (`session_expired` + 1001), an abrupt close mid-response, a stalled socket, an injected error, added latency,
 * and a fatal error (bad key). In every case the call goes on with its context — the new session gets the history
 * replayed and the open task stated — or, when it cannot, ends cleanly.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import { untilAskedForTime } from '../kit/call-steps'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

async function untilTime(w: World): Promise<VaicSimulator> {
  return untilAskedForTime(w.call({ supportedMediaFormats: ['raw/lpcm16_24'] }))
}

async function finishBooking(w: World, call: VaicSimulator): Promise<void> {
  await call.say('10 AM.')
  await call.waitForBotSaid('book for tomorrow at 10 am?', 20_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('Yes.')
  await call.waitForBotSaid('booked', 20_000)
  expect((await w.server.store.appointments.upcomingFor('+14155550123', 0))).toHaveLength(1)
}

/** Waits for a second model session that has received the replayed history. */
async function replayedSession(w: World, ms: number): Promise<void> {
  await w.emulator.waitFor(() => {
    const s = w.emulator.sessions[1]
    return s && s.items.length >= 3 && s.config.instructions ? true : undefined
  }, ms)
}

/** The newest model session got the conversation so far as text items, and the open task in its instructions. */
function expectReplayed(w: World, waitingFor = 'time'): void {
  const sessions = w.emulator.sessions
  expect(sessions.length).toBeGreaterThanOrEqual(2)
  const latest = sessions[sessions.length - 1]!
  const texts = latest.items.map((i) => JSON.stringify(i.wire)).join('\n').toLowerCase()
  // (the caller's words come from the model's own transcription, lower case with the tone voice)
  expect(texts).toContain('book an appointment for tomorrow.')
  expect(texts).toContain('what time would you like?')
  expect(latest.config.instructions ?? '').toMatch(new RegExp(`- T\\d+-\\w+ book_appointment: .*waiting for: ${waitingFor}`))
}

test('rotation before the cap, at a quiet moment: history replayed, the task goes on', async () => {
  world = await startWorld({ env: { ...HOURS, SESSION_ROTATE_MINUTES: '0.08' } })
  const w = world
  const call = await untilTime(w)
  await replayedSession(w, 15_000)
  expectReplayed(w)
  // The old session was closed by us, normally.
  await w.emulator.waitFor(() => (w.emulator.sessions[0]?.closeInfo ? true : undefined), 5_000)
  expect(w.emulator.sessions[0]?.closeInfo?.code).toBe(1000)
  await finishBooking(w, call)
  expect(w.server.registry.counterTotal('fastagent_realtime_rotations_total')).toBeGreaterThanOrEqual(1)
  call.assertNoViolations()
}, 90_000)

test('session cap: session_expired + 1001 → reconnect with the conversation', async () => {
  world = await startWorld({ env: HOURS })
  const w = world
  const call = await untilTime(w)
  w.emulator.expireSession()
  await replayedSession(w, 15_000)
  expectReplayed(w)
  await finishBooking(w, call)
  call.assertNoViolations()
}, 90_000)

test('socket dropped mid-response: reconnect, context kept, the tool runs once', async () => {
  world = await startWorld({ env: HOURS })
  const w = world
  const call = await untilTime(w)
  await call.say('10 AM.')
  // Kill the upstream socket after two deltas of the next response (the confirmation question).
  w.emulator.dropSocket(undefined, { afterDeltas: 2 })
  await replayedSession(w, 15_000)
  expectReplayed(w, 'confirm')
  // The bot picks up where it left off; the caller confirms; exactly one booking.
  await call.waitForBotSaid('book for tomorrow at 10 am?', 20_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('Yes.')
  await call.waitForBotSaid('booked', 20_000)
  expect((await w.server.store.appointments.upcomingFor('+14155550123', 0))).toHaveLength(1)
  const calls = w.emulator.sessions.flatMap((s) => s.responses.flatMap((r) => r.turn?.calls ?? [])).filter((c) => c.name === 'task_input')
  expect(calls.filter((c) => (c.arguments as { time?: string }).time !== undefined)).toHaveLength(1)
  expect(w.server.registry.counterTotal('fastagent_upstream_gaps_total')).toBe(1)
  call.assertNoViolations()
}, 90_000)

test('an injected error (active response) and added latency/jitter: the call goes on', async () => {
  world = await startWorld({ env: HOURS })
  const w = world
  const call = await untilTime(w)
  w.emulator.injectError('conversation_already_has_active_response', 'Conversation already has an active response in progress.')
  w.emulator.setLatency(200, 50)
  await finishBooking(w, call)
  call.assertNoViolations()
}, 90_000)

test('a stalled upstream (silent past its own idle timeout) is replaced, and the caller is heard again', async () => {
  world = await startWorld({ env: { ...HOURS, SILENCE_TIMEOUT_SECONDS: '2' } })
  const w = world
  const call = await untilTime(w)
  w.emulator.stall(60_000)
  await call.say('10 AM.')
  // Nothing comes back; within the silence timeout + 10 s the leg gives up on that socket and reconnects.
  await replayedSession(w, 25_000)
  expectReplayed(w)
  await call.waitForPlaybackIdle(15_000)
  await call.say('10 AM.')
  await call.waitForBotSaid('book for tomorrow at 10 am?', 20_000)
  call.assertNoViolations()
}, 90_000)

test('a fatal error (invalid API key) ends the call cleanly with a hang-up, recorded as failed', async () => {
  world = await startWorld({ env: { ...HOURS, OPENAI_API_KEY: 'sk-not-the-right-key' } })
  const w = world
  const call = w.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await call.startCall()
  const ended = await call.waitForEnd(15_000)
  expect(ended.by).toBe('bot-hangup')
  const hangup = call.log.find((e) => e.dir === 'in' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('assistant-unavailable'))
  expect(hangup).toBeDefined()
  await Bun.sleep(100)
  expect((await w.server.store.calls.byConversation(call.conversationId))?.end_reason).toBe('failed')
  call.assertNoViolations()
}, 30_000)

test('a fatal error with TRANSFER_TARGET set transfers the caller to a person instead of hanging up', async () => {
  world = await startWorld({ env: { ...HOURS, OPENAI_API_KEY: 'sk-not-the-right-key', TRANSFER_TARGET: 'tel:+18005550100' } })
  const w = world
  const call = w.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await call.startCall()
  expect((await call.waitForEnd(15_000)).by).toBe('transfer')
  const transfer = call.log.find((e) => e.dir === 'in' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('"transfer"'))
  expect(JSON.stringify(transfer?.message)).toContain('tel:+18005550100')
  await Bun.sleep(100)
  expect((await w.server.store.calls.byConversation(call.conversationId))?.end_reason).toBe('transferred')
}, 30_000)
