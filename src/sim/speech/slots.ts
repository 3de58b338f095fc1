/**
 * @module sim/speech/slots
 * The speech demo's recognition score: for every caller line (heard by the emulated model) and every bot line a step
 * waited for (heard by the simulated caller), how many of its key words the recognizer got. The figure a run reports
 * is found / expected over all of them — key words, never whole transcripts (spec §4.2).
 */
import { keyWords, keysFound } from './text'

export type SlotSide = 'caller' | 'bot'

export type SlotRecord = {
  readonly side: SlotSide
  /** What was meant: the caller's written line, or the phrase a step waited for. */
  readonly expected: string
  /** What the recognizer returned (written form). */
  readonly heard: string
  readonly keys: readonly string[]
  readonly found: readonly string[]
}

export type SlotSummary = { readonly found: number; readonly total: number; readonly rate: number }

export function summarize(records: readonly SlotRecord[]): SlotSummary {
  const found = records.reduce((a, r) => a + r.found.length, 0)
  const total = records.reduce((a, r) => a + r.keys.length, 0)
  return { found, total, rate: total === 0 ? 1 : found / total }
}

export function slotRecord(side: SlotSide, expected: string, heard: string): SlotRecord {
  const keys = keyWords(expected)
  return { side, expected, heard, keys, found: keysFound(keys, heard) }
}

/** "27/28 (96.4 %)": rounded down, so a run just under a threshold never reads as meeting it. */
export function formatSummary(s: SlotSummary): string {
  return `${s.found}/${s.total} (${(Math.floor(s.rate * 1000) / 10).toFixed(1)} %)`
}
