/**
 * The phrase cache through the real server (issue 20 item 1): the first call's greeting is spoken by the model and
 * its audio kept; the next call hears those same bytes with no model round trip, and the model is told what was
 * said. A barge-in on a cached line cuts the model's item to what was heard; lines built from a caller's data are
 * never cached; a voice change misses and the stale entries go.
 */
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import type { RealtimeSession } from '../../src/sim/realtime/session'
import { phraseDemoRun, seriesValue } from '../../src/sim/phrase-demo'
import { fixedTexts } from '../../src/call/phrase-cache'
import { callLinesFor } from '../../src/i18n/packs'

let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const GREETING = 'Hello, thank you for calling FastAgent Clinic. How can I help you today?'

/** A call that records every audio chunk the bot sent it, in order. */
function tappedCall(w: World, format: 'raw/mulaw' | 'raw/lpcm16_24' = 'raw/mulaw'): { call: VaicSimulator; audio: Buffer[] } {
  const audio: Buffer[] = []
  const call = w.call({ supportedMediaFormats: [format], tap: { received: (b64) => audio.push(Buffer.from(b64, 'base64')) } })
  return { call, audio }
}

/** The bytes of the first `n` bytes the bot sent (its first stream, when `n` is that stream's size). */
const firstBytes = (audio: readonly Buffer[], n: number) => Buffer.concat(audio).subarray(0, n)

const creates = (s: RealtimeSession) => s.received.filter((r) => r.event.type === 'response.create' && !r.event.error)
const assistantTexts = (s: RealtimeSession) =>
  s.items.filter((i) => i.wire.type === 'message' && i.wire.role === 'assistant').map((i) => i.heard)

const metric = (w: World, series: string) => seriesValue(w.server.registry, series)
/** The world a helper is running, for afterEach to stop if the test fails inside it. */
const track = (w: World | undefined) => {
  world = w
}

/** Polls an asynchronous condition (a store read) every 20 ms, for up to 10 s. */
async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await probe()) return
    await Bun.sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function greeted(w: World, format?: 'raw/mulaw' | 'raw/lpcm16_24') {
  const t = tappedCall(w, format)
  await t.call.startCall()
  const stream = await t.call.waitForBotSaid('how can i help', 15_000)
  await t.call.waitForPlaybackIdle(15_000)
  return { ...t, stream }
}

test('the second call hears the first call\'s greeting bytes at once; the model is told the text, no response.create', async () => {
  world = await startWorld()
  const w = world
  const first = await greeted(w)
  await first.call.hangup()
  const firstSession = w.emulator.sessions[0]!
  expect(creates(firstSession).length).toBeGreaterThanOrEqual(1)
  await w.emulator.waitFor(() => metric(w, 'fastagent_phrase_cache_stored_total') >= 1, 10_000, 'the greeting kept')
  expect(metric(w, 'fastagent_phrase_cache_lookups_total{result="miss"}')).toBe(1)

  const second = await greeted(w)
  const session = w.emulator.sessions[1]!
  // Same words, same bytes, as the model produced them on the first call.
  expect(second.stream.text).toBe(first.stream.text)
  expect(second.stream.bytes).toBe(first.stream.bytes)
  expect(firstBytes(second.audio, second.stream.bytes).equals(firstBytes(first.audio, first.stream.bytes))).toBe(true)
  // The model never spoke it: no response.create, and its conversation holds the line as an assistant text item.
  expect(creates(session)).toHaveLength(0)
  expect(assistantTexts(session)).toEqual([GREETING])
  const item = session.items.find((i) => i.wire.type === 'message' && i.wire.role === 'assistant')
  expect(item?.wire.type === 'message' ? item.wire.content : undefined).toEqual([{ type: 'output_text', text: GREETING }])
  expect(metric(w, 'fastagent_phrase_cache_lookups_total{result="hit"}')).toBe(1)
  // The conversation goes on with the model as usual.
  await second.call.say('What are your opening hours?')
  await second.call.waitForBotSaid('monday', 15_000)
  second.call.assertNoViolations()
  first.call.assertNoViolations()
  await second.call.hangup()
}, 90_000)

const LONG_GREETING =
  'Hello and welcome to {business}. We look after the whole family, from check ups to urgent care, six days a week. How can I help you today?'

test('a barge-in on a cached line: the text item is re-created with the words heard (a word boundary) and the original deleted', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', GREETING: LONG_GREETING } })
  const w = world
  const full = LONG_GREETING.replace('{business}', 'FastAgent Clinic')
  const first = await greeted(w, 'raw/lpcm16_24')
  await first.call.hangup()
  await w.emulator.waitFor(() => metric(w, 'fastagent_phrase_cache_stored_total') >= 1, 10_000, 'the greeting kept')

  const { call } = tappedCall(w, 'raw/lpcm16_24')
  await call.startCall()
  // Cached audio arrives at once: interrupt once well over a second of it has been heard.
  await call.waitFor(() => (call.streams[0] && call.streams[0].heardMs > 1500 ? true : undefined), 15_000)
  await call.say('What are your opening hours?')
  await call.waitForBotSaid('monday', 15_000)
  const cut = call.streams[0]!
  expect(cut.interrupted).toBe(true)
  expect(cut.interruptedBy).toBe('barge-in')

  const session = w.emulator.sessions[1]!
  const raw: Record<string, unknown>[] = session.received.map((r) => ({ ...(r.event.raw as Record<string, unknown>), error: r.event.error }))
  // The greeting was never a model response; the cut needed no truncate (a text item cannot be audio-truncated).
  expect(raw.filter((e) => e.type === 'response.create' && (e.response as { metadata?: { reason?: string } } | undefined)?.metadata?.reason === 'greeting')).toHaveLength(0)
  expect(raw.filter((e) => e.type === 'conversation.item.truncate')).toHaveLength(0)
  expect(raw.filter((e) => e.error !== undefined)).toEqual([])
  const created = raw.filter((e) => e.type === 'conversation.item.create' && (e.item as { role?: string }).role === 'assistant')
  expect(created).toHaveLength(2)
  const original = (created[0]!.item as { id: string }).id
  const recreated = created[1]!
  expect(recreated.previous_item_id).toBe(original)
  expect(raw.some((e) => e.type === 'conversation.item.delete' && e.item_id === original)).toBe(true)
  // The model now holds only what the caller heard: a prefix of the line, cut at a word boundary, about as long as
  // the share of the audio heard.
  const heard = ((recreated.item as { content: { text: string }[] }).content[0]!.text)
  expect(full.startsWith(heard)).toBe(true)
  expect(heard.length).toBeLessThan(full.length)
  expect(full.charAt(heard.length)).toMatch(/[\s,.]/)
  const share = cut.heardMs / cut.durationMs
  expect(Math.abs(heard.length / full.length - share)).toBeLessThan(0.15)
  const assistants = assistantTexts(session)
  expect(assistants[0]).toBe(heard)
  expect(session.items.some((i) => i.id === original)).toBe(false)
  call.assertNoViolations()
  await call.hangup()
}, 90_000)

test('the demo with the cache: the same transcript cold and warm; lines with personal data never cached', async () => {
  const cold = await phraseDemoRun([], track)
  const warm = await phraseDemoRun(cold.stored, track)
  // Every step of both scenarios, and every bot line as the caller heard it, the same from the cache as from the model.
  expect(warm.steps).toEqual(cold.steps)
  expect(warm.said).toEqual(cold.said)
  expect(cold.hits).toBe(0)
  expect(warm.hits).toBeGreaterThanOrEqual(3)
  console.log(`demo scenarios, warm cache: ${warm.hits} of ${warm.hits + warm.misses} fixed lines from the phrase cache (${Math.round((100 * warm.hits) / (warm.hits + warm.misses))} %)`)
  // Only fixed pack lines were kept: none built from the caller's booking or saved state.
  const fixed = fixedTexts(callLinesFor('en', 'FastAgent Clinic', undefined))
  expect(cold.stored.length).toBeGreaterThan(0)
  for (const row of [...cold.stored, ...warm.stored]) expect(fixed).toContain(row.text)
  expect(warm.stored.some((r) => /appointment|10 AM|welcome back/i.test(r.text))).toBe(false)
  // The personal lines were spoken by the model every time, warm as cold; the fixed ones were not.
  const personal = (xs: readonly string[]) => xs.filter((i) => /Say exactly: "(Welcome back|I'm glad I could help)/.test(i))
  expect(personal(cold.creates).length).toBeGreaterThanOrEqual(2)
  expect(personal(warm.creates)).toEqual(personal(cold.creates))
  expect(warm.creates.filter((i) => i.startsWith('Say exactly: "Hello, thank you'))).toEqual([])
  expect(warm.creates.length).toBe(cold.creates.length - warm.hits)
}, 300_000)

test('a voice change (business file reload) invalidates: stale entries deleted, the model speaks the line again in the new voice; so does new wording', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-phrases-'))
  const file = join(dir, 'clinic.yaml')
  const biz = (voice: string, greeting: string) => `business: { name: Harbour Dental, timezone: UTC, voice: ${voice} }
hours: { mon-sun: "08:00-20:00" }
wording:
  en: { greeting: "${greeting}" }
`
  writeFileSync(file, biz('marin', 'Hello, Harbour Dental. How can I help?'))
  world = await startWorld({ env: { FASTAGENT_CONFIG: file } })
  const w = world
  const store = w.server.store
  const hello = async (expectText: string) => {
    const call = w.call({ supportedMediaFormats: ['raw/mulaw'] })
    await call.startCall()
    await call.waitForBotSaid(expectText, 15_000)
    await call.waitForPlaybackIdle(15_000)
    await call.hangup()
    call.assertNoViolations()
    return w.emulator.sessions.at(-1)!
  }
  const greetingCreates = (s: RealtimeSession) => creates(s).filter((r) => ((r.event.raw as { response?: { instructions?: string } }).response?.instructions ?? '').includes('Say exactly'))
  const voiceOf = (s: RealtimeSession) => s.config.audio.output.voice

  expect(greetingCreates(await hello('hello, harbour dental'))).toHaveLength(1)
  await until(async () => (await store.phrases.list()).length === 1, 'the greeting kept')
  expect(greetingCreates(await hello('hello, harbour dental'))).toHaveLength(0)

  // The voice changes: the marin entry is deleted, the next call's greeting comes from the model, in cedar.
  writeFileSync(file, biz('cedar', 'Hello, Harbour Dental. How can I help?'))
  expect(w.server.reloadBusinesses()).toBe(true)
  await until(async () => (await store.phrases.list()).length === 0, 'the stale entry deleted')
  const third = await hello('hello, harbour dental')
  expect(voiceOf(third)).toBe('cedar')
  expect(greetingCreates(third)).toHaveLength(1)
  await until(async () => (await store.phrases.list()).map((r) => r.voice).join() === 'cedar', 'the cedar entry kept')

  // New wording: the old line's entry goes; the new greeting is the model's first, then cached.
  writeFileSync(file, biz('cedar', 'Good day, Harbour Dental here. How can I help?'))
  expect(w.server.reloadBusinesses()).toBe(true)
  await until(async () => (await store.phrases.list()).length === 0, 'the old wording deleted')
  expect(greetingCreates(await hello('good day, harbour dental here'))).toHaveLength(1)
  await until(async () => (await store.phrases.list()).length === 1, 'the new greeting kept')
  expect(greetingCreates(await hello('good day, harbour dental here'))).toHaveLength(0)
  expect((await store.phrases.list()).map((r) => r.text)).toEqual(['Good day, Harbour Dental here. How can I help?'])
}, 120_000)
