/**
 * @module call/spoken-line
 * A line the bot says on its own, with where its words came from. Provenance is part of the type so that whatever
 * handles a line — the phrase cache (issue 20: only lines with no personal data are kept and replayed), the prompt
 * (issue 13 item 18: caller text never becomes an instruction) — decides from the type, not by inspecting text.
 *
 * - `fixed`: the language pack's or the business file's wording, with only configuration filled in (the business
 *   name). The same for every caller: it may be cached, shared between calls and instances, and spoken verbatim.
 * - `personal`: built from what a caller said or from their saved state (slot read-backs, task summaries, a
 *   voicemail about their request). Never cached, never shared.
 *
 * Either kind goes into instructions (a scripted response's `Say exactly: "…"`, the task status block, a task update's
 * system note), so neither may hold the caller's free text: a personal line carries validated slot values only (dates,
 * times and services canonicalised, a number reduced to its digits). The caller's own words — transcripts, a left
 * message, a name, any free-text slot — are a {@link CallerText}: data for user items and function outputs, which no
 * instruction builder accepts. Task lines become SpokenLines in one place, the task runtime, which refuses a line
 * holding any of the caller words its task keeps (`callerWords` in agents/task-definition).
 */

export type SpokenLine = { readonly provenance: 'fixed'; readonly text: string } | { readonly provenance: 'personal'; readonly text: string }

/** Pack or business-file wording with no caller data (configuration only). */
export const fixedLine = (text: string): SpokenLine => ({ provenance: 'fixed', text })

/** A line that carries, or was built from, a caller's data. */
export const personalLine = (text: string): SpokenLine => ({ provenance: 'personal', text })

/** True only for lines that carry no caller data (what may be cached and replayed to other callers). */
export const isFixed = (line: SpokenLine): boolean => line.provenance === 'fixed'

declare const callerBrand: unique symbol

/** Words that came from the caller: data only (a user item, a function output), never an instruction. */
export type CallerText = string & { readonly [callerBrand]: true }

/** Any text but the caller's: what system notes and instructions take (a {@link CallerText} does not fit). */
export type NotCallerText = string & { readonly [callerBrand]?: never }

/** Marks words that came from the caller. */
export const callerText = (text: string): CallerText => text as CallerText
