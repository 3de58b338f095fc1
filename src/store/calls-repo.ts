/**
 * @module store/calls-repo
 * Calls (one row per VoiceAI Connect conversation): who called, how it ended, and whether it can be resumed.
 */
import type { Sql } from './sql'
import { CallRow, rowChecker } from './rows'
import { DEFAULT_TENANT, tenantClause } from './tenant'

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
  /** The instance holding the call's sockets (INSTANCE_ID). */
  readonly owner?: string
  /** The language the call is held in (its business's): what is texted for it later uses it. */
  readonly language?: string
}

export type ResumeStatus = 'pending' | 'resumed' | 'closed' | 'expired'

export class CallsRepo {
  constructor(
    private readonly sql: Sql,
    private readonly tenant?: string,
  ) {}

  async create(c: NewCall): Promise<void> {
    await this.sql.run(
      `INSERT INTO calls (id, conversation_id, direction, caller, bot_name, media_format, state, resumes_call_id, started_at, updated_at, owner, tenant_id, language)
       VALUES ($id, $cid, $direction, $caller, $bot, $format, 'live', $resumes, $at, $at, $owner, $tenant, $language)`,
      { id: c.id, cid: c.conversationId, direction: c.direction, caller: c.caller ?? null, bot: c.botName ?? null, format: c.mediaFormat, resumes: c.resumesCallId ?? null, at: c.at, owner: c.owner ?? null, tenant: this.tenant ?? DEFAULT_TENANT, language: c.language ?? null },
    )
  }

  /** Records the `start` activity's details (callee, display name, hosts, dial-out metadata). */
  async setDetails(id: string, callee: string | undefined, details: Record<string, unknown>, at: number): Promise<void> {
    await this.sql.run('UPDATE calls SET callee = COALESCE($callee, callee), details = $details, updated_at = $at WHERE id = $id', {
      id,
      callee: callee ?? null,
      details: JSON.stringify(details),
      at,
    })
  }

  /**
   * Ends a live call; false when it was no longer live (someone else ended it first) or, given `owner`, when it
   * belongs to another instance now (it moved there with a `session.resume`: its ending is that instance's to record).
   */
  async end(id: string, reason: string, resumeStatus: ResumeStatus | null, at: number, owner?: string): Promise<boolean> {
    const n = await this.sql.run(
      `UPDATE calls SET state = 'ended', end_reason = $reason, resume_status = $rs, ended_at = $at, updated_at = $at WHERE id = $id AND state = 'live'${owner === undefined ? '' : ' AND (owner IS NULL OR owner = $owner)'}`,
      { id, reason, rs: resumeStatus, at, ...(owner === undefined ? {} : { owner }) },
    )
    return n === 1
  }

  /** A live call moves from instance `from` to `to` (VAIC resumed it there); false when it is not `from`'s any more. */
  async move(id: string, from: string | null, to: string, at: number): Promise<boolean> {
    const n = await this.sql.run(
      `UPDATE calls SET owner = $to, updated_at = $at WHERE id = $id AND state = 'live' AND ${from === null ? 'owner IS NULL' : 'owner = $from'}`,
      { id, to, at, ...(from === null ? {} : { from }) },
    )
    return n === 1
  }

  /** An outbound call identified as our callback once it was answered: whom we called, and which call it resumes. */
  async identify(id: string, caller: string, resumesCallId: string | undefined, at: number): Promise<void> {
    await this.sql.run('UPDATE calls SET caller = $caller, resumes_call_id = COALESCE($resumes, resumes_call_id), updated_at = $at WHERE id = $id', {
      id,
      caller,
      resumes: resumesCallId ?? null,
      at,
    })
  }

  async setResumeStatus(id: string, status: ResumeStatus, at: number): Promise<void> {
    await this.sql.run('UPDATE calls SET resume_status = $status, updated_at = $at WHERE id = $id', { id, status, at })
  }

  async get(id: string): Promise<CallRow | undefined> {
    return rows.maybe(await this.sql.get('SELECT * FROM calls WHERE id = $id', { id }))
  }

  async byConversation(conversationId: string): Promise<CallRow | undefined> {
    return rows.maybe(await this.sql.get('SELECT * FROM calls WHERE conversation_id = $cid', { cid: conversationId }))
  }

  /** Every live call (of every instance). */
  async live(): Promise<CallRow[]> {
    return rows.many(await this.sql.all(`SELECT * FROM calls WHERE state = 'live' ORDER BY started_at`))
  }

  /**
   * Live calls that instance `to` now answers for, made its own in one UPDATE (two instances taking over the same
   * calls cannot both get them): those owned by `from.owner` (an instance found dead, or this instance's previous run
   * under the same INSTANCE_ID); `orphans`, those of no instance (rows from before the cluster schema); `all`, every
   * live call (SQLite's single instance: at start-up they all died with the last process).
   */
  async takeOver(to: string, at: number, from: { readonly owner: string } | 'orphans' | 'all'): Promise<CallRow[]> {
    const which = from === 'all' ? '' : from === 'orphans' ? ' AND owner IS NULL' : ' AND owner = $from'
    const list = await this.sql.all(`UPDATE calls SET owner = $to, updated_at = $at WHERE state = 'live'${which} RETURNING *`, {
      to,
      at,
      ...(typeof from === 'object' ? { from: from.owner } : {}),
    })
    return rows.many(list).sort((a, b) => a.started_at - b.started_at)
  }

  /** The newest dropped call of `caller` (of this tenant) still waiting to be resumed, ended after `since`. */
  async resumableFor(caller: string, since: number): Promise<CallRow | undefined> {
    return rows.maybe(
      await this.sql.get(`SELECT * FROM calls WHERE ${tenantClause()} AND caller = $caller AND resume_status = 'pending' AND ended_at >= $since ORDER BY ended_at DESC LIMIT 1`, { caller, since, tenant: this.tenant ?? null }),
    )
  }

  /** Pending resumes older than the window are closed (their tasks stay as they were). */
  async expireResumes(before: number, at: number): Promise<number> {
    return this.sql.run(`UPDATE calls SET resume_status = 'expired', updated_at = $at WHERE resume_status = 'pending' AND ended_at < $before`, { before, at })
  }
}
