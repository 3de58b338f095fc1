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

/** The business's call lines in `language`: overrides first, `{business}` filled, other placeholders left for later. */
export function callLinesFor(language: Language, business: string, wording: WordingLines | undefined): CallLines {
  // The same business gets the same lines on every call (and every lifecycle step asks): built once, shared, frozen.
  const byName = linesCache.get(wording ?? NO_WORDING) ?? new Map<string, CallLines>()
  linesCache.set(wording ?? NO_WORDING, byName)
  const key = `${language}\u0000${business}`
  let lines = byName.get(key)
  if (lines === undefined) byName.set(key, (lines = Object.freeze(buildCallLines(language, business, wording))))
  return lines
}

/** Keyed by the business version's wording object (a reload makes a new one; the old one's entry goes with it). */
const linesCache = new WeakMap<object, Map<string, CallLines>>()
const NO_WORDING = {}

function buildCallLines(language: Language, business: string, wording: WordingLines | undefined): CallLines {
  const base = packFor(language).call
  const out: Record<string, unknown> = { ...base }
  for (const [key, line] of Object.entries(OVERRIDES)) {
    const v = wording?.[key as keyof WordingLines]
    if (v !== undefined) out[line] = v
  }
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string') out[k] = fill(v, { business })
  return out as CallLines
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
