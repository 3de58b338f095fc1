/**
 * @module continuity/resume-trust
 * How much of a dropped call the call that continues it may show the model, decided here and nowhere else.
 *
 * - `verified`: we know the person is the one we spoke with. Our dial-out reached the number we texted and the
 *   callback was recognised by the ids we put in its metadata (or VAIC's answer naming the conversation); a VAIC
 *   `session.resume` continues the very same conversation. They get everything back: the open tasks and the earlier
 *   conversation, replayed into the model on its first connection.
 * - `callerIdOnly`: someone rang in from the number of a dropped call. Caller ID can be spoofed, so they get the
 *   open tasks and their status (what a "Welcome back" needs), never the earlier call's transcript — on no model
 *   connection, first or later.
 */
import type { ReplayItem } from '../realtime/protocol'
import { callerText } from '../call/spoken-line'

/** How a return of a dropped call was recognised. */
export type ResumeVia =
  /** Our dial-out callback, identified by its conversation id or the ids in its dial-out metadata. */
  | 'dialout'
  /** An inbound call from the dropped call's number, within the resume window. */
  | 'callback-number'
  /** VAIC's `session.resume` of the conversation itself (a takeover of a call this process did not hold). */
  | 'session-resume'

export type ResumeTrust = 'verified' | 'callerIdOnly'

export function resumeTrust(via: ResumeVia): ResumeTrust {
  switch (via) {
    case 'dialout':
    case 'session-resume':
      return 'verified'
    case 'callback-number':
      return 'callerIdOnly'
  }
}

/** A saved transcript line of the dropped call. */
export type SavedLine = { readonly role: string; readonly text: string }

/**
 * The earlier conversation a resumed call's model is given: what the caller and the bot said, for a verified return
 * only (tool calls, agent and system lines stay out: a new session has no such call ids).
 */
export function priorConversation(trust: ResumeTrust, lines: readonly SavedLine[]): ReplayItem[] {
  if (trust !== 'verified') return []
  const out: ReplayItem[] = []
  for (const l of lines) {
    if (l.role === 'caller') out.push({ role: 'user', text: callerText(l.text) })
    else if (l.role === 'bot') out.push({ role: 'assistant', text: l.text })
  }
  return out
}
