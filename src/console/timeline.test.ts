import { describe, expect, test } from 'bun:test'
import { bySpoken, CallTimeline, estimateCost, type TimelineEvent } from './timeline'
import { CallEventBus } from '../call/call-events'

const usage = { inputText: 100, inputAudio: 200, inputCached: 50, outputText: 10, outputAudio: 300 }

describe('CallTimeline', () => {
  test('a caller line that arrives after the bot started answering is placed at its speech start', () => {
    const t = new CallTimeline()
    const events: TimelineEvent[] = [
      { type: 'speech-started', at: 1000, itemId: 'u1' },
      { type: 'speech-stopped', at: 2000, itemId: 'u1' },
      { type: 'bot-audio', at: 2600, itemId: 'b1' },
      // The transcription of u1 comes late, after the bot's audio started.
      { type: 'line', at: 2900, role: 'caller', text: 'Book for tomorrow.', meta: { itemId: 'u1' } },
      { type: 'line', at: 4000, role: 'bot', text: 'What time?', meta: { itemId: 'b1' } },
    ]
    const entries = events.flatMap((e) => t.push(e))
    const order = bySpoken(entries).map((e) => `${e.kind}@${e.spokenAt}`)
    expect(order).toEqual(['caller@1000', 'latency@2600', 'bot@2600'])
    expect(t.turns).toEqual([{ at: 2600, ms: 600 }])
  })

  test('a bot utterance without a caller turn before it (greeting, task update) is not a turn', () => {
    const t = new CallTimeline()
    t.push({ type: 'bot-audio', at: 100, itemId: 'g' })
    t.push({ type: 'speech-started', at: 500, itemId: 'u1' })
    t.push({ type: 'speech-stopped', at: 900, itemId: 'u1' })
    // The caller spoke again before the bot answered: the turn is measured from the last stop.
    t.push({ type: 'speech-started', at: 1000, itemId: 'u2' })
    t.push({ type: 'speech-stopped', at: 1500, itemId: 'u2' })
    t.push({ type: 'bot-audio', at: 2300, itemId: 'b' })
    t.push({ type: 'bot-audio', at: 5000, itemId: 'c' })
    expect(t.turns.map((x) => x.ms)).toEqual([800])
    expect(t.phase).toBe('talking')
  })

  test('tool latency from the call line to its result; task steps make the path; usage sums', () => {
    const t = new CallTimeline()
    t.push({ type: 'line', at: 100, role: 'tool', text: 'book_appointment({"date":"tomorrow"})', meta: { callId: 'c1' } })
    t.push({ type: 'task-step', at: 110, taskId: 'T1', kind: 'book_appointment', from: 'new', to: 'collectingTime', on: 'start', status: 'open' })
    const out = t.push({ type: 'line', at: 142, role: 'tool', text: '{"status":"waiting"}', meta: { callId: 'c1', result: true } })
    expect(out.map((e) => e.text)).toEqual(['→ {"status":"waiting"}', 'tool book_appointment 42 ms'])
    expect(t.tools).toEqual([{ at: 142, name: 'book_appointment', ms: 42 }])
    expect(t.openTasks()).toEqual([{ taskId: 'T1', kind: 'book_appointment', state: 'collectingTime' }])
    t.push({ type: 'task-step', at: 200, taskId: 'T1', kind: 'book_appointment', from: 'collectingTime', to: 'booked', on: 'booked', status: 'done' })
    expect(t.openTasks()).toEqual([])
    expect(t.tasks.get('T1')?.path.map((p) => p.to)).toEqual(['collectingTime', 'booked'])
    t.push({ type: 'usage', at: 300, responseId: 'r1', usage })
    t.push({ type: 'usage', at: 400, responseId: 'r2', usage })
    expect(t.usage).toEqual({ responses: 2, inputText: 200, inputAudio: 400, inputCached: 100, outputText: 20, outputAudio: 600 })
  })

  test("the lifecycle machine's phases win over the inferred ones once reported", () => {
    const t = new CallTimeline()
    t.push({ type: 'bot-audio', at: 1, itemId: 'g' })
    expect(t.phase).toBe('greeting')
    t.push({ type: 'phase', at: 2, phase: 'conversing' })
    t.push({ type: 'speech-started', at: 3, itemId: 'u' })
    expect(t.phase).toBe('conversing')
    t.push({ type: 'phase', at: 4, phase: 'askingAnythingElse' })
    t.push({ type: 'line', at: 5, role: 'tool', text: 'end_call({})', meta: { callId: 'e' } })
    t.push({ type: 'line', at: 6, role: 'tool', text: '{"status":"closing"}', meta: { callId: 'e', result: true } })
    expect(t.phase).toBe('askingAnythingElse')
  })

  test('phone numbers in lines are masked; an end_call closing result marks the phase', () => {
    const t = new CallTimeline()
    const [line] = t.push({ type: 'line', at: 1, role: 'caller', text: 'my number is +14155550123', meta: undefined })
    expect(line?.text).toBe('my number is +********123')
    t.push({ type: 'line', at: 2, role: 'tool', text: 'end_call({})', meta: { callId: 'e' } })
    t.push({ type: 'line', at: 3, role: 'tool', text: '{"status":"closing"}', meta: { callId: 'e', result: true } })
    expect(t.phase).toBe('closing')
  })
})

test('estimated cost: per-million prices, cached input at its own rate', () => {
  const prices = { inputText: 4, inputAudio: 32, inputCached: 0.4, outputText: 16, outputAudio: 64 }
  const cost = estimateCost({ responses: 1, ...usage }, prices)
  expect(cost).toBeCloseTo((50 * 4 + 200 * 32 + 50 * 0.4 + 10 * 16 + 300 * 64) / 1e6, 12)
})

test('a throwing listener never reaches the emitter; others still get the event', () => {
  const errors: unknown[] = []
  const bus = new CallEventBus((e) => errors.push(e))
  const got: string[] = []
  bus.subscribe(() => {
    throw new Error('boom')
  })
  bus.subscribe((e) => got.push(e.type))
  expect(() => bus.emit({ type: 'barge-in', callId: 'c', at: 1 })).not.toThrow()
  expect(got).toEqual(['barge-in'])
  expect(errors).toHaveLength(1)
})
