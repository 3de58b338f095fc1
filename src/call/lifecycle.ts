/**
 * @module call/lifecycle
 * Pure pieces of the call's lifecycle: the tools the call session answers itself, why a call ended, the fixed lines,
 * and the closing line built from what the tasks completed (never improvised).
 */

import type { ToolSpec } from '../realtime/session-config'

import { en } from '../i18n/packs/en'
import { callLinesFor, closingText } from '../i18n/packs'

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
  /** Our callback was not answered by a person (no answer, busy, declined, or a machine took the voicemail). */
  | 'unanswered'

/** The English call lines (the tests' reference; calls use their business's pack, see i18n/packs). */
export const callLines = en.call

/** "I'm glad I could help. Your appointment is confirmed for tomorrow at 10 AM. Have a great day!" (English) */
export const closingLine = (summaries: readonly string[], businessName: string): string => closingText(callLinesFor('en', businessName, undefined), summaries)

/**
 * Whether an ended call counts as dropped: it ended without our goodbye (caller gone, socket lost, crash, error,
 * silence, limit or shutdown) while a task was still open. A completed call, a bot hang-up after the closing, or a
 * transfer is never a drop.
 */
export function isDrop(reason: CallEndReason, openTasks: number): boolean {
  if (openTasks === 0) return false
  // An unanswered callback is that callback's outcome: the dropped call it was for stays resumable, no new SMS.
  return reason !== 'completed' && reason !== 'transferred' && reason !== 'unanswered'
}
