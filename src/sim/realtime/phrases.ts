/**
 * @module sim/realtime/phrases
 * Finds the date and time phrases a caller says ("tomorrow", "next monday", "march 5th", "10 am", "half past two",
 * "noon"; in German "morgen", "um 10 uhr", "halb 11"; in Spanish "mañana", "a las 10", "las 10 y media") and returns
 * them as said, lowercased — the booking tools take phrases and the product parses them, so the brain must not
 * normalise them into dates the way a model might not either.
 */
import type { Language } from '../../i18n/languages'

const WEEKDAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)'
const MONTH =
  '(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)'
const ORD = '(?:\\d{1,2}(?:st|nd|rd|th)?)'
const NUM_WORD = '(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)'
const HOUR = `(?:\\d{1,2}|${NUM_WORD})`
const MERIDIEM = '(?:am|pm|in the morning|in the afternoon|in the evening)'

const DATE_PATTERNS: readonly RegExp[] = [
  /\bthe day after tomorrow\b/,
  /\bday after tomorrow\b/,
  /\b(?:today|tomorrow|tonight)\b/,
  new RegExp(`\\b(?:next|this|coming) (?:${WEEKDAY}|week)\\b`),
  new RegExp(`\\b${MONTH} ${ORD}\\b`),
  new RegExp(`\\b(?:the )?${ORD} of ${MONTH}\\b`),
  /\b\d{4}-\d{2}-\d{2}\b/,
  new RegExp(`\\b${WEEKDAY}\\b`),
  /\bthe \d{1,2}(?:st|nd|rd|th)\b/,
]

const TIME_PATTERNS: readonly RegExp[] = [
  /\b(?:noon|midday|midnight)\b/,
  new RegExp(`\\b(?:half past|quarter past|quarter to) ${HOUR}(?: ${MERIDIEM})?\\b`),
  new RegExp(`\\b${HOUR}(?::\\d{2})? ?${MERIDIEM}(?![a-z])`),
  /\b\d{1,2}:\d{2}\b/,
  new RegExp(`\\b${HOUR} o'?clock\\b`),
  new RegExp(`\\b${HOUR} (?:thirty|fifteen|forty[- ]five)\\b`),
  /(?<=\bat )\d{1,2}\b(?!:|\d| ?(?:st|nd|rd|th)\b)/,
]

/** A whole word or phrase, for letters `\b` does not know (ü, ñ …): not inside a longer word. */
export const words = (alternatives: string): RegExp => new RegExp(`(?<![\\p{L}\\d])(?:${alternatives})(?![\\p{L}\\d])`, 'u')

const DE_WEEKDAY = '(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)'
const DE_MONTH = '(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember)'
const DE_HOUR = '(?:\\d{1,2}|eins|ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf)'
const ES_WEEKDAY = '(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo)'
const ES_MONTH = '(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)'
const ES_HOUR = '(?:\\d{1,2}|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce)'

const LOCAL_DATES: Readonly<Record<'de' | 'es', readonly RegExp[]>> = {
  de: [
    words('übermorgen'),
    words('heute|morgen'),
    words(`(?:nächsten|nächste|kommenden|diesen) ${DE_WEEKDAY}`),
    words(`(?:am )?\\d{1,2}\\.? ${DE_MONTH}`),
    words(DE_WEEKDAY),
  ],
  es: [
    words('pasado mañana'),
    words('hoy|(?<!la )mañana'),
    words(`(?:el )?${ES_WEEKDAY} (?:que viene|próximo)`),
    words(`(?:el )?\\d{1,2} de ${ES_MONTH}`),
    words(`(?:el )?${ES_WEEKDAY}`),
  ],
}

const LOCAL_TIMES: Readonly<Record<'de' | 'es', readonly RegExp[]>> = {
  de: [
    words(`(?:um )?(?:halb|viertel nach|viertel vor) ${DE_HOUR}`),
    words(`(?:um )?${DE_HOUR}(?::\\d{2})? uhr(?: \\d{1,2})?(?: (?:morgens|vormittags|nachmittags|abends))?`),
    words('\\d{1,2}:\\d{2}'),
    words(`um ${DE_HOUR}`),
    words('mittags'),
  ],
  es: [
    words(`(?:a )?las ${ES_HOUR}(?::\\d{2})?(?: y media| y cuarto| menos cuarto)?(?: de la mañana| de la tarde| de la noche| en punto)?`),
    words(`(?:a )?la una(?: y media| y cuarto| menos cuarto)?`),
    words('\\d{1,2}:\\d{2}'),
    words('mediodía'),
  ],
}

/** Lowercases and folds the spellings a transcript may use ("a.m.", "10AM", curly quotes); keeps ä ö ü ß ñ á … */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\ba\.m\.?/g, 'am')
    .replace(/\bp\.m\.?/g, 'pm')
    .replace(/(\d)(am|pm)\b/g, '$1 $2')
    .replace(/[^a-z0-9äöüßñáéíóú:' -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

function first(patterns: readonly RegExp[], text: string): string | undefined {
  const t = normalize(text)
  for (const p of patterns) {
    const m = p.exec(t)
    if (m) return m[0].trim()
  }
  return undefined
}

/** The day the caller named, in `lang` (default English). */
export const findDate = (text: string, lang: Language = 'en'): string | undefined => first(lang === 'en' ? DATE_PATTERNS : LOCAL_DATES[lang], text)
/** The time the caller named, in `lang` (default English). */
export const findTime = (text: string, lang: Language = 'en'): string | undefined => first(lang === 'en' ? TIME_PATTERNS : LOCAL_TIMES[lang], text)
