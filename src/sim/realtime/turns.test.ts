import { afterEach, describe, expect, test } from 'bun:test'
import { base64ToPcm16, pcm16ToBase64 } from '../../audio/pcm'
import { silence } from '../../audio/signal'
import { normalizeText } from '../modem/code'
import { decodeText } from '../modem/decode'
import { encodeText } from '../modem/encode'
import type { Brain } from './brain'
import { INSTANT_TIMING, startRealtimeEmulator, type Emulator, type EmulatorOptions } from './emulator'
import { TestClient } from './test-client'

const RATE = 24000
const INSTRUCTIONS = [
  'You are the phone assistant of Dr. Smith’s practice.',
  'Opening hours: Monday to Friday, 9 AM to 5 PM.',
  'Open tasks: none',
].join('\n')
const fn = (name: string, properties: Record<string, unknown> = {}) => ({
  type: 'function' as const,
  name,
  description: name,
  parameters: { type: 'object', properties },
})
const TOOLS = [
  fn('book_appointment', { date: { type: 'string' }, time: { type: 'string' } }),
  fn('task_input', { task_id: { type: 'string' }, time: { type: 'string' } }),
  fn('end_call'),
]

let emu: Emulator | undefined
afterEach(async () => {
  await emu?.stop()
  emu = undefined
})

async function setup(opts: EmulatorOptions = {}): Promise<TestClient> {
  emu = await startRealtimeEmulator({ apiKey: 'k', ...INSTANT_TIMING, ...opts })
  const c = await TestClient.connect(emu.url, { apiKey: 'k' })
  c.send({
    type: 'session.update',
    session: {
      type: 'realtime',
      instructions: INSTRUCTIONS,
      tools: TOOLS,
      audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 300 } } },
    },
  })
  await c.next('session.updated')
  return c
}

function say(c: TestClient, text: string, trailingSilenceMs = 600): void {
  const pcm = new Int16Array([...silence(200, RATE), ...encodeText(text, RATE), ...silence(trailingSilenceMs, RATE)])
  for (let i = 0; i < pcm.length; i += 480) c.send({ type: 'input_audio_buffer.append', audio: pcm16ToBase64(pcm.subarray(i, i + 480)) })
}

/** The text the bot's audio for one response speaks, decoded from the deltas. */
function heardFrom(c: TestClient, responseId: string): string {
  const parts = c.of('response.output_audio.delta').filter((d) => d.response_id === responseId).map((d) => base64ToPcm16(d.delta))
  const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    all.set(p, at)
    at += p.length
  }
  return decodeText(all, RATE)
}

/** Event types from index `from`, with each run of audio/transcript delta pairs collapsed to one marker. */
function shape(c: TestClient, from: number): string[] {
  const out: string[] = []
  for (const t of c.types().slice(from)) {
    const d = t === 'response.output_audio.delta' || t === 'response.output_audio_transcript.delta'
    if (d) {
      if (out.at(-1) !== 'DELTAS') out.push('DELTAS')
    } else out.push(t)
  }
  return out
}

describe('voice turns', () => {
  test('a full voice turn in GA event order, answered from the instructions', async () => {
    const c = await setup({ speed: 0 })
    const from = c.events.length
    say(c, 'What are your opening hours?')
    const done = await c.next('response.done')
    expect(done.response.status).toBe('completed')
    expect(shape(c, from)).toEqual([
      'input_audio_buffer.speech_started',
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      'response.created',
      'rate_limits.updated',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      'DELTAS',
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ])
    // Deltas alternate audio, transcript (a transcript delta only when new text became audible).
    const deltas = c.types().filter((t) => t.endsWith('.delta'))
    expect(deltas[0]).toBe('response.output_audio.delta')
    const answer = "We're open Monday to Friday, 9 AM to 5 PM."
    expect((await c.next('response.output_audio_transcript.done')).transcript).toBe(answer)
    expect(heardFrom(c, done.response.id ?? '')).toBe(normalizeText(answer))
    // Each delta is 100 ms of audio.
    const first = c.of('response.output_audio.delta')[0]!
    expect(base64ToPcm16(first.delta).length).toBe(2400)
    const session = emu!.session()!
    expect(session.items.map((i) => i.heard)).toEqual(['what are your opening hours?', answer])
    expect(session.counters.deltasSent).toBe(c.of('response.output_audio.delta').length)
  })

  test('tool-call round trip: function_call → function_call_output → response.create → the ask, spoken', async () => {
    const c = await setup({ speed: 0 })
    say(c, 'Book an appointment for tomorrow.')
    const done = await c.next('response.done')
    const call = done.response.output?.[0]
    expect(call).toMatchObject({ type: 'function_call', status: 'completed', name: 'book_appointment' })
    if (call?.type !== 'function_call') throw new Error('expected a function call')
    expect(JSON.parse(call.arguments)).toEqual({ date: 'tomorrow' })
    expect(call.call_id).toStartWith('call_')
    // The call's own events, in order.
    const calls = c.types().filter((t) => t.includes('function_call_arguments') || t.startsWith('response.output_item'))
    expect(calls).toEqual([
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
    ])
    expect(c.of('response.output_item.added')[0]?.item).toMatchObject({ type: 'function_call', status: 'in_progress' })

    const ask = 'What time would you like?'
    const from = c.events.length
    c.send({
      type: 'conversation.item.create',
      item: {
        type: 'function_call_output',
        call_id: call.call_id ?? '',
        output: JSON.stringify({ task_id: 'T1', task: 'book_appointment', status: 'waiting_for_input', ask, need: ['time'] }),
      },
    })
    c.send({ type: 'response.create' })
    const second = await c.next('response.done', { from })
    expect(emu!.session()!.responses[1]?.trigger).toBe('tool_output')
    expect(heardFrom(c, second.response.id ?? '')).toBe(normalizeText(ask))

    // The caller answers the pending question: the brain reads the function output and fills the task.
    const from2 = c.events.length
    say(c, '10 AM.')
    const third = await c.next('response.done', { from: from2 })
    const input = third.response.output?.[0]
    expect(input?.type === 'function_call' && input.name).toBe('task_input')
    expect(input?.type === 'function_call' ? JSON.parse(input.arguments) : undefined).toEqual({ task_id: 'T1', time: '10 am' })
  })

  test('barge-in: speech during a response cancels it (turn_detected) and stops its audio; truncate cuts the transcript', async () => {
    const long = 'Our practice offers general check ups, vaccinations, blood tests and many other services every weekday.'
    let n = 0
    const brain: Brain = { respond: () => (n++ === 0 ? { say: long } : {}) }
    const c = await setup({ speed: 1, brain })
    c.send({ type: 'response.create' })
    const created = await c.next('response.created')
    const responseId = created.response.id ?? ''
    await c.count('response.output_audio.delta', 7)
    say(c, 'stop', 400)
    const started = await c.next('input_audio_buffer.speech_started')
    const done = await c.next('response.done', { where: (e) => e.response.id === responseId })
    expect(done.response.status).toBe('cancelled')
    expect(done.response.status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' })
    // Nothing of the cancelled response after its response.done; its item closed as incomplete.
    const doneAt = c.events.indexOf(done)
    expect(c.events.slice(doneAt + 1).filter((e) => 'response_id' in e && e.response_id === responseId)).toEqual([])
    expect(c.events.indexOf(started)).toBeLessThan(doneAt)
    const item = done.response.output?.[0]
    expect(item).toMatchObject({ type: 'message', role: 'assistant', status: 'incomplete' })
    const audioDone = c.of('response.output_audio.done').find((e) => e.response_id === responseId)
    expect(audioDone).toBeDefined()

    // The caller heard 500 ms: the server's transcript keeps exactly the characters played by then.
    const itemId = item?.id ?? ''
    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 500 })
    const truncated = await c.next('conversation.item.truncated')
    expect(truncated).toMatchObject({ item_id: itemId, content_index: 0, audio_end_ms: 500 })
    const stored = emu!.session()!.conversation.get(itemId)
    expect(stored?.heard).toBe('Our practice') // 12 characters × 40 ms = 480 ms fully played by 500 ms
    c.send({ type: 'conversation.item.retrieve', item_id: itemId })
    const retrieved = await c.next('conversation.item.retrieved')
    const content = retrieved.item.type === 'message' ? retrieved.item.content[0] : undefined
    expect(content && 'transcript' in content ? content.transcript : undefined).toBe('Our practice')
    expect(emu!.session()!.responses[0]?.status).toBe('cancelled')
  })

  test('response.cancel by the client: client_cancelled, synchronously before the next event is handled', async () => {
    const c = await setup({ speed: 1, brain: { respond: () => ({ say: 'this is a rather long answer to cancel' }) } })
    c.send({ type: 'response.create' })
    await c.next('response.output_audio.delta')
    c.send({ type: 'response.cancel', event_id: 'cx' })
    c.send({ type: 'response.create', event_id: 'again' })
    const done = await c.next('response.done')
    expect(done.response.status_details).toEqual({ type: 'cancelled', reason: 'client_cancelled' })
    await c.next('response.created', { from: c.events.indexOf(done) })
    expect(c.of('error')).toEqual([])
  })

  test('manual turns: commit + response.create; out-of-band responses add nothing to the conversation', async () => {
    const c = await setup({ speed: 0 })
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } })
    await c.count('session.updated', 2)
    say(c, 'What are your opening hours?')
    c.send({ type: 'input_audio_buffer.commit' })
    await c.next('input_audio_buffer.committed')
    expect(c.of('input_audio_buffer.speech_started')).toEqual([])
    expect(c.of('response.created')).toEqual([])
    c.send({ type: 'response.create', response: { conversation: 'none', metadata: { kind: 'oob' }, output_modalities: ['text'] } })
    const oob = await c.next('response.done')
    expect(oob.response.metadata).toEqual({ kind: 'oob' })
    expect(oob.response.conversation_id).toBeUndefined()
    expect(c.of('response.output_text.done')[0]?.text).toBe("We're open Monday to Friday, 9 AM to 5 PM.")
    expect(emu!.session()!.items).toHaveLength(1)
  })

  test('idle_timeout_ms: timeout_triggered, an empty user turn, and a response that knows why', async () => {
    const c = await setup({ speed: 0 })
    c.send({
      type: 'session.update',
      session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 150 } } } },
    })
    await c.count('session.updated', 2)
    c.send({ type: 'response.create', response: { instructions: 'Say exactly: "Hello!"' } })
    await c.next('response.done')
    const t = await c.next('input_audio_buffer.timeout_triggered', { timeoutMs: 5000 })
    const committed = await c.next('input_audio_buffer.committed')
    expect(committed.item_id).toBe(t.item_id)
    const second = await c.next('response.done', { from: c.events.indexOf(t) })
    expect(emu!.session()!.responses[1]?.trigger).toBe('idle_timeout')
    expect(heardFrom(c, second.response.id ?? '')).toBe('are you still there?')
  })

  test('faults: stall buffers events; dropSocket after N deltas closes abruptly', async () => {
    const c = await setup({ speed: 0, brain: { respond: () => ({ say: 'a fairly long sentence so that there are many deltas' }) } })
    emu!.stall(1000)
    c.send({ type: 'response.create' })
    await Bun.sleep(50)
    expect(c.of('response.created')).toEqual([])
    await c.next('response.done', { timeoutMs: 5000 })
    emu!.injectError('server_error', 'injected')
    expect((await c.next('error')).error).toMatchObject({ code: 'server_error', message: 'injected' })
    const before = c.of('response.output_audio.delta').length
    emu!.dropSocket(undefined, { afterDeltas: 3 })
    c.send({ type: 'response.create' })
    expect(await c.closed()).toBe(1006)
    expect(c.of('response.output_audio.delta').length - before).toBe(3)
    await emu!.waitFor(() => emu!.session()!.closeInfo)
    expect(emu!.session()!.closeInfo?.abrupt).toBe(true)
  })
})
