/**
 * @module store/transcript-repo
 * What was said, per call: caller and bot lines, tool calls and results, agent notes. Written at the end of each
 * turn (never per audio frame); read back to replay a conversation into a new model session or a resumed call.
 */
import type { Sql } from './sql'
import { TranscriptRow, rowChecker } from './rows'

const rows = rowChecker('transcript_items', TranscriptRow)

export type TranscriptRole = TranscriptRow['role']

export class TranscriptRepo {
  constructor(private readonly sql: Sql) {}

  async add(callId: string, role: TranscriptRole, text: string, at: number, meta?: Record<string, unknown>): Promise<void> {
    await this.sql.run('INSERT INTO transcript_items (call_id, role, text, meta, at) VALUES ($callId, $role, $text, $meta, $at)', {
      callId,
      role,
      text,
      meta: meta ? JSON.stringify(meta) : null,
      at,
    })
  }

  async list(callId: string): Promise<TranscriptRow[]> {
    return rows.many(await this.sql.all('SELECT * FROM transcript_items WHERE call_id = $callId ORDER BY id', { callId }))
  }
}
