import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { INSTANT_TIMING, startRealtimeEmulator, type Emulator } from './emulator'
import { TestClient } from './test-client'

let emu: Emulator
beforeAll(async () => {
  emu = await startRealtimeEmulator({ apiKey: 'sk-test', ...INSTANT_TIMING })
})
afterAll(async () => {
  await emu.stop()
})

describe('connection', () => {
  test('session.created (full default session) then conversation.created', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'sk-test' })
    await c.next('conversation.created')
    expect(c.types().slice(0, 2)).toEqual(['session.created', 'conversation.created'])
    const s = (await c.next('session.created')).session
    expect(s).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      model: 'gpt-realtime',
      output_modalities: ['audio'],
      tool_choice: 'auto',
      max_output_tokens: 'inf',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: null,
          noise_reduction: null,
          turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, create_response: true, interrupt_response: true },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
      },
    })
    expect(s.id).toStartWith('sess_')
    expect(s.expires_at).toBeGreaterThan(Date.now() / 1000 + 59 * 60)
    expect(emu.session()?.headers.authorization).toBe('Bearer sk-test')
    c.close()
  })

  test('a wrong key gets invalid_api_key and close 1008', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'sk-wrong' })
    expect(await c.closed()).toBe(1008)
    const e = c.of('error')[0]
    expect(e?.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' })
    expect(emu.connections.at(-1)?.outcome).toBe('invalid_api_key')
  })

  test('no key at all is rejected the same way', async () => {
    const c = await TestClient.connect(emu.url)
    expect(await c.closed()).toBe(1008)
    expect(c.of('error')[0]?.error.code).toBe('invalid_api_key')
  })

  test('the beta header gets beta_api_shape_disabled and close 4000', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'sk-test', headers: { 'OpenAI-Beta': 'realtime=v1' } })
    expect(await c.closed()).toBe(4000)
    expect(c.of('error')[0]?.error.code).toBe('beta_api_shape_disabled')
    expect(emu.connections.at(-1)?.headers['openai-beta']).toBe('realtime=v1')
  })

  test('a missing model is rejected', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'sk-test', model: null })
    expect(await c.closed()).toBe(1008)
    expect(c.of('error')[0]?.error).toMatchObject({ code: 'missing_required_parameter', param: 'model' })
  })
})

describe('session.update', () => {
  test('echoes the full effective session; only sent fields change', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'sk-test' })
    await c.next('conversation.created')
    c.send({
      type: 'session.update',
      event_id: 'u1',
      session: {
        type: 'realtime',
        instructions: 'Be brief.',
        audio: { input: { format: { type: 'audio/pcmu' }, turn_detection: { type: 'server_vad', silence_duration_ms: 300 } } },
        tools: [{ type: 'function', name: 'end_call', description: 'Hang up', parameters: { type: 'object', properties: {} } }],
      },
    })
    const u = (await c.next('session.updated')).session
    expect(u.instructions).toBe('Be brief.')
    expect(u.audio.input.format).toEqual({ type: 'audio/pcmu' })
    expect(u.audio.output.format).toEqual({ type: 'audio/pcm', rate: 24000 })
    expect(u.audio.input.turn_detection).toMatchObject({ type: 'server_vad', silence_duration_ms: 300, threshold: 0.5, prefix_padding_ms: 300 })
    expect(u.tools.map((t) => t.name)).toEqual(['end_call'])

    c.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: 'cedar' } } } })
    const u2 = (await c.next('session.updated', { from: c.events.indexOf(c.of('session.updated')[0]!) + 1 })).session
    expect(u2.instructions).toBe('Be brief.')
    expect(u2.audio.output.voice).toBe('cedar')
    expect(u2.audio.input.format).toEqual({ type: 'audio/pcmu' })
    expect(emu.session()?.config.audio.output.voice).toBe('cedar')
    c.close()
  })

  test('null turns turn detection off; semantic_vad takes eagerness', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'sk-test' })
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } })
    expect((await c.next('session.updated')).session.audio.input.turn_detection).toBeNull()
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'low' } } } } })
    await c.count('session.updated', 2)
    expect(c.of('session.updated')[1]?.session.audio.input.turn_detection).toMatchObject({ type: 'semantic_vad', eagerness: 'low' })
    c.close()
  })
})
