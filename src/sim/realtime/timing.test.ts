/**
 * The emulator's connect delay and time to first audio: what is held, and that a cancel cuts the wait short. No
 * timing is asserted (the delays are set far longer than any test waits, so "not yet" is certain).
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { REAL_API_TIMING, startRealtimeEmulator, type Emulator } from './emulator'
import { TestClient } from './test-client'

let emu: Emulator | undefined
afterEach(async () => {
  await emu?.stop()
  emu = undefined
})

describe('emulator timing', () => {
  test('defaults are like the real API: a connect delay and a time to first audio, both non-zero', () => {
    expect(REAL_API_TIMING.connectDelayMs).toBeGreaterThan(0)
    expect(REAL_API_TIMING.firstAudioMs).toBeGreaterThan(0)
  })

  test('connect delay: the socket is open but session.created is held', async () => {
    emu = await startRealtimeEmulator({ apiKey: 'k', connectDelayMs: 60_000, firstAudioMs: 0 })
    const c = await TestClient.connect(emu.url, { apiKey: 'k' })
    const s = await emu.waitForSession(0)
    await Bun.sleep(50)
    expect(s.sent).toHaveLength(0)
    expect(c.types()).toEqual([])
    c.close()
  })

  test('time to first audio: response.created at once, then nothing until the wait is over; a cancel ends it cancelled', async () => {
    emu = await startRealtimeEmulator({ apiKey: 'k', connectDelayMs: 0, firstAudioMs: 60_000, brain: { respond: () => ({ say: 'hello there' }) } })
    const c = await TestClient.connect(emu.url, { apiKey: 'k' })
    await c.next('session.created')
    c.send({ type: 'response.create' })
    await c.next('response.created')
    await Bun.sleep(50)
    expect(c.of('response.output_item.added')).toHaveLength(0)
    c.send({ type: 'response.cancel' })
    const done = await c.next('response.done')
    expect(done.response.status).toBe('cancelled')
    expect(c.of('response.output_audio.delta')).toHaveLength(0)
    c.close()
  })

  test('with both at 0 a response speaks straight away', async () => {
    emu = await startRealtimeEmulator({ apiKey: 'k', connectDelayMs: 0, firstAudioMs: 0, speed: 0, brain: { respond: () => ({ say: 'hello there' }) } })
    const c = await TestClient.connect(emu.url, { apiKey: 'k' })
    await c.next('session.created')
    c.send({ type: 'response.create' })
    const done = await c.next('response.done')
    expect(done.response.status).toBe('completed')
    expect(c.of('response.output_audio.delta').length).toBeGreaterThan(0)
    c.close()
  })
})
