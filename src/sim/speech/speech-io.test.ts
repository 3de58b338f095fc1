import { expect, test } from 'bun:test'
import type { Recognizer } from './recognizer'
import { speechEar, speechVoice, type Heard } from './speech-io'
import type { Tts } from './tts'

test('the ear gives the brain written-form words and reports what it heard', async () => {
  const rates: number[] = []
  const recognizer: Recognizer = {
    name: 'fake',
    recognize: async (_samples, rate) => {
      rates.push(rate)
      return 'book for tomorrow at ten am'
    },
    dispose: () => undefined,
  }
  const heard: Heard[] = []
  const ear = speechEar(recognizer, (h) => heard.push(h))
  expect(await ear.transcribe(new Int16Array(24_000), 24_000)).toBe('book for tomorrow at 10 am')
  expect(rates).toEqual([24_000])
  expect(heard[0]).toMatchObject({ text: 'book for tomorrow at 10 am', raw: 'book for tomorrow at ten am', ms: 1000 })
})

test('the voice speaks prepared lines from its cache, others with a blocking run, at the rate asked for', async () => {
  const calls: string[] = []
  const pcm = { samples: new Int16Array(16_000).fill(1000), rate: 16_000 }
  const tts: Tts = {
    name: 'fake',
    synthesize: async (t) => {
      calls.push(`async ${t}`)
      return pcm
    },
    synthesizeSync: (t) => {
      calls.push(`sync ${t}`)
      return pcm
    },
    dispose: () => undefined,
  }
  const voice = speechVoice(tts)
  await voice.prepare(['What time would you like?'])
  expect(voice.synthesize('What time would you like?', 24_000).length).toBe(24_000)
  expect(voice.misses).toBe(0)
  expect(voice.synthesize('Let me check.', 16_000).length).toBe(16_000)
  expect(voice.synthesize('Let me check.', 24_000).length).toBe(24_000)
  expect(voice.misses).toBe(1)
  expect(calls).toEqual(['async What time would you like?', 'sync Let me check.'])
})
