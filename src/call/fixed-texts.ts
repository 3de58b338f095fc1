/**
 * @module call/fixed-texts
 * The fixed lines of a business (issue 20): what the bot may say with no caller data in it, the same for every
 * caller — its call lines (greeting, anything else, …), the pack's plain task questions in its language, and the
 * `ask` lines of the forms and look-ups its business file declares. The phrase cache keeps only these texts (the
 * rest of a configuration change is invalidated), a call prefetches them, and the task runtime marks a task's
 * question `fixed` only when it is one of them.
 */
import type { Business } from '../config/business/business'
import type { CallLines } from '../i18n/pack'
import { callLinesFor, type BusinessLines } from '../i18n/packs'

/** The pack lines the lifecycle always says as fixed lines (the closing only without task summaries). */
export const FIXED_CALL_LINES = ['greeting', 'anythingElse', 'stillThere', 'silenceGoodbye', 'timeLimit', 'transferring', 'transferFailed', 'shutdown', 'shutdownSaved', 'closing'] as const satisfies readonly (keyof CallLines)[]

/** The fixed lines of one business's call lines: the lifecycle's, then the pack's task questions. */
export const fixedTexts = (lines: BusinessLines): string[] => [...FIXED_CALL_LINES.map((k) => lines[k]), ...lines.questions]

/**
 * Every fixed text of a business: its call lines and pack questions, and its declared tasks' questions. Built once per
 * business version (a reload makes a new Business, and its entry here goes with the old one).
 */
export function businessFixedTexts(b: Business): ReadonlySet<string> {
  let texts = byBusiness.get(b)
  if (texts === undefined) {
    const declared = b.tasks.flatMap((t) => t.fields.map((f) => f.ask))
    byBusiness.set(b, (texts = new Set([...fixedTexts(callLinesFor(b.language, b.name, b.wording[b.language])), ...declared])))
  }
  return texts
}
const byBusiness = new WeakMap<Business, ReadonlySet<string>>()
