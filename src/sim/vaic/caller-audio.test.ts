import { expect, test } from 'bun:test'
import { base64ToBytes } from '../../audio/pcm'
import { isWav } from '../../audio/wav'
import { decodeText } from '../modem/decode'
import { encodeText } from '../modem/encode'
import { CallerEncoder } from './caller-audio'
import { resampleAnyRate, resampleTo } from '../../audio/resample-once'

test('resampleTo keeps the duration and the content', () => {
  const src = encodeText('resample me', 8000)
  for (const rate of [16000, 24000]) {
    const out = resampleTo(src, 8000, rate)
    expect(out.length).toBe((src.length * rate) / 8000)
    expect(decodeText(out, rate)).toBe('resample me')
  }
  expect(resampleTo(src, 8000, 8000)).toBe(src)
})

test('encodes PCM16 and μ-law chunks; wav/* streams start with a header once per user stream', () => {
  const pcm = new CallerEncoder('raw/lpcm16_24')
  expect(pcm.samplesFor(20)).toBe(480)
  expect(base64ToBytes(pcm.encode(new Int16Array(480))).length).toBe(960)
  const mulaw = new CallerEncoder('raw/mulaw')
  expect(base64ToBytes(mulaw.encode(new Int16Array(160))).length).toBe(160)
  const wav = new CallerEncoder('wav/lpcm16')
  const first = base64ToBytes(wav.encode(new Int16Array(320)))
  expect(isWav(first)).toBe(true)
  expect(isWav(base64ToBytes(wav.encode(new Int16Array(320))))).toBe(false)
  wav.startStream()
  expect(isWav(base64ToBytes(wav.encode(new Int16Array(320))))).toBe(true)
})

test('rates outside the telephony ratios (espeak-ng 22.05 kHz, CD 44.1 kHz) still resample', () => {
  for (const from of [22050, 44100, 11025]) {
    const src = encodeText('odd rate', from)
    for (const to of [8000, 16000, 24000]) {
      const out = resampleTo(src, from, to)
      expect(out.length).toBe(Math.round((src.length * to) / from))
      expect(decodeText(out, to)).toBe('odd rate')
    }
  }
  expect(resampleAnyRate(new Int16Array(0), 22050, 8000)).toHaveLength(0)
})
