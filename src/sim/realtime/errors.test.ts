import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { pcm16ToBase64 } from '../../audio/pcm'
import { INSTANT_TIMING, startRealtimeEmulator, type Emulator } from './emulator'
import { TestClient } from './test-client'

let emu: Emulator
beforeAll(async () => {
  emu = await startRealtimeEmulator({ apiKey: 'sk-test', ...INSTANT_TIMING, speed: 0, brain: { respond: () => ({ say: 'hello there' }) } })
})
afterAll(async () => {
  await emu.stop()
})

async function client(): Promise<TestClient> {
  const c = await TestClient.connect(emu.url, { apiKey: 'sk-test' })
  await c.next('conversation.created')
  return c
}

/** Sends a frame and returns the error it caused (the one carrying `event_id` when given). */
async function errorFor(c: TestClient, frame: string | object, eventId?: string) {
  const from = c.events.length
  c.sendRaw(frame)
  const e = await c.next('error', { from, ...(eventId ? { where: (x) => x.error.event_id === eventId } : {}) })
  return e.error
}

describe('a wrong client gets one error per mistake and the session stays open', () => {
  test('invalid JSON', async () => {
    const c = await client()
    expect((await errorFor(c, '{"type": "session.update",')).code).toBe('invalid_json')
    c.close()
  })

  test('unknown event type names param "type" and carries the event_id', async () => {
    const c = await client()
    const e = await errorFor(c, { type: 'response.audio.delta', event_id: 'x1' }, 'x1')
    expect(e).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'type', event_id: 'x1' })
    c.close()
  })

  test('missing required field, wrong type, unknown top-level field', async () => {
    const c = await client()
    expect(await errorFor(c, { type: 'input_audio_buffer.append', event_id: 'a' }, 'a')).toMatchObject({
      code: 'missing_required_parameter',
      param: 'audio',
    })
    expect(await errorFor(c, { type: 'conversation.item.truncate', event_id: 'b', item_id: 'x', content_index: 0, audio_end_ms: '10' }, 'b')).toMatchObject({
      code: 'invalid_type',
      param: 'audio_end_ms',
    })
    expect(await errorFor(c, { type: 'response.cancel', event_id: 'c', foo: 1 }, 'c')).toMatchObject({ code: 'unknown_parameter', param: 'foo' })
    expect(await errorFor(c, { type: 'session.update', event_id: 'd', session: {} }, 'd')).toMatchObject({
      code: 'missing_required_parameter',
      param: 'session.type',
    })
    expect(await errorFor(c, { type: 'session.update', event_id: 'e', session: { type: 'transcription' } }, 'e')).toMatchObject({
      code: 'invalid_value',
      param: 'session.type',
    })
    c.close()
  })

  test('beta-shaped session fields are unknown parameters and change nothing', async () => {
    const c = await client()
    const beta: Record<string, unknown> = {
      modalities: ['text', 'audio'],
      input_audio_format: 'g711_ulaw',
      output_audio_format: 'g711_ulaw',
      turn_detection: { type: 'server_vad' },
      voice: 'alloy',
      temperature: 0.8,
      input_audio_transcription: { model: 'whisper-1' },
    }
    for (const [k, v] of Object.entries(beta)) {
      const e = await errorFor(c, { type: 'session.update', event_id: `beta-${k}`, session: { type: 'realtime', instructions: 'x', [k]: v } }, `beta-${k}`)
      expect(e).toMatchObject({ code: 'unknown_parameter', param: `session.${k}` })
    }
    expect(c.of('session.updated')).toHaveLength(0)
    expect(emu.session()?.config.instructions).not.toBe('x')
    c.close()
  })

  test('audio formats: pcm only at 24000, unknown types, pcma unsupported by the emulator', async () => {
    const c = await client()
    const fmt = (format: object, id: string) => ({ type: 'session.update', event_id: id, session: { type: 'realtime', audio: { input: { format } } } })
    expect(await errorFor(c, fmt({ type: 'audio/pcm', rate: 16000 }, 'f1'), 'f1')).toMatchObject({
      code: 'invalid_value',
      param: 'session.audio.input.format.rate',
    })
    expect(await errorFor(c, fmt({ type: 'g711_ulaw' }, 'f2'), 'f2')).toMatchObject({ code: 'invalid_value', param: 'session.audio.input.format.type' })
    expect((await errorFor(c, fmt({ type: 'audio/pcma' }, 'f3'), 'f3')).message).toContain('not supported by the Realtime emulator')
    expect(emu.session()?.config.audio.input.format).toEqual({ type: 'audio/pcm', rate: 24000 })
    c.close()
  })

  test('response.create while a response is active; cancel with nothing active', async () => {
    const c = await client()
    c.send({ type: 'response.create', event_id: 'r1' })
    c.send({ type: 'response.create', event_id: 'r2' })
    const e = (await c.next('error', { where: (x) => x.error.event_id === 'r2' })).error
    expect(e.code).toBe('conversation_already_has_active_response')
    await c.next('response.done')
    expect(await errorFor(c, { type: 'response.cancel', event_id: 'k1' }, 'k1')).toMatchObject({ code: 'response_cancel_not_active' })
    // An out-of-band response may run beside the active one.
    c.send({ type: 'response.create', event_id: 'r3' })
    c.send({ type: 'response.create', event_id: 'r4', response: { conversation: 'none', metadata: { purpose: 'classify' } } })
    await c.count('response.done', 3)
    expect(c.of('error').filter((x) => x.error.event_id === 'r4')).toHaveLength(0)
    c.close()
  })

  test('voice cannot change once audio was produced', async () => {
    const c = await client()
    c.send({ type: 'response.create' })
    await c.next('response.done')
    const e = await errorFor(c, { type: 'session.update', event_id: 'v', session: { type: 'realtime', audio: { output: { voice: 'ash' } } } }, 'v')
    expect(e).toMatchObject({ code: 'invalid_value', param: 'session.audio.output.voice' })
    c.close()
  })

  test('truncate beyond the audio sent; truncate of a non-assistant item', async () => {
    const c = await client()
    c.send({ type: 'response.create' })
    const done = await c.next('response.done')
    const item = done.response.output?.[0]
    expect(item?.type).toBe('message')
    const itemId = item?.id ?? ''
    const e = await errorFor(c, { type: 'conversation.item.truncate', event_id: 't1', item_id: itemId, content_index: 0, audio_end_ms: 5000 }, 't1')
    expect(e.code).toBe('invalid_value')
    expect(e.message).toBe('Invalid value: \'5000\'. Audio content of 440ms is already shorter than 5000ms.')
    expect(await errorFor(c, { type: 'conversation.item.truncate', event_id: 't2', item_id: 'nope', content_index: 0, audio_end_ms: 0 }, 't2')).toMatchObject({
      code: 'item_truncate_invalid_item_id',
    })
    c.close()
  })

  test('items: function_call_output needs a known call_id; assistant audio cannot be created; retrieve unknown id', async () => {
    const c = await client()
    const e = await errorFor(
      c,
      { type: 'conversation.item.create', event_id: 'i1', item: { type: 'function_call_output', call_id: 'call_missing', output: '{}' } },
      'i1',
    )
    expect(e).toMatchObject({ code: 'invalid_value', param: 'item.call_id' })
    expect(e.message).toContain('call_missing')
    expect(
      await errorFor(
        c,
        { type: 'conversation.item.create', event_id: 'i2', item: { type: 'message', role: 'assistant', content: [{ type: 'output_audio', transcript: 'hi' }] } },
        'i2',
      ),
    ).toMatchObject({ code: 'invalid_value', param: 'item.content[0].type' })
    expect(
      await errorFor(c, { type: 'conversation.item.create', event_id: 'i3', item: { type: 'function_call_output', call_id: 'c', output: { ok: true } } }, 'i3'),
    ).toMatchObject({ code: 'invalid_type', param: 'item.output' })
    expect(await errorFor(c, { type: 'conversation.item.retrieve', event_id: 'i4', item_id: 'item_nope' }, 'i4')).toMatchObject({
      code: 'item_retrieve_invalid_item_id',
    })
    // The right way: a call, then its output.
    c.send({ type: 'conversation.item.create', item: { type: 'function_call', call_id: 'call_1', name: 'end_call', arguments: '{}' } })
    c.send({ type: 'conversation.item.create', event_id: 'i5', item: { type: 'function_call_output', call_id: 'call_1', output: '{"ok":true}' } })
    await c.count('conversation.item.done', 2)
    expect(c.of('error').filter((x) => x.error.event_id === 'i5')).toHaveLength(0)
    c.close()
  })

  test('commit with an empty buffer (manual turns)', async () => {
    const c = await client()
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } })
    await c.next('session.updated')
    expect(await errorFor(c, { type: 'input_audio_buffer.commit', event_id: 'm1' }, 'm1')).toMatchObject({ code: 'input_audio_buffer_commit_empty' })
    c.send({ type: 'input_audio_buffer.append', audio: pcm16ToBase64(new Int16Array(4800)) })
    c.send({ type: 'input_audio_buffer.commit' })
    const committed = await c.next('input_audio_buffer.committed')
    expect(committed.item_id).toStartWith('item_')
    c.send({ type: 'input_audio_buffer.clear' })
    await c.next('input_audio_buffer.cleared')
    expect(emu.session()?.counters.audioMsReceived).toBe(200)
    c.close()
  })

  test('bad base64 audio', async () => {
    const c = await client()
    expect(await errorFor(c, { type: 'input_audio_buffer.append', event_id: 'b64', audio: 'not base64!' }, 'b64')).toMatchObject({
      code: 'invalid_value',
      param: 'audio',
    })
    c.close()
  })
})

describe('session cap', () => {
  test('session_expired then close 1001; expires_at reflects the cap', async () => {
    const capped = await startRealtimeEmulator({ apiKey: 'k', ...INSTANT_TIMING, sessionMaxMs: 300 })
    try {
      const t0 = Date.now()
      const c = await TestClient.connect(capped.url, { apiKey: 'k' })
      const created = await c.next('session.created')
      expect(created.session.expires_at).toBeLessThanOrEqual(Math.ceil((t0 + 2000) / 1000))
      expect(await c.closed()).toBe(1001)
      expect(c.of('error')[0]?.error).toMatchObject({ type: 'invalid_request_error', code: 'session_expired' })
    } finally {
      await capped.stop()
    }
  })

  test('expireSession() does it on demand with the real message', async () => {
    const c = await client()
    emu.expireSession()
    expect(await c.closed()).toBe(1001)
    expect(c.of('error')[0]?.error.message).toBe('Your session hit the maximum duration of 60 minutes.')
  })
})
