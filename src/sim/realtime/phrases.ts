/**
 * @module sim/realtime/phrases
 * Finds the date and time phrases a caller says ("tomorrow", "next monday", "march 5th", "10 am", "half past two",
 * "noon") and returns them as said, lowercased — the booking tools take phrases and the product parses them, so the
 * brain must not normalise them into dates the way a model might not either.
 */

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

/** Lowercases and folds the spellings a transcript may use ("a.m.", "10AM", curly quotes). */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\ba\.m\.?/g, 'am')
    .replace(/\bp\.m\.?/g, 'pm')
    .replace(/(\d)(am|pm)\b/g, '$1 $2')
    .replace(/[^a-z0-9:' -]+/g, ' ')
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

export const findDate = (text: string): string | undefined => first(DATE_PATTERNS, text)
export const findTime = (text: string): string | undefined => first(TIME_PATTERNS, text)
