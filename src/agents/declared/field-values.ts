/**
 * @module agents/declared/field-values
 * What a caller said for one declared field → the value submitted (and how the bot reads it back), or the reason it
 * does not fit, worded for the model to re-ask with. Pure: dates and times are read relative to the event's `at` in
 * the business's zone, in the call's language (chrono through agents/domain/when), the caller's own number comes in
 * with the context.
 */
import type { DeclaredField } from '../../config/business/business'
import type { Language } from '../../i18n/languages'
import { packFor } from '../../i18n/packs'
import { parseDate, parseTime } from '../domain/when'

export type FieldValue = string | number | boolean

export type Parsed = { readonly ok: true; readonly value: FieldValue } | { readonly ok: false; readonly reason: string }

export type FieldEnv = { readonly now: number; readonly tz: string; readonly lang: Language; readonly caller?: string | undefined }

const E164 = /^\+[1-9]\d{6,14}$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i

/** Lowercase, accents kept, punctuation at the ends dropped. */
const fold = (s: string) => s.trim().toLowerCase().replace(/^[\s"'.,!?¿¡]+|[\s"'.,!?¿¡]+$/g, '').replace(/\s+/g, ' ')
const hasWord = (text: string, words: readonly string[]) => words.some((w) => new RegExp(`(^|[^\\p{L}])${escape(w)}($|[^\\p{L}])`, 'u').test(text))
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Whether the caller declined an optional field ("skip", "none"). */
export function isSkip(raw: FieldValue, lang: Language): boolean {
  return typeof raw === 'string' && hasWord(fold(raw), packFor(lang).forms.words.skip)
}

export function parseField(f: DeclaredField, raw: FieldValue, env: FieldEnv): Parsed {
  const t = packFor(env.lang).forms
  const bad = (reason: string): Parsed => ({ ok: false, reason })
  const text = typeof raw === 'string' ? raw.trim() : String(raw)
  if (f.type !== 'yes_no' && text === '') return bad(t.invalid.required(f.label))
  switch (f.type) {
    case 'text': {
      const v = text.replace(/\s+/g, ' ')
      if (v.length < f.minLength) return bad(t.invalid.tooShort(f.label, f.minLength))
      if (v.length > f.maxLength) return bad(t.invalid.tooLong(f.label, f.maxLength))
      return { ok: true, value: v }
    }
    case 'date': {
      const r = parseDate(text, env.now, env.tz, undefined, env.lang)
      return r.ok ? { ok: true, value: r.date } : bad(t.invalid.date(f.label))
    }
    case 'time': {
      const r = parseTime(text, undefined, env.lang)
      return r.ok ? { ok: true, value: `${String(Math.floor(r.minutes / 60)).padStart(2, '0')}:${String(r.minutes % 60).padStart(2, '0')}` } : bad(t.invalid.time(f.label))
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : readNumber(text)
      if (n === undefined || !Number.isFinite(n)) return bad(t.invalid.number(f.label))
      if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) return bad(t.invalid.range(f.label, String(f.min ?? '−∞'), String(f.max ?? '∞')))
      return { ok: true, value: n }
    }
    case 'phone': {
      const folded = fold(text)
      if (env.caller !== undefined && (hasWord(folded, t.words.ownNumber) || hasWord(folded, t.words.yes))) return { ok: true, value: env.caller }
      let digits = text.replace(/[\s().\-/]/g, '')
      if (digits.startsWith('00')) digits = '+' + digits.slice(2)
      return E164.test(digits) ? { ok: true, value: digits } : bad(t.invalid.phone)
    }
    case 'email': {
      // Spoken addresses: "anna dot keller at example dot com".
      let v = ` ${text.toLowerCase()} `
      for (const w of t.words.at) v = v.replace(new RegExp(`\\s${escape(w)}\\s`, 'gu'), '@')
      for (const w of t.words.dot) v = v.replace(new RegExp(`\\s${escape(w)}\\s`, 'gu'), '.')
      v = v.replace(/\s+/g, '').replace(/\.$/, '')
      return EMAIL.test(v) && v.length <= 254 ? { ok: true, value: v } : bad(t.invalid.email)
    }
    case 'choice': {
      const said = fold(text)
      const exact = f.options.find((o) => o.words.some((w) => fold(w) === said))
      const within = exact ?? (() => {
        const hits = f.options.filter((o) => o.words.some((w) => hasWord(said, [fold(w)])))
        return hits.length === 1 ? hits[0] : undefined
      })()
      return within ? { ok: true, value: within.value } : bad(t.invalid.choice(f.options.map((o) => o.value).join(', ')))
    }
    case 'yes_no': {
      if (typeof raw === 'boolean') return { ok: true, value: raw }
      const said = fold(text)
      const yes = hasWord(said, t.words.yes)
      const no = hasWord(said, t.words.no)
      return yes !== no ? { ok: true, value: yes } : bad(t.invalid.yesNo)
    }
  }
}

/** How the bot reads a value back ("May 3, 1980", "2:30 PM", "yes"). */
export function spokenValue(f: DeclaredField, value: FieldValue, lang: Language): string {
  const p = packFor(lang)
  if (f.type === 'yes_no') return value === true ? p.forms.yesWord : p.forms.noWord
  if (f.type === 'date' && typeof value === 'string') {
    return new Intl.DateTimeFormat(p.dates.locale, { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' }).format(new Date(`${value}T12:00:00Z`))
  }
  if (f.type === 'time' && typeof value === 'string') {
    const [h, m] = value.split(':').map(Number)
    return p.dates.clock((h ?? 0) * 60 + (m ?? 0))
  }
  if (f.type === 'number' && typeof value === 'number') return new Intl.NumberFormat(p.dates.locale).format(value)
  return String(value)
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  null: 0, eins: 1, ein: 1, eine: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10,
  cero: 0, uno: 1, una: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10,
}

/** "3", "3.5", "3,5", "three": digits first, then a single number word. */
function readNumber(text: string): number | undefined {
  const m = /-?\d+(?:[.,]\d+)?/.exec(text)
  if (m) return Number(m[0].replace(',', '.'))
  const w = fold(text).split(' ').find((x) => x in NUMBER_WORDS)
  return w === undefined ? undefined : NUMBER_WORDS[w]
}
