import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { INSTANT_TIMING, startRealtimeEmulator, type Emulator } from './emulator'
import { scriptedBrain } from './brain'
import { TestClient } from './test-client'

let emu: Emulator
const brain = scriptedBrain([{ say: 'ok' }, { say: 'ok' }])
beforeAll(async () => {
  emu = await startRealtimeEmulator({ apiKey: 'k', ...INSTANT_TIMING, speed: 0, brain })
})
afterAll(async () => {
  await emu.stop()
})

const text = (role: 'user' | 'system', t: string) => ({ type: 'message' as const, role, content: [{ type: 'input_text' as const, text: t }] })

describe('conversation items', () => {
  test('create (append, root, after an id), delete, retrieve; the brain sees them in order; events are recorded', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'k' })
    await c.next('conversation.created')
    c.send({ type: 'conversation.item.create', item: { id: 'u1', ...text('user', 'first') } })
    c.send({ type: 'conversation.item.create', item: { id: 'u3', ...text('user', 'third') } })
    c.send({ type: 'conversation.item.create', previous_item_id: 'u1', item: { id: 'u2', ...text('user', 'second') } })
    c.send({ type: 'conversation.item.create', previous_item_id: 'root', item: { id: 's0', ...text('system', 'zeroth') } })
    c.send({
      type: 'conversation.item.create',
      item: { id: 'a4', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'fourth' }] },
    })
    await c.count('conversation.item.done', 5)
    const added = c.of('conversation.item.added')
    expect(added.map((e) => e.previous_item_id)).toEqual([null, 'u1', 'u1', null, 'u3'])
    const s = emu.session()!
    expect(s.items.map((i) => i.id)).toEqual(['s0', 'u1', 'u2', 'u3', 'a4'])

    c.send({ type: 'conversation.item.delete', item_id: 'u3' })
    expect((await c.next('conversation.item.deleted')).item_id).toBe('u3')
    c.send({ type: 'conversation.item.retrieve', item_id: 'u2' })
    expect((await c.next('conversation.item.retrieved')).item).toMatchObject({ id: 'u2', role: 'user', content: [{ type: 'input_text', text: 'second' }] })
    expect(
      (await (async () => {
        c.sendRaw({ type: 'conversation.item.create', event_id: 'dup', item: { id: 'u1', ...text('user', 'again') } })
        return c.next('error')
      })()).error,
    ).toMatchObject({ code: 'invalid_value', param: 'item.id', event_id: 'dup' })

    c.send({ type: 'response.create', response: { instructions: 'Answer briefly.', metadata: { turn: '1' } } })
    const done = await c.next('response.done')
    expect(done.response.metadata).toEqual({ turn: '1' })
    const ctx = brain.contexts[0]!
    expect(ctx.instructions).toBe('Answer briefly.')
    expect(ctx.trigger).toBe('create')
    expect(ctx.items.map((i) => (i.type === 'message' ? `${i.role}:${i.text}` : i.type))).toEqual([
      'system:zeroth',
      'user:first',
      'user:second',
      'assistant:fourth',
    ])
    // response.input replaces the context for one response.
    // (item references are in the SDK's `ResponseCreateEventWithReferencesParam`, not in `RealtimeClientEvent`)
    c.sendRaw({ type: 'response.create', response: { input: [{ type: 'item_reference', id: 'u2' }, text('user', 'extra')], conversation: 'none' } })
    await c.count('response.done', 2)
    expect(brain.contexts[1]?.items.map((i) => (i.type === 'message' ? i.text : ''))).toEqual(['second', 'extra'])

    expect(s.received.map((r) => r.event.type)).toContain('conversation.item.delete')
    expect(s.received.find((r) => r.event.error)?.event.error?.code).toBe('invalid_value')
    expect(s.responses.map((r) => r.status)).toEqual(['completed', 'completed'])
    c.close()
  })

  test('latency keeps order and delays events', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'k' })
    await c.next('conversation.created')
    emu.setLatency(30, 20, emu.session()!.id)
    const t0 = performance.now()
    for (let i = 0; i < 5; i++) c.send({ type: 'conversation.item.create', item: { id: `x${i}`, ...text('user', String(i)) } })
    await c.count('conversation.item.done', 5)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25)
    expect(c.of('conversation.item.done').map((e) => e.item.id)).toEqual(['x0', 'x1', 'x2', 'x3', 'x4'])
    c.close()
  })
})
