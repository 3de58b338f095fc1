/**
 * @module realtime/instructions
 * The system prompt: who we are, what time it is in the business's zone, opening hours, how tasks work, and the
 * live status of open tasks (re-sent whenever a task changes, so the model never forgets or invents one). Every
 * sentence comes from the call's language pack (`instructions`), so a German call is instructed in German, its
 * hours and date in German words (i18n/hours-words).
 * The task protocol wording here is what the tool outputs and updates assume. Nothing the caller said is ever put in
 * here (the task lines are {@link SpokenLine}s); the business's own texts (name, FAQ, services) are the operator's.
 */
import type { SpokenLine } from '../call/spoken-line'
import { fill, type InstructionLines } from '../i18n/pack'

export type InstructionInputs = {
  /** The call's language pack's instruction lines. */
  readonly lines: InstructionLines
  readonly businessName: string
  /** The current date and time in the business's zone, written out in the call's language. */
  readonly now: string
  readonly timeZone: string
  /** The opening hours in the call's language. */
  readonly openingHours: string
  /** Lines like `T1 book_appointment: booking an appointment for tomorrow; waiting for: time` (never caller text). */
  readonly openTasks: readonly SpokenLine[]
  readonly transferAvailable: boolean
  /** The business's answers to common questions (from its file). */
  readonly faq?: readonly { readonly q: string; readonly a: string }[]
  /** The re-prompt after a silence, in the call's language. */
  readonly stillThere: string
  /** What can be booked, when the business offers more than one service. */
  readonly services?: readonly { readonly name: string; readonly minutes: number; readonly synonyms: readonly string[] }[]
}

export function taskStatusBlock(openTasks: readonly SpokenLine[], l: InstructionLines): string {
  return openTasks.length === 0 ? `${l.openTasks}: ${l.none}` : [`${l.openTasks}:`, ...openTasks.map((t) => `- ${t.text}`)].join('\n')
}

export function buildInstructions(i: InstructionInputs): string {
  const l = i.lines
  return [
    fill(l.persona, { business: i.businessName }),
    l.speak,
    l.now(i.now, i.timeZone),
    `${l.hoursLabel}: ${i.openingHours}.`,
    ...servicesLine(i.services ?? [], l),
    '',
    l.tasks,
    l.whileWaiting,
    l.endCall + (i.transferAvailable ? ` ${l.transfer}` : ''),
    l.silence(i.stillThere),
    ...faqBlock(i.faq ?? [], l),
    '',
    taskStatusBlock(i.openTasks, l),
  ].join('\n')
}

/**
 * The FAQ as reference text. It is the business's own data, so it is quoted as data: the model answers from it and
 * does not improvise an answer that is not there.
 */
export function faqBlock(faq: readonly { readonly q: string; readonly a: string }[], l: InstructionLines): string[] {
  if (faq.length === 0) return []
  return ['', l.faqIntro, ...faq.map((f) => `- ${l.faqQ}: ${f.q.replace(/\s+/g, ' ')}\n  ${l.faqA}: ${f.a.replace(/\s+/g, ' ')}`)]
}

/** The services line: the model passes the caller's words as `service`; the task matches them. */
export function servicesLine(services: readonly { readonly name: string; readonly minutes: number; readonly synonyms: readonly string[] }[], l: InstructionLines): string[] {
  if (services.length < 2) return []
  return [`${l.servicesLabel}: ${services.map((s) => l.service(s.name, s.minutes, s.synonyms.join(', '))).join('; ')}.`]
}
