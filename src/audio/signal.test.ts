import { describe, expect, test } from 'bun:test'
import { BLACKMAN_HARRIS_GAIN, blackmanHarris, dbfs, goertzelPower, rms, silence, tone } from './signal'

describe('signal helpers', () => {
  test('tone has the right length, peak and RMS', () => {
    const t = tone(1000, 20, 8000, 0.5)
    expect(t.length).toBe(160)
    expect(t[0]).toBe(0)
    expect(t[2]).toBe(16384) // sin(π/2) at 1 kHz / 8 kHz, 0.5 × 32767 rounded
    expect(rms(t)).toBeCloseTo((0.5 * 32767) / Math.SQRT2, 0)
    expect(dbfs(t)).toBeCloseTo(-9.03, 1)
  })
  test('silence is zeros and −∞ dBFS', () => {
    const s = silence(10, 24000)
    expect(s.length).toBe(240)
    expect(s.every((v) => v === 0)).toBe(true)
    expect(dbfs(s)).toBe(-Infinity)
    expect(rms(new Int16Array(0))).toBe(0)
  })
  test('Goertzel gives the squared amplitude at the tone and little elsewhere', () => {
    const t = tone(1000, 100, 16000, 0.25)
    const a = 0.25 * 32767
    expect(Math.sqrt(goertzelPower(t, 1000, 16000)) / a).toBeCloseTo(1, 3)
    expect(Math.sqrt(goertzelPower(t, 1500, 16000)) / a).toBeLessThan(0.01)
    // Off-bin frequency, windowed: the window's coherent gain is the only correction needed.
    const off = tone(1234.5, 100, 16000, 0.25)
    expect(Math.sqrt(goertzelPower(blackmanHarris(off), 1234.5, 16000)) / BLACKMAN_HARRIS_GAIN / a).toBeCloseTo(1, 2)
    expect(goertzelPower(new Int16Array(0), 1000, 8000)).toBe(0)
  })
})
