/**
 * The demo as a newcomer runs it: from the compiled binary, offline. It must exit 0 only when every expected step
 * happened, say in its first line that the peers are simulated, and never write a full phone number or a secret to
 * its server log. A sabotaged model makes a scenario fail with the missing step named.
 */
import { beforeAll, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from 'bun'
import { startWorld, WORLD_SECRETS } from '../../src/sim/world'
import { bookingScenario, StepFailed } from '../../src/sim/scenarios'
import { scriptedBrain } from '../../src/sim/realtime'

const root = join(import.meta.dir, '..', '..')
const binary = join(root, 'dist', 'fastagent')

beforeAll(async () => {
  if (existsSync(binary) && process.env.FASTAGENT_REQUIRE_BINARY === '1') return
  if (process.env.FASTAGENT_REQUIRE_BINARY === '1') throw new Error('dist/fastagent is missing')
  await $`bun scripts/build.ts`.cwd(root).quiet()
}, 120_000)

test('fastagent demo (compiled binary): every step of both scenarios, exit 0, no number or secret in the log', async () => {
  const r = await $`${binary} demo --no-color`.env({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }).nothrow().quiet()
  const out = r.stdout.toString()
  expect(r.exitCode).toBe(0)
  expect(out.split('\n')[0]).toContain('simulated peers')
  for (const expected of [
    'Scenario 1: booking with a pivot',
    '✓ agent asks "What time?"',
    '✓ pivot question answered',
    '✓ bot asks "Is there anything else…?"',
    "Bot      I'm glad I could help. Your appointment is confirmed for tomorrow at 10 AM. Have a great day!",
    'Scenario 2: call continuity after a dropped call',
    'SMS      to +********199: "Our call was disconnected. Your appointment request was saved. Reply CALL to continue where we left off."',
    'Bot      Welcome back! We were booking an appointment for tomorrow at 10 AM. Would you like to continue or start over?',
    'book_appointment: new → collectingTime',
    'every expected step happened',
  ]) {
    expect(out).toContain(expected)
  }
  expect(out).toMatch(/relay latency .*uplink p50 [\d.]+ ms/)
  const logPath = /server log (\S+)/.exec(out)?.[1]
  expect(logPath).toBeDefined()
  const log = readFileSync(logPath!, 'utf8')
  expect(log.length).toBeGreaterThan(1000)
  for (const secret of [...Object.values(WORLD_SECRETS).filter((v) => v.length > 12), '+14155550123', '+14155550199', '4155550199']) {
    expect(log.includes(secret)).toBe(false)
  }
}, 180_000)

test('fastagent demo --language de: both scenarios in German, the transcript German', async () => {
  const r = await $`${binary} demo --no-color --language de`.env({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }).nothrow().quiet()
  const out = r.stdout.toString()
  expect(r.exitCode).toBe(0)
  for (const expected of [
    'language de',
    'Caller   Ich möchte einen Termin für morgen buchen.',
    'Bot      Um wie viel Uhr möchten Sie kommen?',
    'Bot      Soll ich den Termin für morgen um 10 Uhr buchen?',
    'Bot      Schön, dass ich helfen konnte. Ihr Termin ist für morgen um 10 Uhr bestätigt. Einen schönen Tag noch!',
    'SMS      to +********199: "Unser Gespräch wurde unterbrochen. Ihre Anfrage (Terminbuchung) ist gespeichert. Antworten Sie mit CALL, dann machen wir dort weiter."',
    'Bot      Willkommen zurück! Wir waren dabei: eine Terminbuchung für morgen um 10 Uhr. Möchten Sie weitermachen oder neu beginnen?',
    'every expected step happened',
  ]) {
    expect(out).toContain(expected)
  }
  // No English line from the bot: every Bot line of the transcript is German.
  const botLines = out.split('\n').filter((l) => /^\S+\s+Bot\s/.test(l))
  expect(botLines.length).toBeGreaterThan(10)
  for (const l of botLines) expect(l).not.toMatch(/\b(the|you|your|appointment|would|help)\b/i)
}, 180_000)

test('fastagent demo --language fr: a usage error naming the languages there are, nothing started', async () => {
  const r = await $`${binary} demo --no-color --language fr`.env({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }).nothrow().quiet()
  expect(r.exitCode).toBe(2)
  expect(r.stderr.toString()).toContain('--language must be one of en, de, es (got "fr")')
  expect(r.stdout.toString()).not.toContain('Scenario 1')
  const s = await $`${binary} demo --no-color --language es --speech`.env({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }).nothrow().quiet()
  expect(s.exitCode).toBe(2)
  expect(s.stderr.toString()).toContain('--speech speaks English only')
}, 60_000)

test('a scenario whose model never answers fails with the missing step named', async () => {
  const world = await startWorld({ emulator: { brain: () => scriptedBrain([]) } })
  try {
    const err = await bookingScenario(world, { step: () => undefined }, { stepTimeoutMs: 2000 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(StepFailed)
    expect((err as StepFailed).step).toBe('bot greets')
  } finally {
    await world.stop()
  }
}, 30_000)
