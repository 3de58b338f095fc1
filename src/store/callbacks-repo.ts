/**
 * @module store/callbacks-repo
 * Callbacks requested by "CALL" replies: at most one in flight per dropped call (a partial unique index), and the
 * dial-out's conversation id so the incoming `session.initiate` is recognised as our callback.
 */
import type { Sql } from './sql'
import { CallbackRow, rowChecker } from './rows'
import { DEFAULT_TENANT } from './tenant'

const rows = rowChecker('callbacks', CallbackRow)

export class CallbacksRepo {
  constructor(
    private readonly sql: Sql,
    private readonly tenant?: string,
  ) {}

  /** Creates a pending callback; false when one is already in flight for that call. */
  async request(callId: string, number: string, at: number): Promise<{ ok: true; id: number } | { ok: false }> {
    const r = await this.sql.get(
      `INSERT INTO callbacks (call_id, number, status, created_at, updated_at, tenant_id) VALUES ($callId, $number, 'pending', $at, $at, $tenant) ON CONFLICT DO NOTHING RETURNING id`,
      { callId, number, at, tenant: this.tenant ?? DEFAULT_TENANT },
    )
    return r ? { ok: true, id: Number(r.id) } : { ok: false }
  }

  async get(id: number): Promise<CallbackRow | undefined> {
    return rows.maybe(await this.sql.get('SELECT * FROM callbacks WHERE id = $id', { id }))
  }

  async byConversation(conversationId: string): Promise<CallbackRow | undefined> {
    return rows.maybe(await this.sql.get('SELECT * FROM callbacks WHERE conversation_id = $cid ORDER BY id DESC LIMIT 1', { cid: conversationId }))
  }

  async forCall(callId: string): Promise<CallbackRow[]> {
    return rows.many(await this.sql.all('SELECT * FROM callbacks WHERE call_id = $callId ORDER BY id', { callId }))
  }

  /** Requests for `number` since `since` (rate limiting). */
  async countSince(number: string, since: number): Promise<number> {
    const r = await this.sql.get('SELECT COUNT(*) AS n FROM callbacks WHERE number = $number AND created_at >= $since', { number, since })
    return Number(r?.n ?? 0)
  }

  async setStatus(id: number, status: CallbackRow['status'], at: number, conversationId?: string): Promise<void> {
    await this.sql.run('UPDATE callbacks SET status = $status, conversation_id = COALESCE($cid, conversation_id), updated_at = $at WHERE id = $id', {
      id,
      status,
      cid: conversationId ?? null,
      at,
    })
  }
}
