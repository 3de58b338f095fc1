import { describe, expect, test } from 'bun:test'
import { mulawDecode, mulawEncode } from '../../audio/mulaw'
import { createResampler } from '../../audio/resampler'
import { dbfs, silence } from '../../audio/signal'
import { createConverter } from '../../audio/transcoder'
import { base64ToPcm16, pcm16ToBase64 } from '../../audio/pcm'
import { ALPHABET, normalizeText } from './code'
import { createDecoder, decodeText } from './decode'
import { encodeText } from './encode'
import { mulberry32 as prng } from '../prng'

const PARAGRAPH = "book an appointment for tomorrow at 10 am? yes, that's all i needed."
/** German and Spanish: the characters added to the alphabet, in words. */
const FOREIGN = '¿reservo la cita para mañana a las 10? ¡sí! schön, grüße aus köln, ja, das ist alles. qué día, menú, aquí'

/** Every character, including repeats and the ones with the closest tones, in one utterance. */
const EVERYTHING = `${ALPHABET} zz 00 ... ${[...ALPHABET].reverse().join('')}`
const TAIL_MS = 60 // the caller's pause after speaking; lets filter delay flush the last burst

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

function speak(text: string, rate: number): Int16Array {
  return concat(encodeText(text, rate), silence(TAIL_MS, rate))
}

function resample(x: Int16Array, from: number, to: number): Int16Array {
  return createResampler(from, to).process(x)
}


/** Character errors (Levenshtein distance), so a failure says how bad it is. */
function errors(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]!
}

describe('tone modem', () => {
  test('round trip at 8, 16 and 24 kHz: 0 character errors', () => {
    for (const rate of [8000, 16000, 24000]) {
      expect(errors(decodeText(speak(PARAGRAPH, rate), rate), PARAGRAPH)).toBe(0)
      expect(decodeText(speak(EVERYTHING, rate), rate)).toBe(EVERYTHING)
      expect(decodeText(speak(FOREIGN, rate), rate)).toBe(FOREIGN)
    }
  })

  test('through G.711 μ-law at 8 kHz', () => {
    for (const text of [PARAGRAPH, FOREIGN, EVERYTHING]) {
      const audio = mulawDecode(mulawEncode(speak(text, 8000)))
      expect(errors(decodeText(audio, 8000), text)).toBe(0)
    }
  })

  test('through the resampler in every direction, and 24k→8k→24k, and the μ-law relay path', () => {
    const cases: [string, (t: string) => [Int16Array, number]][] = [
      ['24k→16k', (t) => [resample(speak(t, 24000), 24000, 16000), 16000]],
      ['16k→24k', (t) => [resample(speak(t, 16000), 16000, 24000), 24000]],
      ['24k→8k', (t) => [resample(speak(t, 24000), 24000, 8000), 8000]],
      ['8k→24k', (t) => [resample(speak(t, 8000), 8000, 24000), 24000]],
      ['8k→16k', (t) => [resample(speak(t, 8000), 8000, 16000), 16000]],
      ['16k→8k', (t) => [resample(speak(t, 16000), 16000, 8000), 8000]],
      ['24k→8k→24k', (t) => [resample(resample(speak(t, 24000), 24000, 8000), 8000, 24000), 24000]],
      ['24k→μ-law 8k→24k', (t) => [resample(mulawDecode(mulawEncode(resample(speak(t, 24000), 24000, 8000))), 8000, 24000), 24000]],
    ]
    for (const [, path] of cases) {
      for (const text of [PARAGRAPH, FOREIGN, EVERYTHING]) {
        const [audio, rate] = path(text)
        expect(errors(decodeText(audio, rate), text)).toBe(0)
      }
    }
  })

  test('through the real converters in 20 ms frames (caller μ-law → OpenAI PCM 24k → caller PCM 8k)', () => {
    const toOpenAi = createConverter({ encoding: 'mulaw', rate: 8000 }, { encoding: 'pcm16', rate: 24000 })
    const toCaller = createConverter({ encoding: 'pcm16', rate: 24000 }, { encoding: 'pcm16', rate: 8000 })
    const mu = mulawEncode(speak(PARAGRAPH, 8000))
    const decoder = createDecoder(8000)
    for (let at = 0; at < mu.length; at += 160) {
      const pcm24 = toOpenAi.convert(Buffer.from(mu.subarray(at, at + 160)).toString('base64'))
      decoder.push(base64ToPcm16(toCaller.convert(pcm24)))
    }
    decoder.flush()
    expect(decoder.text()).toBe(PARAGRAPH)
    expect(pcm16ToBase64(new Int16Array(0))).toBe('')
  })

  test('small amplitude changes do not matter', () => {
    for (const gain of [0.3, 0.6, 1.5, 2.2]) {
      const audio = speak(EVERYTHING, 16000).map((v) => Math.max(-32768, Math.min(32767, Math.round(v * gain))))
      expect(errors(decodeText(audio, 16000), EVERYTHING)).toBe(0)
    }
  })

  test('steady background noise 13 dB below the tones does not matter', () => {
    const rnd = prng(9)
    for (const rate of [8000, 24000]) {
      const noisy = concat(silence(300, rate), speak(EVERYTHING, rate)).map((v) => v + Math.round((rnd() - 0.5) * 2 * 1500 * Math.sqrt(3)))
      expect(dbfs(noisy.subarray(0, rate / 10))).toBeCloseTo(-26.8, 0) // noise alone: RMS 1500
      expect(errors(decodeText(noisy, rate), EVERYTHING)).toBe(0)
    }
  })

  test('streaming decode in random chunks equals one-shot decode', () => {
    const rnd = prng(42)
    for (const rate of [8000, 16000, 24000]) {
      const audio = resample(speak(EVERYTHING, 24000), 24000, rate)
      const oneShot = decodeText(audio, rate)
      expect(oneShot).toBe(EVERYTHING)
      const d = createDecoder(rate)
      for (let at = 0; at < audio.length; ) {
        const n = Math.floor(rnd() * 500)
        d.push(audio.subarray(at, at + n))
        at += n
      }
      d.flush()
      expect(d.text()).toBe(oneShot)
    }
  })

  test('utterances separated by silence decode in order, one separator between them', () => {
    const words = ['hello', 'i would like to book a table', 'for 2 people, please!', 'thanks']
    const rate = 24000
    const audio = concat(...words.flatMap((w) => [encodeText(w, rate), silence(400, rate)]))
    expect(decodeText(audio, rate)).toBe(words.join(' '))
    expect(decodeText(audio, rate, { separator: '|' })).toBe(words.join('|'))
    expect(decodeText(audio, rate, { separator: '' })).toBe(words.join(''))
  })

  test('take() hands over each utterance as it is heard', () => {
    const rate = 16000
    const d = createDecoder(rate)
    const got: string[] = []
    for (const w of ['yes', 'no', 'maybe later']) {
      d.push(encodeText(w, rate))
      d.push(silence(300, rate))
      got.push(d.take())
    }
    expect(got).toEqual(['yes', 'no', 'maybe later'])
    expect(d.text()).toBe('')
  })

  test('silence, noise and long tones decode to nothing', () => {
    const rate = 8000
    expect(decodeText(silence(1000, rate), rate)).toBe('')
    const rnd = prng(3)
    const noise = Int16Array.from({ length: rate }, () => Math.round((rnd() - 0.5) * 20000))
    expect(decodeText(noise, rate)).toBe('')
    const held = Int16Array.from({ length: rate }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 600 * i) / rate)))
    expect(decodeText(held, rate)).toBe('')
  })

  test('decoded text is exactly the normalised input', () => {
    const text = 'Hello, Wörld!  It’s 9:30 — OK?'
    expect(decodeText(speak(text, 16000), 16000)).toBe(normalizeText(text))
  })
})
