/**
 * @module i18n/spoken-time
 * German and Spanish clock phrases rewritten into the English forms the time grammar (agents/domain/when) reads:
 * "um halb 11" → "10:30", "viertel nach 2" → "quarter past 2", "a las 10 y media" → "half past 10",
 * "10 Uhr abends" → "10 pm". Pure word rewriting: the grammar stays one.
 */
import type { Language } from './languages'

const DE_NUMBERS: Readonly<Record<string, number>> = { eins: 1, ein: 1, eine: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10, elf: 11, zwölf: 12 }
const ES_NUMBERS: Readonly<Record<string, number>> = { una: 1, uno: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10, once: 11, doce: 12 }

const numbers = (t: string, table: Readonly<Record<string, number>>) => t.replace(/[a-zäöüßñ]+/g, (w) => (table[w] === undefined ? w : String(table[w])))

export function toEnglishTime(text: string, lang: Language | undefined): string {
  const t = text.toLowerCase().replace(/[.,!?¿¡]/g, ' ').replace(/\s+/g, ' ').trim()
  if (lang === 'de') {
    return numbers(t, DE_NUMBERS)
      .replace(/\bhalb (\d{1,2})\b/, (_m, h: string) => `${(Number(h) + 11) % 12 || 12}:30`)
      .replace(/\bviertel nach (\d{1,2})\b/, 'quarter past $1')
      .replace(/\bviertel vor (\d{1,2})\b/, 'quarter to $1')
      .replace(/\b(\d{1,2}) uhr (\d{1,2})\b/, '$1:$2')
      .replace(/\b(morgens|vormittags|früh)\b/, 'am')
      .replace(/\b(nachmittags|abends|am nachmittag|am abend)\b/, 'pm')
      .replace(/\bmittags\b/, 'noon')
      .replace(/^(um|gegen|so um|etwa um|vielleicht) /, 'at ')
      .replace(/\buhr\b/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  }
  if (lang === 'es') {
    return numbers(t, ES_NUMBERS)
      .replace(/^(a las|a la|sobre las|hacia las|las|la) /, 'at ')
      .replace(/\b(\d{1,2}) y media\b/, 'half past $1')
      .replace(/\b(\d{1,2}) y cuarto\b/, 'quarter past $1')
      .replace(/\b(\d{1,2}) menos cuarto\b/, 'quarter to $1')
      .replace(/\b(de la mañana|por la mañana)\b/, 'am')
      .replace(/\b(de la tarde|por la tarde|de la noche|por la noche)\b/, 'pm')
      .replace(/\b(en punto|horas)\b/g, '')
      .replace(/\bmediodía\b/, 'noon')
      .replace(/\s+/g, ' ')
      .trim()
  }
  return text
}
