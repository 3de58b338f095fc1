import { describe, expect, test } from 'bun:test'
import { buildArpa, buildDictionary, parseDictionary, vocabulary } from './language-model'
import { BOT_CORPUS, CALLER_CORPUS } from './corpus'

/** The ARPA sections as maps of n-gram → [log10 p, back-off]. */
function parseArpa(text: string): Map<string, [number, number]>[] {
  const sections: Map<string, [number, number]>[] = [new Map(), new Map(), new Map()]
  let n = 0
  for (const line of text.split('\n')) {
    const h = /^\\(\d)-grams:$/.exec(line)
    if (h) {
      n = Number(h[1])
      continue
    }
    if (n === 0 || line.trim() === '' || line.startsWith('\\')) continue
    const f = line.split(' ')
    const words = f.slice(1, 1 + n).join(' ')
    sections[n - 1]!.set(words, [Number(f[0]), f.length > n + 1 ? Number(f[n + 1]) : 0])
  }
  return sections
}

describe('domain language model', () => {
  const corpus = ['Book for tomorrow at 10 AM?', 'Book for Friday at 2 PM?', 'Appointment booked.']
  test('header counts match the sections, and the text is deterministic', () => {
    const arpa = buildArpa(corpus)
    const [uni, bi, tri] = parseArpa(arpa)
    expect(arpa).toContain(`ngram 1=${uni!.size}`)
    expect(arpa).toContain(`ngram 2=${bi!.size}`)
    expect(arpa).toContain(`ngram 3=${tri!.size}`)
    expect(arpa.trimEnd().endsWith('\\end\\')).toBe(true)
    expect(buildArpa(corpus)).toBe(arpa)
    expect(uni!.has('ten') && uni!.has('am') && uni!.has('<s>') && uni!.has('</s>')).toBe(true)
  })
  test('every history’s distribution sums to 1 (seen n-grams plus the backed-off rest)', () => {
    const [uni, bi] = parseArpa(buildArpa(corpus))
    const p1 = (w: string) => 10 ** uni!.get(w)![0]
    const words = [...uni!.keys()].filter((w) => w !== '<s>')
    expect(words.reduce((a, w) => a + p1(w), 0)).toBeCloseTo(1, 3)
    for (const h of ['<s>', 'book', 'for', 'at']) {
      const bow = 10 ** uni!.get(h)![1]
      const total = words.reduce((a, w) => a + (bi!.has(`${h} ${w}`) ? 10 ** bi!.get(`${h} ${w}`)![0] : bow * p1(w)), 0)
      expect(total).toBeCloseTo(1, 3)
    }
  })
  test('the dictionary keeps every pronunciation of the words asked for and names the missing ones', () => {
    const full = parseDictionary('am AE M\nam(2) EY EH M\nbook B UH K\nzebra Z IY B R AH\n')
    const d = buildDictionary(['am', 'book', 'fastagent'], full)
    expect(d.text).toBe('am AE M\nam(2) EY EH M\nbook B UH K\n')
    expect(d.missing).toEqual(['fastagent'])
  })
  test('the corpora are in spoken form with a vocabulary the size of a small domain', () => {
    for (const c of [CALLER_CORPUS, BOT_CORPUS]) {
      const v = vocabulary(c)
      expect(v.length).toBeGreaterThan(50)
      expect(v.length).toBeLessThan(200)
      expect(v.every((w) => /^[a-z']+$/.test(w))).toBe(true)
    }
  })
})
