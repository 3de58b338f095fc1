/**
 * Which tool answers end on a fixed question the call may say itself (from the phrase cache): only a question that is
 * exactly a pack question or a declared field's `ask`, with nothing else to say before it. A read-back, a question
 * with a problem first, or one with the caller's number in it, is the model's to say.
 */
import { expect, test } from 'bun:test'
import { parseBusinessHours } from '../config/business-hours'
import { memoryLogger } from '../ops/log'
import { Store } from '../store/store'
import { defaultRegistry } from './tasks/registry'
import { registryFor } from './declared/registry'
import { storeDomain } from './domain-executor'
import { TaskRuntime } from './runtime'
import type { Business } from '../config/business/business'
import { businessOf } from '../../test/kit/clinic'
import { fixedLine } from '../call/spoken-line'

// Wednesday 2026-11-25 08:00 UTC; open Mon-Fri 09:00-17:00.
const NOW = Date.UTC(2026, 10, 25, 8, 0)
const CALLER = '+14155550123'

async function runtime(business?: Business) {
  const store = await Store.open(':memory:')
  await store.calls.create({ id: 'call-1', conversationId: 'conv-1', direction: 'inbound', caller: CALLER, botName: 'b', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: NOW })
  const hours = parseBusinessHours('Mon-Fri 09:00-17:00')
  if (!hours.ok) throw new Error(hours.error)
  return new TaskRuntime({
    callId: 'call-1',
    caller: CALLER,
    registry: business ? registryFor(defaultRegistry(), business) : defaultRegistry(),
    store,
    domain: storeDomain(store),
    log: memoryLogger().log,
    now: () => NOW,
    tz: 'UTC',
    hours: business?.hours ?? hours.hours,
    slotMinutes: 30,
    ...(business ? { business } : {}),
    onUpdate: () => undefined,
    onChange: () => undefined,
    settleMs: 500,
  })
}

const taskId = (output: string) => (JSON.parse(output) as { task_id: string }).task_id

test('booking: "What time would you like?" is a fixed question; the read-back and a refused time with its reason are not', async () => {
  const rt = await runtime()
  const start = await rt.answer('book_appointment', '{"date":"tomorrow"}')
  expect(start.question).toEqual(fixedLine('What time would you like?'))
  // The output the model gets is the same as without the question.
  expect(JSON.parse(start.output)).toMatchObject({ status: 'waiting_for_input', ask: 'What time would you like?', need: ['time'] })
  const id = taskId(start.output)
  // A time before opening: the reason comes first, built from the request — the model says it.
  const early = await rt.answer('task_input', JSON.stringify({ task_id: id, time: '7 AM' }))
  expect(JSON.parse(early.output).ask).not.toBe('What time would you like?')
  expect(early.question).toBeUndefined()
  const confirm = await rt.answer('task_input', JSON.stringify({ task_id: id, time: '10 AM' }))
  expect(JSON.parse(confirm.output)).toMatchObject({ ask: 'Book for tomorrow at 10 AM?' })
  expect(confirm.question).toBeUndefined()
  const done = await rt.answer('task_input', JSON.stringify({ task_id: id, confirm: true }))
  expect(done.question).toBeUndefined()
  rt.stop()
})

test('a message: the name question is fixed, the read-back with the caller\'s number is not', async () => {
  const rt = await runtime()
  const start = await rt.answer('leave_message', '{}')
  expect(start.question).toEqual(fixedLine('May I have your name?'))
  const id = taskId(start.output)
  const msg = await rt.answer('task_input', JSON.stringify({ task_id: id, name: 'Lea' }))
  expect(msg.question).toEqual(fixedLine('What message would you like to leave?'))
  const back = await rt.answer('task_input', JSON.stringify({ task_id: id, message: 'Please call me back about Tuesday.' }))
  expect(JSON.parse(back.output).need).toEqual(['confirm'])
  expect(back.question).toBeUndefined()
  rt.stop()
})

test('a declared form: a field\'s ask is fixed; a phone field offering the caller\'s own number is not; nor is the read-back', async () => {
  const business = businessOf(`business: { name: Harbour Clinic, timezone: UTC }
hours: { mon-fri: "09:00-17:00" }
tasks:
  - id: callback_request
    title: Callback request
    description: The caller wants to be called back.
    fields:
      - { name: topic, type: text, ask: "What is it about?" }
      - { name: phone, type: phone, ask: "Which number should we call?" }
    submit: { url: "http://127.0.0.1:9/cb", secret_env: CB_SECRET }
`)
  const rt = await runtime(business)
  const start = await rt.answer('callback_request', '{}')
  expect(start.question).toEqual(fixedLine('What is it about?'))
  const id = taskId(start.output)
  const phone = await rt.answer('task_input', JSON.stringify({ task_id: id, topic: 'my prescription' }))
  const ask = (JSON.parse(phone.output) as { ask: string }).ask
  expect(ask).toStartWith('Which number should we call?')
  expect(ask).toContain('123')
  expect(phone.question).toBeUndefined()
  const back = await rt.answer('task_input', JSON.stringify({ task_id: id, phone: '+14155550199' }))
  expect(JSON.parse(back.output).need).toEqual(['confirm'])
  expect(back.question).toBeUndefined()
  rt.stop()
})
