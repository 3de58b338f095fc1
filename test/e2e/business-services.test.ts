/**
 * A business file with services, staff and an FAQ through the real server, the VoiceAI Connect simulator and the
 * Realtime emulator: the FAQ answer reaches the model (the emulator answers from it), the service is asked for when
 * missing and matched by name, the slot is as long as the service and held by the staff member who does it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'

const FILE = `business: { name: Harbour Dental, timezone: UTC }
hours: { mon-sun: "08:00-20:00" }
services:
  - { id: checkup, name: Check-up, minutes: 30, synonyms: [examination] }
  - { id: cleaning, name: Dental cleaning, minutes: 60, synonyms: [cleaning, hygiene] }
staff:
  - { name: Dr. Weber, services: [checkup] }
  - { name: Anna, services: [cleaning, checkup], hours: { mon-sun: "12:00-18:00" } }
faq:
  - { q: Where can I park?, a: There is free parking behind the building on Harbour Street. }
`
let world: World
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-services-'))
  writeFileSync(join(dir, 'harbour.yaml'), FILE)
  world = await startWorld({ env: { FASTAGENT_CONFIG: join(dir, 'harbour.yaml') } })
})
afterAll(async () => {
  await world.stop()
})

async function turn(call: VaicSimulator, text: string, expectBot: string): Promise<void> {
  await call.say(text)
  await call.waitForBotSaid(expectBot, 15_000)
  await call.waitForPlaybackIdle(15_000)
}

test('FAQ answer, service asked for and matched, a 60-minute slot held by the staff member who does it', async () => {
  const caller = '+14155550142'
  const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'], caller })
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid('how can i help', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await turn(call, 'Where can I park?', 'free parking behind the building')
  await turn(call, 'Book an appointment for tomorrow.', 'which would you like: check-up or dental cleaning?')
  await turn(call, 'A cleaning, please.', 'what time would you like?')
  // Anna does cleanings from 12:00: 10 AM is outside her hours, so the grid says so.
  await turn(call, '2 PM.', 'book dental cleaning for tomorrow at 2 pm?')
  await turn(call, 'Yes.', 'dental cleaning booked for tomorrow at 2 pm')
  await call.hangup()
  call.assertNoViolations()
  const tomorrow = addDays(localDate(Date.now(), 'UTC'), 1)
  const rows = await world.server.store.appointments.upcomingFor(caller, 0)
  expect(rows.map((r) => [r.starts_at, r.minutes, r.service_id, r.resource])).toEqual([[dateMinutesToEpoch(tomorrow, 14 * 60, 'UTC'), 60, 'cleaning', 'anna']])
}, 90_000)
