/**
 * @module i18n/packs
 * The shipped packs by language, and the call lines of one business: its pack with the business file's wording
 * overrides applied and `{business}` filled in.
 */
import type { Language } from './languages'
import { fill, type CallLines, type LanguagePack, type TaskWords } from './pack'
import { en } from './packs/en'
import { de } from './packs/de'
import { es } from './packs/es'
import type { WordingLines } from '../config/business/sections/wording'

export const PACKS: { readonly [L in Language]: LanguagePack } = { en, de, es }

export const packFor = (language: Language): LanguagePack => PACKS[language]

/**
 * What task `kind` is called in `language`: the pack's words for it, else `fallback` (a task whose pack entry is not
 * written yet keeps its definition's English words).
 */
export function taskWordsIn(language: Language | undefined, kind: string, fallback: TaskWords): TaskWords {
  const names: Readonly<Record<string, TaskWords | undefined>> = packFor(language ?? 'en').tasks
  return names[kind] ?? fallback
}

/** Which pack line each wording key of the business file overrides. */
const OVERRIDES = {
  greeting: 'greeting',
  anything_else: 'anythingElse',
  closing: 'closing',
  closing_done: 'closingDone',
  welcome_back: 'welcomeBack',
  sms_dropped: 'smsDropped',
  sms_silence: 'smsSilence',
  sms_no_call: 'smsNoCall',
} as const satisfies { readonly [K in keyof Required<WordingLines>]: keyof CallLines }

/**
 * The task questions of a pack that are plain text, the same for every caller ('What time would you like?'): a task
 * asking one of these with nothing before it asks a fixed line (the phrase cache may keep and replay it). Questions
 * built from state (a problem first, offered slots, a read-back) are not here.
 */
export function taskQuestions(language: Language): readonly string[] {
  const p = packFor(language)
  return QUESTIONS[language] ??= Object.freeze([p.booking.askDate, p.booking.askTime, p.reschedule.askDate, p.availability.askDate, p.message.askName, p.message.askMessage, p.message.askNumber, p.forms.whatToChange])
}
const QUESTIONS: { [L in Language]?: readonly string[] } = {}

/** A business's call lines, and the pack's fixed task questions in its language ({@link taskQuestions}). */
export type BusinessLines = CallLines & { readonly questions: readonly string[] }

/** The business's call lines in `language`: overrides first, `{business}` filled, other placeholders left for later. */
export function callLinesFor(language: Language, business: string, wording: WordingLines | undefined): BusinessLines {
  // The same business gets the same lines on every call (and every lifecycle step asks): built once, shared, frozen.
  const byName = linesCache.get(wording ?? NO_WORDING) ?? new Map<string, BusinessLines>()
  linesCache.set(wording ?? NO_WORDING, byName)
  const key = `${language}\u0000${business}`
  let lines = byName.get(key)
  if (lines === undefined) byName.set(key, (lines = Object.freeze(buildCallLines(language, business, wording))))
  return lines
}

/** Keyed by the business version's wording object (a reload makes a new one; the old one's entry goes with it). */
const linesCache = new WeakMap<object, Map<string, BusinessLines>>()
const NO_WORDING = {}

function buildCallLines(language: Language, business: string, wording: WordingLines | undefined): BusinessLines {
  const base = packFor(language).call
  const out: Record<string, unknown> = { ...base }
  for (const [key, line] of Object.entries(OVERRIDES)) {
    const v = wording?.[key as keyof WordingLines]
    if (v !== undefined) out[line] = v
  }
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string') out[k] = fill(v, { business })
  return { ...(out as CallLines), questions: taskQuestions(language) }
}

/** "I'm glad I could help. Your appointment is confirmed …" — each summary a sentence without its final period. */
export function closingText(lines: CallLines, summaries: readonly string[]): string {
  if (summaries.length === 0) return lines.closing
  return fill(lines.closingDone, { summary: sentences(summaries) })
}

export function welcomeBackText(lines: CallLines, summaries: readonly string[], and: string): string {
  return fill(lines.welcomeBack, { what: summaries.length === 0 ? lines.somethingOpen : summaries.join(`, ${and} `) })
}

export function welcomeBackDoneText(lines: CallLines, summaries: readonly string[]): string {
  return fill(lines.welcomeBackDone, { summary: sentences(summaries) })
}

const sentences = (summaries: readonly string[]) => summaries.map((s) => s.trim().replace(/[.!]+$/, '') + '.').join(' ')
