/**
 * @module store/calls-repo
 * Calls (one row per VoiceAI Connect conversation): who called, how it ended, and whether it can be resumed.
 */
import type { Database } from 'bun:sqlite'
import { CallRow, rowChecker } from './rows'

const rows = rowChecker('calls', CallRow)

export type NewCall = {
  readonly id: string
  readonly conversationId: string
  readonly direction: 'inbound' | 'outbound'
  readonly caller: string | undefined
  readonly botName: string | undefined
  readonly mediaFormat: string
  readonly resumesCallId: string | undefined
  readonly at: number
}

export type ResumeStatus = 'pending' | 'resumed' | 'closed' | 'expired'

export class CallsRepo {
  constructor(private readonly db: Database) {}

  create(c: NewCall): void {
    this.db
      .query(
        `INSERT INTO calls (id, conversation_id, direction, caller, bot_name, media_format, state, resumes_call_id, started_at, updated_at)
         VALUES ($id, $cid, $direction, $caller, $bot, $format, 'live', $resumes, $at, $at)`,
      )
      .run({ id: c.id, cid: c.conversationId, direction: c.direction, caller: c.caller ?? null, bot: c.botName ?? null, format: c.mediaFormat, resumes: c.resumesCallId ?? null, at: c.at })
  }

  /** Records the `start` activity's details (callee, display name, hosts, dial-out metadata). */
  setDetails(id: string, callee: string | undefined, details: Record<string, unknown>, at: number): void {
    this.db
      .query('UPDATE calls SET callee = COALESCE($callee, callee), details = $details, updated_at = $at WHERE id = $id')
      .run({ id, callee: callee ?? null, details: JSON.stringify(details), at })
  }

  end(id: string, reason: string, resumeStatus: ResumeStatus | null, at: number): void {
    this.db
      .query(`UPDATE calls SET state = 'ended', end_reason = $reason, resume_status = $rs, ended_at = $at, updated_at = $at WHERE id = $id AND state = 'live'`)
      .run({ id, reason, rs: resumeStatus, at })
  }

  setResumeStatus(id: string, status: ResumeStatus, at: number): void {
    this.db.query('UPDATE calls SET resume_status = $status, updated_at = $at WHERE id = $id').run({ id, status, at })
  }

  get(id: string): CallRow | undefined {
    return rows.maybe(this.db.query('SELECT * FROM calls WHERE id = $id').get({ id }))
  }

  byConversation(conversationId: string): CallRow | undefined {
    return rows.maybe(this.db.query('SELECT * FROM calls WHERE conversation_id = $cid').get({ cid: conversationId }))
  }

  /** Calls the previous process left live (it died): they are treated as dropped at start-up. */
  live(): CallRow[] {
    return rows.many(this.db.query(`SELECT * FROM calls WHERE state = 'live' ORDER BY started_at`).all())
  }

  /** The newest dropped call of `caller` still waiting to be resumed, ended after `since`. */
  resumableFor(caller: string, since: number): CallRow | undefined {
    return rows.maybe(
      this.db
        .query(`SELECT * FROM calls WHERE caller = $caller AND resume_status = 'pending' AND ended_at >= $since ORDER BY ended_at DESC LIMIT 1`)
        .get({ caller, since }),
    )
  }

  /** Pending resumes older than the window are closed (their tasks stay as they were). */
  expireResumes(before: number, at: number): number {
    return this.db.query(`UPDATE calls SET resume_status = 'expired', updated_at = $at WHERE resume_status = 'pending' AND ended_at < $before`).run({ before, at }).changes
  }
}
