/**
 * @module call/lifecycle
 * Pure pieces of the call's lifecycle: the tools the call session answers itself, why a call ended, the fixed lines,
 * and the closing line built from what the tasks completed (never improvised).
 */

import type { ToolSpec } from '../realtime/session-config'

export const LIFECYCLE_TOOLS: ReadonlySet<string> = new Set(['end_call', 'transfer_to_human'])

/** The tools the lifecycle answers itself; transfer only when there is somewhere to transfer to. */
export function lifecycleToolSpecs(transferAvailable: boolean): ToolSpec[] {
  const endCall: ToolSpec = {
    name: 'end_call',
    description: 'The caller is done (says goodbye, that is all, nothing else). Call it when they signal the end; the first call makes you ask whether there is anything else, call it again if they say no.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  }
  const transfer: ToolSpec = {
    name: 'transfer_to_human',
    description: 'Transfer the caller to a person when they ask for one or you cannot help.',
    parameters: { type: 'object', properties: { reason: { type: 'string', description: 'why, in a few words' } }, required: ['reason'], additionalProperties: false },
  }
  return transferAvailable ? [endCall, transfer] : [endCall]
}

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

/** The fixed lines of the call's lifecycle (the closing line and welcome backs are built below). */
export const callLines = {
  anythingElse: 'Is there anything else I can help you with today?',
  openTasks: (titles: readonly string[]): string => `We haven't finished ${titles.join(' and ')} yet. Shall we finish it now?`,
  stillThere: 'Are you still there?',
  silenceGoodbye: "I haven't heard from you, so I'll end the call now. Feel free to call us again. Goodbye!",
  timeLimit: "We've reached the time limit for this call. Thank you for calling, and goodbye!",
  transferring: "Of course. I'll connect you with a colleague now. Please hold.",
  transferFailed: "I'm sorry, I couldn't reach anyone right now. Is there anything else I can help you with?",
  shutdown: "I'm sorry, I have to end the call now. Please call us again. Goodbye!",
  shutdownSaved: "I'm sorry, I have to end the call now. Everything we discussed is saved, and we'll text you so we can pick up where we left off.",
} as const

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
