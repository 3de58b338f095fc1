/**
 * @module store/transcript-repo
 * What was said, per call: caller and bot lines, tool calls and results, agent notes. Written at the end of each
 * turn (never per audio frame); read back to replay a conversation into a new model session or a resumed call.
 */
import type { Database } from 'bun:sqlite'
import { TranscriptRow, rowChecker } from './rows'

const rows = rowChecker('transcript_items', TranscriptRow)

export type TranscriptRole = TranscriptRow['role']

export class TranscriptRepo {
  constructor(private readonly db: Database) {}

  add(callId: string, role: TranscriptRole, text: string, at: number, meta?: Record<string, unknown>): void {
    this.db
      .query('INSERT INTO transcript_items (call_id, role, text, meta, at) VALUES ($callId, $role, $text, $meta, $at)')
      .run({ callId, role, text, meta: meta ? JSON.stringify(meta) : null, at })
  }

  list(callId: string): TranscriptRow[] {
    return rows.many(this.db.query('SELECT * FROM transcript_items WHERE call_id = $callId ORDER BY id').all({ callId }))
  }
}
