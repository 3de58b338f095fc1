/**
 * kill -9 of the compiled binary mid-booking, at seeded points (CRASH_ITERATIONS, default 10; `bun run soak` runs
 * 50), each followed by restarts on the same database — see crash-kit.ts for the iteration and its invariants:
 * integrity ok, every step acknowledged to the caller persisted, exactly one SMS per dropped call (none again after a
 * second kill and restart), and the caller ringing back resumes with "Welcome back…" and finishes the booking.
 * Builds dist/fastagent if it is missing (FASTAGENT_REQUIRE_BINARY=1: it must exist). The kill points depend on
 * timing, the invariants do not. The narrowest window — after "yes" was committed, before the booking's result — is
 * also reproduced deterministically in process (a booking backend that never answers, then a restart on that
 * database), where the caller ringing back must be told the appointment is booked.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld } from '../../src/sim/world'
import { crashIteration, ensureBinary, killPlan, seedBookingInFlight, startPeers, type Peers } from './crash-kit'
import { BOOKING_ENV, pool, waitUntil } from './kit'

const ITERATIONS = Number(process.env.CRASH_ITERATIONS ?? 10)
const SEED = Number(process.env.CRASH_SEED ?? 9)
const CONCURRENCY = Number(process.env.CRASH_CONCURRENCY ?? 5)

let binary: string
let peers: Peers
let dir: string
let keep = false
beforeAll(async () => {
  binary = await ensureBinary()
  peers = await startPeers()
  dir = mkdtempSync(join(tmpdir(), 'fa-crash-'))
}, 180_000)
afterAll(async () => {
  await peers.stop()
  if (!keep) rmSync(dir, { recursive: true, force: true })
})

test(`kill -9 at ${ITERATIONS} seeded points of a booking call: nothing acknowledged is lost, one SMS per drop, resume works`, async () => {
  const plan = killPlan(SEED, ITERATIONS)
  const results = await pool(plan, CONCURRENCY, (point, i) => crashIteration(binary, peers, point, i, join(dir, `it-${i}`)))
  for (const r of results) {
    console.log(
      `#${String(r.index).padStart(2)} kill at ${r.point.phase}+${r.point.delayMs}ms${r.point.recoveryKillMs !== undefined ? ` (+ during recovery at ${r.point.recoveryKillMs}ms)` : ''}: task ${r.taskState}, sms ${r.smsSent}, ${r.resumed ? 'resumed' : 'not resumed'}, ${r.booked ? 'booked' : 'no booking'}${r.lost.length ? ` — LOST: ${r.lost.join('; ')}` : ''}${r.notes.length ? ` — note: ${r.notes.join('; ')}` : ''}`,
    )
  }
  const lost = results.flatMap((r) => r.lost.map((l) => `#${r.index} (${r.point.phase}+${r.point.delayMs}ms): ${l}`))
  if (lost.length > 0) {
    keep = true
    console.log(`logs and databases kept in ${dir}`)
  }
  expect(lost).toEqual([])
  // The plan covered the interesting cases: a drop with a task open (resumed) and one after the booking.
  expect(results.some((r) => r.resumed)).toBe(true)
  expect(results.some((r) => r.taskState === 'booked')).toBe(true)
}, 600_000)

test('a crash between the commit of "yes" and the booking result: the caller ringing back is told the appointment is booked', async () => {
  // Deterministic version of the kill -9 window the loop above only sometimes hits (state `booking`, effect pending).
  const caller = '+14155560999'
  const data = mkdtempSync(join(tmpdir(), 'fa-inflight-'))
  await seedBookingInFlight(join(data, 'fastagent.db'), caller)
  const world = await startWorld({ dataDir: data, env: BOOKING_ENV, logLevel: 'silent' })
  try {
    // The restart treats the live call as dropped with its task open: one SMS.
    await world.twilio.waitForMessages(1, 10_000)
    expect(world.twilio.messages.map((m) => m.to)).toEqual([caller])
    const back = world.call({ caller, supportedMediaFormats: ['raw/lpcm16_24'] })
    expect((await back.startCall()).ok).toBe(true)
    const welcome = await back.waitForBotSaid('welcome back', 15_000)
    // Recovery re-ran the committed booking (idempotent): the appointment exists once.
    await waitUntil(async () => (await world.server.store.appointments.upcomingFor(caller, 0)).length === 1, 5000, 'the replayed booking')
    // What the caller must hear: that it is booked — in the welcome back itself when the replay finished first,
    // or as the next thing the bot says (not a request to repeat, not silence).
    const told = welcome.text.includes('your appointment is confirmed for tomorrow at 10 am')
      ? 'told'
      : await back.waitForBotSaid('booked', 8_000).then(
          () => 'told',
          () => `never told; the bot said ${JSON.stringify(back.streams.map((s) => s.text))}`,
        )
    expect(told).toBe('told')
    back.dispose()
  } finally {
    await world.stop()
    rmSync(data, { recursive: true, force: true })
  }
}, 60_000)
