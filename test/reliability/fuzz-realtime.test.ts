/**
 * Hostile Realtime server events. `parseServerEvent` (what the model leg runs on every upstream frame) gets random
 * text, random JSON, binary frames, deep nesting and mutations of every event type it acts on (fast-check, fixed
 * seed): it never throws, classifies exactly like an independent reference (TypeBox's interpreted `Value.Check`
 * against the same schemas), and its reasons never quote the payload. End to end, a booking call runs through a
 * relay that mixes seeded junk into the upstream stream, plus a non-fatal `error` from the emulator's own fault
 * hook, and still books, says goodbye and hangs up — with no reconnect and nothing of the junk reaching the caller.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { parseServerEvent } from '../../src/realtime/protocol'
import { startWorld, type World } from '../../src/sim/world'
import { BOOKING_ENV, waitUntil, watchProcessErrors } from './kit'
import { startGarbageProxy, type GarbageProxy } from './garbage-proxy'
import { CANARY } from './vaic-fuzz'
import { checkServerEventFrame, serverEventFrames, VALID } from './realtime-fuzz'

describe('parseServerEvent under random and mutated events', () => {
  test('every well-formed example is an event', () => {
    for (const e of VALID) expect(parseServerEvent(JSON.stringify(e))).toMatchObject({ kind: 'event' })
  })

  test('never throws; agrees with the reference check; reasons never quote the payload', () => {
    fc.assert(
      fc.property(serverEventFrames, checkServerEventFrame),
      { seed: 4242, numRuns: 3000 },
    )
  }, 60_000) // CPU-bound: 3000 runs take ~2 s alone but far longer on a loaded machine; the runner's default is 5 s
})

describe('junk on the upstream socket during a live call', () => {
  let world: World
  let proxy: GarbageProxy
  let watch: ReturnType<typeof watchProcessErrors>
  beforeAll(async () => {
    watch = watchProcessErrors()
    proxy = startGarbageProxy({ seed: 77, rate: 0.25 })
    world = await startWorld({ env: { ...BOOKING_ENV, OPENAI_REALTIME_URL: proxy.url }, logLevel: 'warn' })
    proxy.target = world.emulator.url
  })
  afterAll(async () => {
    await world.stop()
    proxy.stop()
    watch.dispose()
  })

  test('the call books, closes and hangs up as usual; no reconnect; no junk reaches the caller', async () => {
    const caller = '+14155550301'
    const call = world.call({ caller, supportedMediaFormats: ['raw/lpcm16_24'] })
    expect((await call.startCall()).ok).toBe(true)
    await call.waitForBotSaid('how can i help', 15_000)
    await call.waitForPlaybackIdle(15_000)
    // A well-formed but unknown error from the "model" mid-call: logged, carried on.
    world.emulator.injectError('fz_injected_nonfatal', `${CANARY} injected by the emulator`)
    await call.say('Book an appointment for tomorrow at 10 AM.')
    await call.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
    await call.waitForPlaybackIdle(15_000)
    await call.say('Yes.')
    await call.waitForBotSaid('booked', 15_000)
    await call.waitForBotSaid('anything else', 15_000)
    await call.waitForPlaybackIdle(15_000)
    world.emulator.injectError('server_error', 'The server had an error while processing your request.')
    await call.say("No, that's all.")
    await call.waitForBotSaid('your appointment is confirmed for tomorrow at 10 am', 15_000)
    const ended = await call.waitForEnd(15_000)
    expect(ended.by).toBe('bot-hangup')
    call.assertNoViolations()

    expect((await world.server.store.appointments.upcomingFor(caller, 0))).toHaveLength(1)
    const row = await waitUntil(async () => (await world.server.store.calls.byConversation(call.conversationId))?.end_reason, 5000, 'the call row to end')
    expect(row).toBe('completed')
    const metrics = await (await fetch(`${world.server.url}/metrics`)).text()
    const value = (name: string) => metrics.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
    expect(proxy.injected).toBeGreaterThan(20)
    expect(value('fastagent_realtime_invalid_events_total')).toBeGreaterThan(10)
    expect(value('fastagent_realtime_reconnects_total')).toBe(0)
    expect(JSON.stringify(call.log)).not.toContain(CANARY)
    expect(watch.errors).toEqual([])
    call.dispose()
  }, 60_000)
})
