/**
 * @module store/callbacks-repo
 * Callbacks requested by "CALL" replies: at most one in flight per dropped call (a partial unique index), and the
 * dial-out's conversation id so the incoming `session.initiate` is recognised as our callback.
 */
import type { Database } from 'bun:sqlite'
import { CallbackRow, rowChecker } from './rows'

const rows = rowChecker('callbacks', CallbackRow)

export class CallbacksRepo {
  constructor(private readonly db: Database) {}

  /** Creates a pending callback; false when one is already in flight for that call. */
  request(callId: string, number: string, at: number): { ok: true; id: number } | { ok: false } {
    try {
      const r = this.db
        .query(`INSERT INTO callbacks (call_id, number, status, created_at, updated_at) VALUES ($callId, $number, 'pending', $at, $at)`)
        .run({ callId, number, at })
      return { ok: true, id: Number(r.lastInsertRowid) }
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed/i.test(err.message)) return { ok: false }
      throw err
    }
  }

  get(id: number): CallbackRow | undefined {
    return rows.maybe(this.db.query('SELECT * FROM callbacks WHERE id = $id').get({ id }))
  }

  byConversation(conversationId: string): CallbackRow | undefined {
    return rows.maybe(this.db.query('SELECT * FROM callbacks WHERE conversation_id = $cid ORDER BY id DESC LIMIT 1').get({ cid: conversationId }))
  }

  forCall(callId: string): CallbackRow[] {
    return rows.many(this.db.query('SELECT * FROM callbacks WHERE call_id = $callId ORDER BY id').all({ callId }))
  }

  /** Requests for `number` since `since` (rate limiting). */
  countSince(number: string, since: number): number {
    const r = this.db.query('SELECT COUNT(*) AS n FROM callbacks WHERE number = $number AND created_at >= $since').get({ number, since }) as { n: number }
    return r.n
  }

  setStatus(id: number, status: CallbackRow['status'], at: number, conversationId?: string): void {
    this.db
      .query('UPDATE callbacks SET status = $status, conversation_id = COALESCE($cid, conversation_id), updated_at = $at WHERE id = $id')
      .run({ id, status, cid: conversationId ?? null, at })
  }
}
