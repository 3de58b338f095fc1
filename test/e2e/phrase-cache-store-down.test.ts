/**
 * A call's start never waits on the phrase cache's store read (issue 20's leftover), through the real server: when
 * the store's phrase lookup hangs or fails, a call still starts and is greeted — the model speaks the greeting, as
 * on a miss — its audio is kept in memory, and the next call's greeting plays from it. Nothing goes unhandled.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import type { RealtimeSession } from '../../src/sim/realtime/session'
import { seriesValue } from '../../src/sim/phrase-demo'
import type { PhraseRow } from '../../src/store/rows'

let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const GREETING = 'Hello, thank you for calling FastAgent Clinic. How can I help you today?'
const saidByModel = (s: RealtimeSession) =>
  s.received.filter((r) => r.event.type === 'response.create' && !r.event.error).map((r) => (r.event.raw as { response?: { instructions?: string } }).response?.instructions ?? '')

/** A world whose store answers every phrase lookup with `get` (its writes and everything else untouched). */
async function worldWithLookup(get: () => Promise<PhraseRow[]>): Promise<{ w: World; lookups: () => number }> {
  world = await startWorld()
  let n = 0
  // The cache holds this very repository: its lookups now go through `get`.
  world.server.store.phrases.get = () => {
    n++
    return get()
  }
  return { w: world, lookups: () => n }
}

async function greetedTwice(w: World, lookups: () => number): Promise<void> {
  const first = w.call({ supportedMediaFormats: ['raw/mulaw'] })
  expect((await first.startCall()).ok).toBe(true)
  await first.waitForBotSaid('how can i help', 15_000)
  await first.waitForPlaybackIdle(15_000)
  expect(lookups()).toBeGreaterThanOrEqual(1)
  // The model spoke it (a miss), and its audio was kept here even though the store could not be read.
  expect(saidByModel(w.emulator.sessions[0]!)).toContain(`Say exactly: "${GREETING}"`)
  await w.emulator.waitFor(() => seriesValue(w.server.registry, 'fastagent_phrase_cache_stored_total') >= 1, 10_000, 'the greeting kept')
  await first.hangup()

  const second = w.call({ supportedMediaFormats: ['raw/mulaw'] })
  expect((await second.startCall()).ok).toBe(true)
  await second.waitForBotSaid('how can i help', 15_000)
  await second.waitForPlaybackIdle(15_000)
  expect(saidByModel(w.emulator.sessions[1]!)).toEqual([])
  expect(seriesValue(w.server.registry, 'fastagent_phrase_cache_lookups_total{result="hit"}')).toBe(1)
  await second.hangup()
  first.assertNoViolations()
  second.assertNoViolations()
  expect(w.server.registry.counterTotal('fastagent_unhandled_errors_total')).toBe(0)
}

test('the phrase lookup hangs: calls start and are greeted; the second greeting plays from memory', async () => {
  const { w, lookups } = await worldWithLookup(() => new Promise<PhraseRow[]>(() => undefined))
  await greetedTwice(w, lookups)
  expect(seriesValue(w.server.registry, 'fastagent_phrase_cache_failures_total{op="read"}')).toBe(0)
}, 60_000)

test('the phrase lookup fails: calls start and are greeted; the failure is counted, never thrown', async () => {
  const { w, lookups } = await worldWithLookup(() => Promise.reject(new Error('database unavailable')))
  await greetedTwice(w, lookups)
  expect(seriesValue(w.server.registry, 'fastagent_phrase_cache_failures_total{op="read"}')).toBeGreaterThanOrEqual(1)
}, 60_000)
