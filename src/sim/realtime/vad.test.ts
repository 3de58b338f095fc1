import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mulawEncode } from '../../audio/mulaw'
import { bytesToBase64, pcm16ToBase64 } from '../../audio/pcm'
import { silence } from '../../audio/signal'
import { GAP_MS, msForText } from '../modem/code'
import { encodeText } from '../modem/encode'
import { INSTANT_TIMING, startRealtimeEmulator, type Emulator } from './emulator'
import { TestClient } from './test-client'
import { EnergyVad, thresholdDb } from './vad'

const concat = (...parts: Int16Array[]) => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

describe('EnergyVad', () => {
  test('threshold mapping', () => {
    expect(thresholdDb(0.5)).toBe(-35)
    expect(thresholdDb(0)).toBe(-60)
    expect(thresholdDb(1)).toBe(-10)
  })

  test('dates speech start and stop to the window, whatever the chunking', () => {
    const rate = 24000
    const text = 'hello there'
    const audio = concat(silence(500, rate), encodeText(text, rate), silence(1000, rate))
    const speechEndMs = 500 + msForText(text) - GAP_MS
    for (const chunk of [1, 160, 480, 7777, audio.length]) {
      const vad = new EnergyVad(rate, { threshold: 0.5, silenceMs: 300 })
      const events = []
      for (let i = 0; i < audio.length; i += chunk) events.push(...vad.push(audio.subarray(i, i + chunk)))
      expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped'])
      expect(Math.abs((events[0]!.atSample * 1000) / rate - 500)).toBeLessThanOrEqual(10)
      expect(Math.abs((events[1]!.atSample * 1000) / rate - (speechEndMs + 300))).toBeLessThanOrEqual(10)
    }
  })

  test('a click shorter than the minimum speech time is not speech', () => {
    const rate = 8000
    const click = new Int16Array(40).fill(20000)
    const vad = new EnergyVad(rate, { threshold: 0.5, silenceMs: 200 })
    expect(vad.push(concat(silence(100, rate), click, silence(500, rate)))).toEqual([])
  })
})

let emu: Emulator
beforeAll(async () => {
  emu = await startRealtimeEmulator({ apiKey: 'k', ...INSTANT_TIMING, speed: 0, brain: { respond: () => ({}) } })
})
afterAll(async () => {
  await emu.stop()
})

async function sendFrames(c: TestClient, pcm: Int16Array, rate: number, encode: (s: Int16Array) => string) {
  const frame = (rate * 20) / 1000
  for (let i = 0; i < pcm.length; i += frame) c.send({ type: 'input_audio_buffer.append', audio: encode(pcm.subarray(i, i + frame)) })
}

describe('server VAD on real audio', () => {
  for (const fmt of ['audio/pcm', 'audio/pcmu'] as const) {
    test(`${fmt}: speech_started / speech_stopped within ±20 ms of the true positions, then commit + transcript`, async () => {
      const rate = fmt === 'audio/pcm' ? 24000 : 8000
      const encode = fmt === 'audio/pcm' ? pcm16ToBase64 : (s: Int16Array) => bytesToBase64(mulawEncode(s))
      const c = await TestClient.connect(emu.url, { apiKey: 'k' })
      c.send({
        type: 'session.update',
        session: {
          type: 'realtime',
          audio: {
            input: {
              format: fmt === 'audio/pcm' ? { type: 'audio/pcm', rate: 24000 } : { type: 'audio/pcmu' },
              transcription: { model: 'gpt-4o-mini-transcribe' },
              turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 },
            },
          },
        },
      })
      await c.next('session.updated')
      const text = 'book an appointment for tomorrow'
      const leadMs = 740
      await sendFrames(c, concat(silence(leadMs, rate), encodeText(text, rate), silence(1200, rate)), rate, encode)
      const started = await c.next('input_audio_buffer.speech_started')
      const stopped = await c.next('input_audio_buffer.speech_stopped')
      const speechEnd = leadMs + msForText(text) - GAP_MS
      expect(Math.abs(started.audio_start_ms - (leadMs - 300))).toBeLessThanOrEqual(20)
      expect(Math.abs(stopped.audio_end_ms - (speechEnd + 500))).toBeLessThanOrEqual(20)
      expect(stopped.item_id).toBe(started.item_id)
      const committed = await c.next('input_audio_buffer.committed')
      expect(committed.item_id).toBe(started.item_id)
      const t = await c.next('conversation.item.input_audio_transcription.completed')
      expect(t).toMatchObject({ item_id: started.item_id, content_index: 0, transcript: text })
      // create_response defaults to true: a response follows the turn.
      await c.next('response.done')
      c.close()
    })
  }

  test('audio_start_ms is floored at 0 when speech starts within the prefix padding', async () => {
    const c = await TestClient.connect(emu.url, { apiKey: 'k' })
    await c.next('conversation.created')
    await sendFrames(c, concat(silence(100, 24000), encodeText('hi', 24000), silence(800, 24000)), 24000, pcm16ToBase64)
    expect((await c.next('input_audio_buffer.speech_started')).audio_start_ms).toBe(0)
    c.close()
  })
})
