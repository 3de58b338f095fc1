/**
 * Task questions from the phrase cache, through the real server (issue 20): a task step whose answer to the model is
 * a fixed question ('What time would you like?', a declared form's `ask`, in the call's language) is, on the first
 * call, said by the model as that exact line after the function output, and its audio kept; on the next call the
 * function output goes to the model as before, the question plays at once from the cache with no response.create
 * for it, and the model's conversation holds its text right after the output. A barge-in on it cuts its text item
 * to what was heard. A question built from the caller's request (the read-back) is spoken by the model every time and
 * never kept.
 */
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld, type World } from '../../src/sim/world'
import type { StreamRecord, VaicSimulator } from '../../src/sim/vaic/simulator'
import type { RealtimeSession } from '../../src/sim/realtime/session'
import { seriesValue } from '../../src/sim/phrase-demo'
import { businessFixedTexts } from '../../src/call/fixed-texts'
import { clinic } from '../kit/clinic'

let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const metric = (w: World, series: string) => seriesValue(w.server.registry, series)

type Create = { readonly instructions: string; readonly reason: string }
/** Every response.create the model got, with its instructions and the purposes it carried. */
const creates = (s: RealtimeSession): Create[] =>
  s.received.flatMap((r) => {
    const e = r.event.raw as { type?: string; response?: { instructions?: string; metadata?: { reason?: string } } }
    return e.type === 'response.create' && !r.event.error ? [{ instructions: e.response?.instructions ?? '', reason: e.response?.metadata?.reason ?? '' }] : []
  })

/** The conversation as the model holds it: each item's type, and a message's role and text. */
const conversation = (s: RealtimeSession) =>
  s.items.map((i) => (i.wire.type === 'message' ? { type: 'message', role: i.wire.role, text: i.heard ?? '' } : { type: i.wire.type }))

type Asked = { readonly call: VaicSimulator; readonly stream: StreamRecord; readonly bytes: Buffer; readonly session: RealtimeSession }

/**
 * A call that is greeted, says `words` and is asked `question`: that stream and its bytes exactly as the bot sent
 * them (streams play one after another, so the stream's bytes follow those of the streams before it).
 */
let callers = 0

async function asked(w: World, o: { greeting: string; words: string; question: string }): Promise<Asked> {
  const audio: Buffer[] = []
  // A new caller each time: the same number would be welcomed back to the task the call before left open.
  const caller = `+1415555${String(2000 + ++callers)}`
  const call = w.call({ supportedMediaFormats: ['raw/mulaw'], caller, tap: { received: (b64) => audio.push(Buffer.from(b64, 'base64')) } })
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid(o.greeting, 15_000)
  await call.waitForPlaybackIdle(15_000)
  const from = call.streams.length
  await call.say(o.words)
  const stream = await call.waitForBotSaid(o.question, 15_000, { fromStream: from })
  await call.waitForPlaybackIdle(15_000)
  const streams = call.streams
  const at = streams.findIndex((s) => s.id === stream.id)
  const offset = streams.slice(0, at).reduce((n, s) => n + s.bytes, 0)
  const bytes = Buffer.concat(audio).subarray(offset, offset + stream.bytes)
  return { call, stream, bytes, session: w.emulator.sessions.at(-1)! }
}

/** The texts in the store once every line kept so far is written (writes go in the background). */
async function stored(w: World): Promise<string[]> {
  for (let i = 0; i < 500; i++) {
    const rows = await w.server.store.phrases.list()
    if (rows.length >= metric(w, 'fastagent_phrase_cache_stored_total')) return rows.map((r) => r.text)
    await Bun.sleep(20)
  }
  throw new Error('the kept lines never reached the store')
}

/** The first call fills the cache with the question; the second hears the same bytes with no model round trip. */
async function questionTwice(w: World, o: { greeting: string; words: string; question: string; text: string }): Promise<{ first: Asked; second: Asked }> {
  const first = await asked(w, o)
  // The model said the question as a fixed line after the function output: one scripted response for it.
  const said = creates(first.session).filter((c) => c.instructions === `Say exactly: "${o.text}"`)
  expect(said.map((c) => c.reason)).toEqual(['tool-result'])
  expect(creates(first.session).filter((c) => c.reason === 'tool-result')).toHaveLength(1)
  await w.emulator.waitFor(() => metric(w, 'fastagent_phrase_cache_stored_total') >= 2, 10_000, 'the greeting and the question kept')
  expect(await stored(w)).toContain(o.text)
  await first.call.hangup()
  first.call.assertNoViolations()

  const hitsBefore = metric(w, 'fastagent_phrase_cache_lookups_total{result="hit"}')
  const second = await asked(w, o)
  expect(second.stream.text).toBe(first.stream.text)
  expect(second.stream.bytes).toBe(first.stream.bytes)
  expect(second.bytes.equals(first.bytes)).toBe(true)
  // No response.create at all in the second call so far: the greeting and the question both came from the cache
  // (the tool call itself was the response the caller's turn started).
  expect(creates(second.session)).toEqual([])
  // The greeting's and the question's lookups both hit.
  expect(metric(w, 'fastagent_phrase_cache_lookups_total{result="hit"}') - hitsBefore).toBe(2)
  // The model holds the function output (status, need, task id) and, right after it, the question as said.
  const conv = conversation(second.session)
  const output = conv.findIndex((i) => i.type === 'function_call_output')
  expect(output).toBeGreaterThan(0)
  expect(conv[output - 1]?.type).toBe('function_call')
  expect(conv[output + 1]).toEqual({ type: 'message', role: 'assistant', text: o.text })
  const fnOut = second.session.items.find((i) => i.wire.type === 'function_call_output')
  const out = JSON.parse(fnOut?.wire.type === 'function_call_output' ? fnOut.wire.output : '{}') as { status?: string; ask?: string; task_id?: string }
  expect(out).toMatchObject({ status: 'waiting_for_input', ask: o.text })
  return { first, second }
}

/** A booking world whose second call was just asked "What time would you like?" from the cache. */
async function bookingQuestionTwice() {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' } })
  const q = 'What time would you like?'
  const { second } = await questionTwice(world, { greeting: 'how can i help', words: 'Book an appointment for tomorrow.', question: 'what time would you like', text: q })
  return { w: world, q, second }
}

test('a booking question: the second call hears the model\'s first bytes at once, no response.create; the model goes on from the output; the read-back is never cached', async () => {
  const { w, q, second } = await bookingQuestionTwice()

  // The model knew what was asked and of which task: the caller's answer goes to that task, and the read-back (built
  // from the request) is the model's answer to the output, a free response.
  const from = second.call.streams.length
  await second.call.say('10 AM.')
  const readBack = await second.call.waitForBotSaid('book for tomorrow at 10 am', 15_000, { fromStream: from })
  await second.call.waitForPlaybackIdle(15_000)
  expect(readBack.text.toLowerCase()).toContain('book for tomorrow at 10 am')
  const after = creates(second.session)
  expect(after.map((c) => c.reason)).toEqual(['tool-result'])
  expect(after[0]!.instructions).toBe('')
  const fn = second.session.items.filter((i) => i.wire.type === 'function_call').map((i) => (i.wire.type === 'function_call' ? i.wire.arguments : ''))
  const taskId = (JSON.parse(second.session.items.flatMap((i) => (i.wire.type === 'function_call_output' ? [i.wire.output] : []))[0] ?? '{}') as { task_id?: string }).task_id
  expect(fn.at(-1)).toContain(`"task_id":"${taskId}"`)
  await second.call.hangup()
  second.call.assertNoViolations()

  // Only fixed texts were kept: the greeting and the question, never the read-back.
  const texts = await stored(w)
  expect(texts.sort()).toEqual([q, 'Hello, thank you for calling FastAgent Clinic. How can I help you today?'].sort())
  const business = w.server.businesses.version.businesses[0]!
  for (const t of texts) expect(businessFixedTexts(business).has(t)).toBe(true)
}, 120_000)

test('a declared form\'s ask line is cached like a pack question; the form goes on from the output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-questions-'))
  const file = join(dir, 'clinic.yaml')
  writeFileSync(file, clinic('http://127.0.0.1:9'))
  world = await startWorld({ env: { FASTAGENT_CONFIG: file }, server: { secrets: { REFILL_SECRET: 'refill-secret-0123456789' } } })
  const w = world
  const q = 'What is your full name?'
  const { second } = await questionTwice(w, { greeting: 'how can i help', words: 'I need a prescription refill.', question: 'what is your full name', text: q })
  // The next question is fixed as well: from the cache too, since the first call did not get that far, said by the
  // model now (a miss), and the caller's name stays out of every kept line.
  const from = second.call.streams.length
  await second.call.say('Ann Smith.')
  await second.call.waitForBotSaid('date of birth', 15_000, { fromStream: from })
  await second.call.waitForPlaybackIdle(15_000)
  expect(creates(second.session).map((c) => c.instructions)).toEqual(['Say exactly: "What is your date of birth?"'])
  await second.call.hangup()
  second.call.assertNoViolations()
  await w.emulator.waitFor(() => metric(w, 'fastagent_phrase_cache_stored_total') >= 3, 10_000, 'the next question kept')
  const texts = await stored(w)
  expect(texts).toContain('What is your date of birth?')
  expect(texts.some((t) => /ann|smith/i.test(t))).toBe(false)
}, 120_000)

test('a German call: "Um wie viel Uhr möchten Sie kommen?" from the cache on the second call', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', BUSINESS_LANGUAGE: 'de' } })
  const w = world
  const { second } = await questionTwice(w, { greeting: 'wie kann ich ihnen helfen', words: 'Ich möchte einen Termin für morgen buchen.', question: 'um wie viel uhr', text: 'Um wie viel Uhr möchten Sie kommen?' })
  await second.call.hangup()
  second.call.assertNoViolations()
}, 120_000)

test('without the cache (PHRASE_CACHE_MB=0) the model answers the output as before: a free response, nothing kept', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', PHRASE_CACHE_MB: '0' } })
  const w = world
  const a = await asked(w, { greeting: 'how can i help', words: 'Book an appointment for tomorrow.', question: 'what time would you like' })
  expect(creates(a.session).filter((c) => c.reason === 'tool-result').map((c) => c.instructions)).toEqual([''])
  await a.call.hangup()
  a.call.assertNoViolations()
  expect(await stored(w)).toEqual([])
}, 60_000)

const LONG_ASK = 'Before we start, could you please tell me the full name of the patient, exactly as it appears on the insurance card?'

test('a barge-in on a cached question: its text item is re-created with the words heard and the original deleted; the caller\'s answer goes to the task', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-questions-'))
  const file = join(dir, 'clinic.yaml')
  writeFileSync(file, clinic('http://127.0.0.1:9').replace('What is your full name?', LONG_ASK))
  world = await startWorld({ env: { FASTAGENT_CONFIG: file }, server: { secrets: { REFILL_SECRET: 'refill-secret-0123456789' } } })
  const w = world
  const first = await asked(w, { greeting: 'how can i help', words: 'I need a prescription refill.', question: 'insurance card' })
  await first.call.hangup()
  await w.emulator.waitFor(() => metric(w, 'fastagent_phrase_cache_stored_total') >= 2, 10_000, 'the greeting and the question kept')
  expect(await stored(w)).toContain(LONG_ASK)

  const call = w.call({ supportedMediaFormats: ['raw/mulaw'], caller: `+1415555${String(2000 + ++callers)}` })
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid('how can i help', 15_000)
  await call.waitForPlaybackIdle(15_000)
  const at = call.streams.length
  await call.say('I need a prescription refill.')
  // The cached question arrives at once: interrupt once well over a second of it has been heard.
  await call.waitFor(() => (call.streams[at] && call.streams[at].heardMs > 1500 ? true : undefined), 15_000)
  await call.say('Ann Smith.')
  await call.waitForBotSaid('date of birth', 15_000, { fromStream: at + 1 })
  const cut = call.streams[at]!
  expect(cut.interrupted).toBe(true)
  expect(cut.interruptedBy).toBe('barge-in')

  const session = w.emulator.sessions.at(-1)!
  const raw: Record<string, unknown>[] = session.received.map((r) => ({ ...(r.event.raw as Record<string, unknown>), error: r.event.error }))
  expect(raw.filter((e) => e.error !== undefined)).toEqual([])
  expect(raw.filter((e) => e.type === 'conversation.item.truncate')).toHaveLength(0)
  const textOf = (e: Record<string, unknown>) => (e.item as { content?: { text?: string }[] }).content?.[0]?.text ?? ''
  const created = raw.filter((e) => e.type === 'conversation.item.create' && (e.item as { role?: string }).role === 'assistant' && textOf(e).startsWith('Before'))
  expect(created).toHaveLength(2)
  const original = (created[0]!.item as { id: string }).id
  expect(textOf(created[0]!)).toBe(LONG_ASK)
  expect(created[1]!.previous_item_id).toBe(original)
  const heard = textOf(created[1]!)
  expect(LONG_ASK.startsWith(heard)).toBe(true)
  expect(heard.length).toBeLessThan(LONG_ASK.length)
  expect(raw.some((e) => e.type === 'conversation.item.delete' && e.item_id === original)).toBe(true)
  expect(session.items.some((i) => i.id === original)).toBe(false)
  // The answer reached the task: the form moved on to its next field.
  const outputs = session.items.flatMap((i) => (i.wire.type === 'function_call_output' ? [i.wire.output] : []))
  expect(outputs.at(-1)).toContain('What is your date of birth?')
  await call.hangup()
  call.assertNoViolations()
}, 120_000)
