/**
 * The Realtime API cannot be reached (the emulator answers every upgrade with HTTP 503) or fails fatally mid-call: the
 * caller hears the recorded apology (no model needed) as one play stream with altText in the negotiated format, then
 * is hung up on or transferred; an open task gets its SMS; the logs name the URL, the status and the attempt (never
 * the key); /readyz reports the upstream as degraded; a metric counts it.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, WORLD_SECRETS, type World } from '../../src/sim/world'
import { APOLOGY_TEXT } from '../../src/call/fallback-audio'
import { untilAskedForTime } from '../kit/call-steps'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const hungUpWith = (log: readonly { dir: string; type: string; message?: unknown }[], what: string) =>
  log.some((e) => e.dir === 'in' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes(what))

for (const format of ['raw/lpcm16_24', 'raw/mulaw'] as const) {
  test(`unreachable upstream (${format}): the recorded apology, then a hang-up; logged, counted, /readyz degraded`, async () => {
    const lines: string[] = []
    world = await startWorld({ env: HOURS, logSink: (l) => lines.push(l), logLevel: 'debug' })
    const w = world
    w.emulator.refuseUpgrades(503)
    const call = w.call({ supportedMediaFormats: [format] })
    expect((await call.startCall()).ok).toBe(true)
    const ended = await call.waitForEnd(20_000)
    expect(ended.by).toBe('bot-hangup')
    expect(hungUpWith(call.log, 'assistant-unavailable')).toBe(true)
    // The first thing the caller heard is the apology, in the call's format, with its words for VAIC's logs.
    const first = call.streams[0]
    expect(first?.altText).toBe(APOLOGY_TEXT)
    expect(first?.format).toBe(format)
    expect(first?.durationMs).toBeGreaterThan(1500)
    // The model was never reached: every attempt refused, and few of them (the caller is not kept waiting).
    expect(w.emulator.connections.length).toBeGreaterThan(0)
    expect(w.emulator.connections.length).toBeLessThanOrEqual(3)
    expect(w.emulator.connections.every((c) => c.outcome === 'refused')).toBe(true)
    await Bun.sleep(100)
    expect((await w.server.store.calls.byConversation(call.conversationId))?.end_reason).toBe('failed')
    // Logs: the URL, the HTTP status and the attempt number; never the key.
    const failed = lines.filter((l) => l.includes('realtime.connect_failed"') || l.includes('"realtime.connect_failed'))
    expect(failed.length).toBeGreaterThan(0)
    expect(failed[0]).toContain(w.emulator.url.replace('/v1/realtime', ''))
    expect(failed[0]).toContain('503')
    expect(failed[0]).toContain('"attempt":1')
    expect(lines.some((l) => l.includes('realtime.connect_failed_detail'))).toBe(true)
    expect(lines.some((l) => l.includes(WORLD_SECRETS.openaiKey))).toBe(false)
    // Counted, and /readyz says which dependency is degraded (200: calls are still answered).
    const metrics = await (await fetch(`${w.server.url}/metrics`)).text()
    expect(metrics).toContain('fastagent_upstream_unavailable_total{code="upstream_unreachable"} 1')
    const ready = await fetch(`${w.server.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'degraded', dependencies: { realtime: { status: 'degraded', error: 'upstream_unreachable' } } })
    call.assertNoViolations()
  }, 40_000)
}

test('unreachable upstream with TRANSFER_TARGET: the apology, then the transfer', async () => {
  world = await startWorld({ env: { ...HOURS, TRANSFER_TARGET: 'tel:+18005550100' } })
  world.emulator.refuseUpgrades(503)
  const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await call.startCall()
  expect((await call.waitForEnd(20_000)).by).toBe('transfer')
  expect(call.streams[0]?.altText).toBe(APOLOGY_TEXT)
  expect(hungUpWith(call.log, 'tel:+18005550100')).toBe(true)
}, 40_000)

test('a fatal error mid-call with a task open: the apology, a hang-up, and the task gets its SMS', async () => {
  world = await startWorld({ env: HOURS })
  const w = world
  const call = w.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await untilAskedForTime(call)
  const before = call.streams.length
  w.emulator.injectError('insufficient_quota', 'You exceeded your current quota.')
  expect((await call.waitForEnd(20_000)).by).toBe('bot-hangup')
  expect(call.streams[before]?.altText).toBe(APOLOGY_TEXT)
  await w.emulator.waitFor(() => (w.twilio.messages.length > 0 ? true : undefined), 10_000)
  expect(w.twilio.messages).toHaveLength(1)
  expect((await w.server.store.calls.byConversation(call.conversationId))?.end_reason).toBe('failed')
}, 60_000)

// FALLBACK_APOLOGY_MODE=text: where VoiceAI Connect has TTS of its own, the apology is a `message` activity it speaks.
const TEXT_MODE = { ...HOURS, FALLBACK_APOLOGY_MODE: 'text' }

test('text apology (VAIC TTS), unreachable upstream: the words as a message activity, no clip, then a hang-up', async () => {
  world = await startWorld({ env: TEXT_MODE })
  world.emulator.refuseUpgrades(503)
  const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'], tts: true })
  expect((await call.startCall()).ok).toBe(true)
  expect((await call.waitForEnd(20_000)).by).toBe('bot-hangup')
  expect(call.texts.map((t) => ({ text: t.text, spoken: t.spoken }))).toEqual([{ text: APOLOGY_TEXT, spoken: true }])
  expect(call.streams).toHaveLength(0)
  expect(hungUpWith(call.log, 'assistant-unavailable')).toBe(true)
  // The message came before the hang-up.
  const order = call.log.filter((e) => e.dir === 'in' && e.type === 'activities').map((e) => JSON.stringify(e.message))
  expect(order.findIndex((m) => m.includes('"message"'))).toBeLessThan(order.findIndex((m) => m.includes('assistant-unavailable')))
  call.assertNoViolations()
}, 40_000)

test('text apology with TRANSFER_TARGET: the words, then the transfer', async () => {
  world = await startWorld({ env: { ...TEXT_MODE, TRANSFER_TARGET: 'tel:+18005550100' } })
  world.emulator.refuseUpgrades(503)
  const call = world.call({ supportedMediaFormats: ['raw/mulaw'], tts: true })
  await call.startCall()
  expect((await call.waitForEnd(20_000)).by).toBe('transfer')
  expect(call.texts[0]?.text).toBe(APOLOGY_TEXT)
  expect(hungUpWith(call.log, 'tel:+18005550100')).toBe(true)
  call.assertNoViolations()
}, 40_000)

test('text apology, a fatal error mid-call with a task open: the words, a hang-up, and the task gets its SMS', async () => {
  world = await startWorld({ env: TEXT_MODE })
  const w = world
  const call = w.call({ supportedMediaFormats: ['raw/lpcm16_24'], tts: true })
  await untilAskedForTime(call)
  const before = call.streams.length
  w.emulator.injectError('insufficient_quota', 'You exceeded your current quota.')
  expect((await call.waitForEnd(20_000)).by).toBe('bot-hangup')
  expect(call.texts.map((t) => t.text)).toEqual([APOLOGY_TEXT])
  expect(call.streams).toHaveLength(before)
  await w.emulator.waitFor(() => (w.twilio.messages.length > 0 ? true : undefined), 10_000)
  expect(w.twilio.messages).toHaveLength(1)
  expect((await w.server.store.calls.byConversation(call.conversationId))?.end_reason).toBe('failed')
}, 60_000)
