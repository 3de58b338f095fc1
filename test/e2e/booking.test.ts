/**
 * Scenario 1 of ../shared/scenarios.md through the real server, the VoiceAI Connect simulator and the Realtime
 * emulator (the same script the demo plays), plus what the demo does not show: the rows in SQLite.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { bookingScenario } from '../../src/sim/scenarios'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'

let world: World
beforeAll(async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' } })
})
afterAll(async () => {
  await world.stop()
})

test('scenario 1: book with a pivot, anything else, closing summary, hang-up after playback', async () => {
  const { steps, calls } = await bookingScenario(world, { step: () => undefined }, { caller: '+14155550123' })
  expect(steps).toContain('hang-up after the summary was played')
  const call = calls[0]!
  // The hang-up activity came only after the closing line had finished playing.
  const hangup = call.log.find((e) => e.dir === 'in' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('"hangup"'))
  const closing = call.streams.find((s) => s.text.toLowerCase().includes('have a great day'))
  expect(hangup).toBeDefined()
  expect(closing?.finishedAt).toBeDefined()
  expect((closing?.finishedAt ?? Infinity) <= (hangup?.t ?? 0)).toBe(true)

  // The booking: tomorrow 10:00 in the business zone, tied to the caller's number; the task is done.
  const tomorrow = addDays(localDate(Date.now(), 'UTC'), 1)
  const rows = (await world.server.store.appointments.upcomingFor('+14155550123', 0))
  expect(rows.map((r) => r.starts_at)).toEqual([dateMinutesToEpoch(tomorrow, 600, 'UTC')])
  const c = (await world.server.store.calls.byConversation(call.conversationId))!
  await Bun.sleep(100)
  expect((await world.server.store.calls.get(c.id))?.end_reason).toBe('completed')
  const tasks = (await world.server.store.tasks.forCall(c.id))
  expect(tasks.map((t) => [t.kind, t.status, t.state])).toEqual([['book_appointment', 'done', 'booked']])
  // Every transition was checkpointed with its event.
  expect((await world.server.store.tasks.journal(tasks[0]!.id)).map((j) => (j.event as { type: string }).type)).toEqual(['start', 'input', 'availability', 'input', 'booked'])
  // The transcript has both sides and the tool calls.
  const transcript = (await world.server.store.transcript.list(c.id))
  expect(transcript.filter((r) => r.role === 'caller').map((r) => r.text.toLowerCase())).toContain('10 am.')
  expect(transcript.some((r) => r.role === 'bot' && r.text.includes('What time'))).toBe(true)
  expect(transcript.some((r) => r.role === 'tool' && r.text.startsWith('book_appointment('))).toBe(true)
  // A completed call is never a drop: no SMS.
  expect(world.twilio.messages).toHaveLength(0)
}, 120_000)
