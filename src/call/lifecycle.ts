/**
 * @module call/lifecycle
 * Pure pieces of the call's lifecycle: the tools the call session answers itself, why a call ended, and the closing
 * line built from what the tasks completed (never improvised).
 */

export const LIFECYCLE_TOOLS: ReadonlySet<string> = new Set(['end_call', 'transfer_to_human'])

export type CallEndReason =
  /** The closing flow ran and the bot hung up (or the caller hung up during the goodbye). */
  | 'completed'
  | 'caller-hangup'
  | 'transferred'
  /** The caller stayed silent through the re-prompts. */
  | 'silence'
  | 'max-duration'
  /** The model leg could not continue (bad key, quota, reconnects exhausted). */
  | 'failed'
  /** The server shut down (deploy) and closed the call. */
  | 'shutdown'
  /** The phone socket went away without session.end and did not come back. */
  | 'lost'
  /** VAIC ended the conversation with an error. */
  | 'vaic-error'
  /** The process died with the call live (found at the next start). */
  | 'crashed'

/**
 * "I'm glad I could help. Your appointment is confirmed for tomorrow at 10 AM. Have a great day!"
 * Each summary is a sentence without a final period, as the tasks write them.
 */
export function closingLine(summaries: readonly string[], businessName: string): string {
  if (summaries.length === 0) return `Thank you for calling ${businessName}. Have a great day!`
  const body = summaries.map((s) => s.trim().replace(/[.!]+$/, '') + '.').join(' ')
  return `I'm glad I could help. ${body} Have a great day!`
}

/** "Welcome back! We were booking an appointment for tomorrow at 10 AM. Would you like to continue or start over?" */
export function welcomeBackLine(summaries: readonly string[]): string {
  const what = summaries.length === 0 ? 'in the middle of something' : summaries.join(', and ')
  return `Welcome back! We were ${what}. Would you like to continue or start over?`
}

/** A dropped call whose interrupted step completed meanwhile: "Welcome back! Your appointment is confirmed …" */
export function welcomeBackDoneLine(summaries: readonly string[]): string {
  const body = summaries.map((s) => s.trim().replace(/[.!]+$/, '') + '.').join(' ')
  return `Welcome back! ${body} Is there anything else I can help you with today?`
}

/**
 * Whether an ended call counts as dropped: it ended without our goodbye (caller gone, socket lost, crash, error,
 * silence, limit or shutdown) while a task was still open. A completed call, a bot hang-up after the closing, or a
 * transfer is never a drop.
 */
export function isDrop(reason: CallEndReason, openTasks: number): boolean {
  if (openTasks === 0) return false
  return reason !== 'completed' && reason !== 'transferred'
}
