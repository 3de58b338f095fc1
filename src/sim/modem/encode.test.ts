import { describe, expect, test } from 'bun:test'
import { dbfs } from '../../audio/signal'
import { MS_PER_CHAR } from './code'
import { encodeText } from './encode'

const PARAGRAPH = "book an appointment for tomorrow at 10 am? yes, that's all i needed."

describe('encodeText', () => {
  test('encoding: 40 ms per character, speech-like level, silence between bursts', () => {
    for (const rate of [8000, 16000, 24000]) {
      const audio = encodeText(PARAGRAPH, rate)
      expect(audio.length).toBe((PARAGRAPH.length * MS_PER_CHAR * rate) / 1000)
      const level = dbfs(audio)
      expect(level).toBeGreaterThan(-20)
      expect(level).toBeLessThan(-10)
      let peak = 0
      for (const v of audio) peak = Math.max(peak, Math.abs(v))
      expect(peak / 32767).toBeGreaterThan(0.3)
      expect(peak / 32767).toBeLessThan(0.401)
      // Each character's last 12 ms are true zeros.
      const gap = audio.subarray(((MS_PER_CHAR - 12) * rate) / 1000, (MS_PER_CHAR * rate) / 1000)
      expect(gap.every((v) => v === 0)).toBe(true)
    }
    expect(encodeText('Hi', 8000)).toEqual(encodeText('hi', 8000))
    expect(encodeText('', 8000).length).toBe(0)
  })
})
