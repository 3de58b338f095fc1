/**
 * Many callers, one slot. At the runtime level: 50 task runtimes (one per call) share one store and one store-backed
 * domain; each books "tomorrow at 10 AM" up to the confirmation, then all 50 confirm at once (the book effects made
 * slow by seeded delays so they are all in flight together). Exactly one booking exists; the other 49 are told the
 * slot is taken and offered alternatives that are really free, and their tasks wait for a new time. End to end: five
 * VoiceAI Connect calls through the real server confirm the same slot together; one hears "booked", four hear
 * "taken" with alternatives, and SQLite holds one appointment.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TaskRuntime } from '../../src/agents/runtime'
import { storeDomain } from '../../src/agents/domain-executor'
import { defaultRegistry } from '../../src/agents/tasks/registry'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'
import { parseBusinessHours } from '../../src/config/business-hours'
import { createLogger } from '../../src/ops/log'
import { Store } from '../../src/store/store'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import { BOOKING_ENV, prng } from './kit'

const NOW = Date.UTC(2026, 0, 12, 9, 0) // Monday 09:00 UTC; "tomorrow at 10 AM" is Tuesday 10:00 UTC
const SLOT = Date.UTC(2026, 0, 13, 10, 0)
const HOURS = (() => {
  const r = parseBusinessHours('Mon-Sun 08:00-20:00')
  if (!r.ok) throw new Error(r.error)
  return r.hours
})()

type Out = { task_id: string; status: string; say?: string; ask?: string; need?: string[] }

describe('booking race at the runtime level', () => {
  let dir: string
  let store: Store
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fa-race-'))
    store = await Store.open(join(dir, 'race.db'))
  })
  afterAll(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('50 callers confirm the same slot at once: exactly one booking, 49 offered free alternatives', async () => {
    const r = prng(50)
    // The booking backend answers after 1–15 ms: every confirmation is in flight before any is decided.
    const domain = storeDomain(store, { delayMs: (e) => (e.kind === 'book' ? r.int(1, 15) : 0) })
    const registry = defaultRegistry()
    const log = createLogger({ level: 'silent' })
    const runtimes = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const callId = `race-call-${i}`
      const caller = `+1415555${String(2000 + i)}`
      await store.calls.create({ id: callId, conversationId: `race-conv-${i}`, direction: 'inbound', caller, botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: NOW })
      return new TaskRuntime({ callId, caller, registry, store, domain, log, now: () => NOW, tz: 'UTC', hours: HOURS, slotMinutes: 30, onUpdate: () => undefined, onChange: () => undefined, settleMs: 10_000 })
    }))

    const asked = await Promise.all(runtimes.map(async (rt) => JSON.parse(await rt.call('book_appointment', '{"date":"tomorrow","time":"10 AM"}')) as Out))
    for (const a of asked) expect(a).toMatchObject({ status: 'waiting_for_input', ask: 'Book for tomorrow at 10 AM?', need: ['confirm'] })

    const answers = await Promise.all(runtimes.map(async (rt, i) => JSON.parse(await rt.call('task_input', JSON.stringify({ task_id: asked[i]?.task_id, confirm: true }))) as Out))
    const booked = answers.filter((a) => a.status === 'done')
    const refused = answers.filter((a) => a.status !== 'done')
    expect(booked).toHaveLength(1)
    expect(booked[0]?.say).toBe('Appointment booked for tomorrow at 10 AM.')
    expect(refused).toHaveLength(49)
    for (const a of refused) {
      expect(a.status).toBe('waiting_for_input')
      expect(a.need).toEqual(['time'])
      expect(a.ask).toMatch(/^Sorry, tomorrow at 10 AM is taken\. I can offer .+\. Which would suit you\?$/)
    }

    // One appointment holds the slot; every alternative offered is a free slot other than it.
    const rows = (await store.sql.all(`SELECT * FROM appointments WHERE status = 'booked'`)) as { starts_at: number; caller: string; task_id: string }[]
    expect(rows).toHaveLength(1)
    expect(rows[0]?.starts_at).toBe(SLOT)
    const tasks = (await store.sql.all(`SELECT id, state, status, context FROM tasks`)) as { id: string; state: string; status: string; context: string }[]
    expect(tasks.filter((t) => t.state === 'booked')).toHaveLength(1)
    expect(tasks.find((t) => t.state === 'booked')?.id).toBe(rows[0]?.task_id ?? '')
    const waiting = tasks.filter((t) => t.state === 'collectingTime')
    expect(waiting).toHaveLength(49)
    for (const t of waiting) {
      const alternatives = (JSON.parse(t.context) as { slot: { alternatives: number[] } }).slot.alternatives
      expect(alternatives.length).toBeGreaterThan(0)
      for (const a of alternatives) {
        expect(a).not.toBe(SLOT)
        expect((await store.appointments.isTaken(a))).toBe(false)
      }
    }
    // Every book effect ran once and is finished: 50 attempts, 50 done outbox rows, no pending work.
    const outbox = (await store.sql.all(`SELECT status, count(*) AS n FROM outbox WHERE kind = 'book' GROUP BY status`))
    expect(outbox).toEqual([{ status: 'done', n: 50 }])
    for (const rt of runtimes) rt.stop()
  }, 30_000)
})

describe('booking race end to end', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ env: BOOKING_ENV, logLevel: 'warn' })
  })
  afterAll(async () => {
    await world.stop()
  })

  test('five concurrent calls confirm the same slot: one hears "booked", four hear "taken" with alternatives', async () => {
    const calls: VaicSimulator[] = Array.from({ length: 5 }, (_, i) => world.call({ caller: `+1415555${3000 + i}`, supportedMediaFormats: i % 2 === 0 ? ['raw/lpcm16_24'] : ['raw/mulaw'] }))
    let ready = 0
    const outcomes = await Promise.all(
      calls.map(async (call) => {
        expect((await call.startCall()).ok).toBe(true)
        await call.waitForBotSaid('how can i help', 20_000)
        await call.waitForPlaybackIdle(20_000)
        await call.say('Book an appointment for tomorrow at 10 AM.')
        await call.waitForBotSaid('book for tomorrow at 10 am?', 20_000)
        await call.waitForPlaybackIdle(20_000)
        // Everyone is at the confirmation before anyone says yes.
        ready++
        while (ready < calls.length) await Bun.sleep(10)
        const from = call.streams.length
        await call.say('Yes.')
        const heard = await Promise.race([
          call.waitForBotSaid('booked', 20_000, { fromStream: from }).then(() => 'booked' as const),
          call.waitForBotSaid('is taken', 20_000, { fromStream: from }).then((s) => (/i can offer/i.test(s.text) ? ('taken, alternatives offered' as const) : ('taken, no alternatives' as const))),
        ])
        await call.hangup()
        call.assertNoViolations()
        return heard
      }),
    )
    expect(outcomes.filter((o) => o === 'booked')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'taken, alternatives offered')).toHaveLength(4)
    const tomorrow10 = dateMinutesToEpoch(addDays(localDate(Date.now(), 'UTC'), 1), 600, 'UTC')
    const rows = (await world.server.store.sql.all(`SELECT starts_at FROM appointments WHERE status = 'booked'`)) as { starts_at: number }[]
    expect(rows.map((x) => x.starts_at)).toEqual([tomorrow10])
    for (const c of calls) c.dispose()
  }, 60_000)
})
