import { describe, expect, test } from 'bun:test'
import { FORMAT_PREFERENCE, chooseFormat, describeFormat, isAcMediaFormat, relayPlan } from './formats'

describe('AudioCodes media formats', () => {
  test('describes each format; plain lpcm16 is 16 kHz', () => {
    expect(describeFormat('raw/lpcm16')).toEqual({ encoding: 'pcm16', rate: 16000, container: 'raw', bytesPerMs: 32 })
    expect(describeFormat('raw/lpcm16_24')).toEqual({ encoding: 'pcm16', rate: 24000, container: 'raw', bytesPerMs: 48 })
    expect(describeFormat('raw/lpcm16_8')).toEqual({ encoding: 'pcm16', rate: 8000, container: 'raw', bytesPerMs: 16 })
    expect(describeFormat('wav/mulaw')).toEqual({ encoding: 'mulaw', rate: 8000, container: 'wav', bytesPerMs: 8 })
    for (const f of FORMAT_PREFERENCE) {
      const d = describeFormat(f)
      expect(d.bytesPerMs).toBe((d.rate / 1000) * (d.encoding === 'mulaw' ? 1 : 2))
    }
  })
  test('recognises exactly the eight names', () => {
    expect(FORMAT_PREFERENCE).toHaveLength(8)
    expect(FORMAT_PREFERENCE.every(isAcMediaFormat)).toBe(true)
    expect(isAcMediaFormat('raw/LPCM16')).toBe(false)
    expect(isAcMediaFormat('raw/lpcm16_48')).toBe(false)
    expect(isAcMediaFormat('toString')).toBe(false)
  })
  test('passthrough only where OpenAI speaks the same format', () => {
    expect(relayPlan('raw/lpcm16_24')).toEqual({ openai: { type: 'audio/pcm', rate: 24000 }, passthrough: true })
    expect(relayPlan('raw/mulaw')).toEqual({ openai: { type: 'audio/pcmu' }, passthrough: true })
    expect(relayPlan('wav/mulaw')).toEqual({ openai: { type: 'audio/pcmu' }, passthrough: false })
    for (const f of ['raw/lpcm16', 'raw/lpcm16_8', 'wav/lpcm16_24', 'wav/lpcm16', 'wav/lpcm16_8'] as const) {
      expect(relayPlan(f)).toEqual({ openai: { type: 'audio/pcm', rate: 24000 }, passthrough: false })
    }
  })
  test('chooses the best offered format, ignoring unknown names and case variants', () => {
    expect(chooseFormat(['raw/lpcm16_8', 'raw/mulaw', 'raw/lpcm16'])).toBe('raw/mulaw')
    expect(chooseFormat(['wav/lpcm16_8', 'raw/lpcm16_8'])).toBe('raw/lpcm16_8')
    expect(chooseFormat(['opus', 'RAW/LPCM16_24', 'wav/lpcm16'])).toBe('wav/lpcm16')
    expect(chooseFormat([...FORMAT_PREFERENCE].reverse())).toBe('raw/lpcm16_24')
    expect(chooseFormat(['opus', 'raw/g729'])).toBeUndefined()
    expect(chooseFormat([])).toBeUndefined()
  })
})
