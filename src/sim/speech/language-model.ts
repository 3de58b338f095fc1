/**
 * @module sim/speech/language-model
 * A small domain language model for pocketsphinx, built from a corpus of sentences the way CMU's `lmtool` does for
 * small vocabularies: an ARPA back-off trigram model with absolute discounting, plus a pronunciation dictionary cut
 * down to the corpus words. The Debian en-us model's general 26 MB LM hears "book" as "but" and "10 AM" as "ten and"
 * (spec §4.2); a domain LM keeps the recognizer free to put the words in any order yet makes the domain's phrases
 * likely, which is what a booking line's recognizer would be tuned to in real life.
 *
 * Deterministic: the same corpus gives the same files byte for byte.
 */
import { spokenForm } from './text'

/** Absolute discount taken from every seen n-gram count and given to the back-off distribution. */
const DISCOUNT = 0.5
/** Add-α smoothing of unigrams, so no corpus word is impossible in a new context. */
const UNIGRAM_ALPHA = 0.5

type Counts = Map<string, number>

const log10 = (p: number) => (p <= 0 ? -99 : Math.log10(p))
const fmt = (x: number) => x.toFixed(4)

function bump(m: Counts, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1)
}

/** Sentences as spoken-form word lists (empty ones dropped). */
export function corpusSentences(corpus: readonly string[]): string[][] {
  return corpus.map((s) => spokenForm(s).split(' ').filter(Boolean)).filter((w) => w.length > 0)
}

/** The corpus vocabulary, sorted (without the sentence markers). */
export function vocabulary(corpus: readonly string[]): string[] {
  return [...new Set(corpusSentences(corpus).flat())].sort()
}

/**
 * The ARPA text of a back-off trigram model over `corpus` (written-form sentences, converted to spoken form). Words
 * the dictionary lacks must be removed by the caller first ({@link buildDictionary} reports them).
 */
export function buildArpa(corpus: readonly string[]): string {
  const sentences = corpusSentences(corpus).map((w) => ['<s>', ...w, '</s>'])
  const uni: Counts = new Map()
  const bi: Counts = new Map()
  const tri: Counts = new Map()
  for (const s of sentences) {
    for (let i = 0; i < s.length; i++) {
      if (i > 0) bump(uni, s[i]!) // <s> is never predicted
      if (i >= 1) bump(bi, `${s[i - 1]!} ${s[i]!}`)
      if (i >= 2) bump(tri, `${s[i - 2]!} ${s[i - 1]!} ${s[i]!}`)
    }
  }
  const words = [...uni.keys()].sort()
  const total = [...uni.values()].reduce((a, b) => a + b, 0)
  const p1 = new Map<string, number>()
  for (const w of words) p1.set(w, ((uni.get(w) ?? 0) + UNIGRAM_ALPHA) / (total + UNIGRAM_ALPHA * words.length))

  // Counts of each history, and the words seen after it.
  const histCount = (grams: Counts) => {
    const h = new Map<string, { count: number; next: string[] }>()
    for (const [g, c] of grams) {
      const cut = g.lastIndexOf(' ')
      const key = g.slice(0, cut)
      const e = h.get(key) ?? { count: 0, next: [] }
      e.count += c
      e.next.push(g.slice(cut + 1))
      h.set(key, e)
    }
    return h
  }
  const biHist = histCount(bi)
  const triHist = histCount(tri)

  const p2 = new Map<string, number>()
  for (const [g, c] of bi) p2.set(g, (c - DISCOUNT) / biHist.get(g.slice(0, g.lastIndexOf(' ')))!.count)
  const bow1 = new Map<string, number>()
  for (const [h, e] of biHist) {
    const left = (DISCOUNT * e.next.length) / e.count
    const lower = e.next.reduce((a, w) => a + (p1.get(w) ?? 0), 0)
    bow1.set(h, left / Math.max(1e-9, 1 - lower))
  }
  /** The bigram model's probability of `w` after `h`, backing off to unigrams. */
  const bigramP = (h: string, w: string) => p2.get(`${h} ${w}`) ?? (bow1.get(h) ?? 1) * (p1.get(w) ?? 0)
  const p3 = new Map<string, number>()
  for (const [g, c] of tri) p3.set(g, (c - DISCOUNT) / triHist.get(g.slice(0, g.lastIndexOf(' ')))!.count)
  const bow2 = new Map<string, number>()
  for (const [h, e] of triHist) {
    const last = h.slice(h.indexOf(' ') + 1)
    const left = (DISCOUNT * e.next.length) / e.count
    const lower = e.next.reduce((a, w) => a + bigramP(last, w), 0)
    bow2.set(h, left / Math.max(1e-9, 1 - lower))
  }

  const lines: string[] = ['\\data\\', `ngram 1=${words.length + 1}`, `ngram 2=${bi.size}`, `ngram 3=${tri.size}`, '', '\\1-grams:']
  lines.push(`-99.0000 <s> ${fmt(log10(bow1.get('<s>') ?? 1))}`)
  for (const w of words) lines.push(`${fmt(log10(p1.get(w)!))} ${w}${w === '</s>' ? '' : ` ${fmt(log10(bow1.get(w) ?? 1))}`}`)
  lines.push('', '\\2-grams:')
  for (const g of [...bi.keys()].sort()) lines.push(`${fmt(log10(p2.get(g)!))} ${g}${g.endsWith(' </s>') ? '' : ` ${fmt(log10(bow2.get(g) ?? 1))}`}`)
  lines.push('', '\\3-grams:')
  for (const g of [...tri.keys()].sort()) lines.push(`${fmt(log10(p3.get(g)!))} ${g}`)
  lines.push('', '\\end\\', '')
  return lines.join('\n')
}

/** A CMU dictionary's entries as word → pronunciations ("am" → ["AE M", "EY EH M"]). */
export function parseDictionary(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const m = /^(\S+?)(?:\(\d+\))?\s+(.+)$/.exec(line.trim())
    if (!m) continue
    const list = out.get(m[1]!) ?? []
    list.push(m[2]!.trim())
    out.set(m[1]!, list)
  }
  return out
}

/** The dictionary cut down to `words`, in pocketsphinx's format, and the words it has no pronunciation for. */
export function buildDictionary(words: readonly string[], full: ReadonlyMap<string, readonly string[]>): { text: string; missing: string[] } {
  const lines: string[] = []
  const missing: string[] = []
  for (const w of words) {
    const prons = full.get(w)
    if (!prons) {
      missing.push(w)
      continue
    }
    prons.forEach((p, i) => lines.push(`${i === 0 ? w : `${w}(${i + 1})`} ${p}`))
  }
  return { text: lines.join('\n') + '\n', missing }
}
