/**
 * @module realtime/instructions
 * The system prompt: who we are, what time it is in the business's zone, opening hours, how tasks work, and the
 * live status of open tasks (re-sent whenever a task changes, so the model never forgets or invents one).
 * The task protocol wording here is what the tool outputs and updates assume. Nothing the caller said is ever put in
 * here (the task lines are {@link SpokenLine}s); the business's own texts (name, FAQ, services) are the operator's.
 */
import type { SpokenLine } from '../call/spoken-line'

export type InstructionInputs = {
  readonly businessName: string
  readonly now: number
  readonly timeZone: string
  readonly openingHours: string
  /** Lines like `T1 book_appointment: booking an appointment for tomorrow; waiting for: time` (never caller text). */
  readonly openTasks: readonly SpokenLine[]
  readonly transferAvailable: boolean
  /** The business's answers to common questions (from its file). */
  readonly faq?: readonly { readonly q: string; readonly a: string }[]
  /** The call's language (English name), when it is not English. */
  readonly language?: string
  /** The re-prompt after a silence, in the call's language (default "Are you still there?"). */
  readonly stillThere?: string
  /** What can be booked, when the business offers more than one service. */
  readonly services?: readonly { readonly name: string; readonly minutes: number; readonly synonyms: readonly string[] }[]
}

export function formatNow(now: number, timeZone: string): string {
  return nowFormatter(timeZone).format(new Date(now))
}

/** One formatter per time zone: every call's instructions carry the time, and building one costs about 0.2 ms. */
const nowFormatters = new Map<string, Intl.DateTimeFormat>()
function nowFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = nowFormatters.get(timeZone)
  if (!f) nowFormatters.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' })))
  return f
}

export function taskStatusBlock(openTasks: readonly SpokenLine[]): string {
  return openTasks.length === 0 ? 'Open tasks: none' : ['Open tasks:', ...openTasks.map((t) => `- ${t.text}`)].join('\n')
}

export function buildInstructions(i: InstructionInputs): string {
  return [
    `You are the phone assistant of ${i.businessName}. You speak with callers on the telephone: be warm, brief and natural, one or two short sentences at a time, and never read out JSON or ids.`,
    ...(i.language && i.language !== 'English'
      ? [`Speak ${i.language} with the caller, always, and understand them in ${i.language}. The task agents' questions and results are already in ${i.language}: say them as they are. Pass dates and times to the tools as the caller said them, in ${i.language}.`]
      : []),
    `It is now ${formatNow(i.now, i.timeZone)} (${i.timeZone}).`,
    `Opening hours: ${i.openingHours}.`,
    ...servicesLine(i.services ?? []),
    '',
    'Tasks: booking, cancelling or rescheduling appointments, checking availability and taking messages are done by task agents through your tools. Start a task with its tool (for example book_appointment with whatever date or time the caller already gave, as they said it). The tool answers at once with the task id, its status and, in "ask", the next question: ask it. When the caller answers, pass the answer with task_input (task_id and the field that was asked for, in the caller\'s words). Never invent availability, bookings or confirmations: only the task agents decide them, and results can arrive later as a system update — tell the caller what it says.',
    'While a task waits, the caller may talk about anything else; answer, then come back to the open task. If the caller wants to stop a task, use task_cancel.',
    'When the caller says they are done, call end_call.' + (i.transferAvailable ? ' If the caller asks for a person, call transfer_to_human.' : ''),
    `If the caller has been silent for a while, ask "${i.stillThere ?? 'Are you still there?'}".`,
    ...faqBlock(i.faq ?? []),
    '',
    taskStatusBlock(i.openTasks),
  ].join('\n')
}

/**
 * The FAQ as reference text. It is the business's own data, so it is quoted as data: the model answers from it and
 * does not improvise an answer that is not there.
 */
export function faqBlock(faq: readonly { readonly q: string; readonly a: string }[]): string[] {
  if (faq.length === 0) return []
  return [
    '',
    'Frequently asked questions (answer from these, in your own words; if a question is not covered here or above, say you do not know and offer to take a message):',
    ...faq.map((f) => `- Q: ${f.q.replace(/\s+/g, ' ')}\n  A: ${f.a.replace(/\s+/g, ' ')}`),
  ]
}

/** The services line: the model passes the caller's words as `service`; the task matches them. */
export function servicesLine(services: readonly { readonly name: string; readonly minutes: number; readonly synonyms: readonly string[] }[]): string[] {
  if (services.length < 2) return []
  const list = services.map((s) => `${s.name} (${s.minutes} minutes${s.synonyms.length > 0 ? `, also called: ${s.synonyms.join(', ')}` : ''})`)
  return [`Services (pass what the caller wants as "service", in their words, to book_appointment and check_availability): ${list.join('; ')}.`]
}
