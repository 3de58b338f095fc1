/**
 * The young-collection pacer (ops/young-gc) through the real server: the audio a call relays, both ways, drives
 * paced young collections (counted on /metrics), and GC_YOUNG_BUDGET_KIB=0 leaves the pacing to JSC with the call
 * unchanged.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { greetedCall, turn } from '../kit/call-steps'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

async function metricsText(w: World): Promise<string> {
  return await (await fetch(`http://127.0.0.1:${w.server.port}/metrics`)).text()
}

async function oneCall(w: World): Promise<void> {
  const call = await greetedCall(w.call({ supportedMediaFormats: ['raw/lpcm16_24'] }))
  await turn(call, 'What are your opening hours?', 'monday to sunday')
  call.assertNoViolations()
  await call.hangup()
}

test('relayed audio paces young collections through the real server, counted on /metrics', async () => {
  world = await startWorld({ env: { ...HOURS, GC_YOUNG_BUDGET_KIB: '8' } })
  const r = world.server.registry
  await oneCall(world)
  const framesIn = r.counterTotal('fastagent_vaic_audio_frames_in_total')
  const framesOut = r.counterTotal('fastagent_vaic_audio_frames_out_total')
  expect(framesIn).toBeGreaterThan(50)
  expect(framesOut).toBeGreaterThan(10)
  const collections = r.counterTotal('fastagent_gc_young_collections_total')
  // 20 ms of 24 kHz PCM16 is 1,280 base64 characters: the caller's frames alone pass the 8 KiB budget every 6.4
  // frames. How many of those crossings collected depends on how long each collection took (the share bound, unit
  // tested with a clock): at least the first did, never more than one per crossing.
  expect(collections).toBeGreaterThanOrEqual(1)
  expect(collections).toBeLessThanOrEqual(Math.ceil(((framesIn + framesOut) * 1280) / 8192) + framesOut)
  // A collection the share bound put off may still run after the call: /metrics shows the counter as it was when
  // it answered, between the reads before and after it.
  const shown = Number(/^fastagent_gc_young_collections_total (\d+)$/m.exec(await metricsText(world))?.[1])
  expect(shown).toBeGreaterThanOrEqual(collections)
  expect(shown).toBeLessThanOrEqual(r.counterTotal('fastagent_gc_young_collections_total'))
}, 60_000)

test('GC_YOUNG_BUDGET_KIB=0: no paced collections, the call is the same', async () => {
  world = await startWorld({ env: { ...HOURS, GC_YOUNG_BUDGET_KIB: '0' } })
  await oneCall(world)
  expect(world.server.registry.counterTotal('fastagent_vaic_audio_frames_in_total')).toBeGreaterThan(50)
  expect(await metricsText(world)).not.toContain('fastagent_gc_young_collections_total')
}, 60_000)
