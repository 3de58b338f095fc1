/**
 * Issue 13 item 17: a resume restores what its trust allows, seen from what the Realtime emulator received.
 * - Caller ID only (the same number rings back): the open task and its status, never the earlier call's transcript —
 *   neither on the model's first connection nor after a reconnect.
 * - Our dial-out callback (verified by its dial-out ids): the earlier conversation too, on the first connection,
 *   before the greeting (that path runs in continuity.test.ts' scenario 2, which asserts it with the same helper).
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { untilAskedForTime } from '../kit/call-steps'
import { itemsBeforeFirstResponse } from '../kit/model-inputs'

const CALLER = '+14155550177'
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

test('caller-ID resume: open task restored, the earlier transcript never replayed (first connection, then a reconnect)', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', DROP_GRACE_SECONDS: '0.5' } })
  const w = world
  const first = await untilAskedForTime(w.call({ caller: CALLER, supportedMediaFormats: ['raw/lpcm16_24'] }))
  await first.hangup()
  await w.twilio.waitForMessages(1, 10_000)

  const firstSessions = w.emulator.sessions.length
  const back = w.call({ caller: CALLER, supportedMediaFormats: ['raw/lpcm16_24'] })
  expect((await back.startCall()).ok).toBe(true)
  await back.waitForBotSaid('welcome back', 15_000)
  await back.waitForPlaybackIdle(15_000)

  const session = w.emulator.sessions[firstSessions]!
  const items = itemsBeforeFirstResponse(session)
  // The open task and its status are there…
  expect(items.some((i) => i.role === 'system' && /open tasks continue/i.test(i.text) && /book_appointment/.test(i.text))).toBe(true)
  // …but nothing the caller or the bot said in the dropped call.
  expect(items.filter((i) => i.role === 'user' || i.role === 'assistant')).toEqual([])
  expect(items.map((i) => i.text).join('\n').toLowerCase()).not.toContain('book an appointment for tomorrow')

  // A reconnect replays this call's own conversation, still without the dropped call's.
  w.emulator.dropSocket(session.id)
  const next = await w.emulator.waitForSession(firstSessions + 1, 15_000)
  await w.emulator.waitFor(() => next.received.some((e) => e.event.type === 'response.create'), 15_000, 'a response on the new session')
  const replay = itemsBeforeFirstResponse(next)
  expect(replay.some((i) => i.role === 'assistant' && /welcome back/i.test(i.text))).toBe(true)
  expect(replay.map((i) => i.text).join('\n').toLowerCase()).not.toContain('book an appointment for tomorrow')
  expect(replay.some((i) => i.role === 'user')).toBe(false)
  await back.hangup()
  back.assertNoViolations()
}, 120_000)
