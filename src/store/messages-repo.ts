/**
 * @module store/messages-repo
 * Messages callers leave for the business (the leave_message task). Idempotent by id, like bookings.
 */
import type { Database } from 'bun:sqlite'

export type SavedMessage = { id: string; caller: string | null; name: string; message: string; callback_number: string | null; created_at: number }

export class MessagesRepo {
  constructor(private readonly db: Database) {}

  save(m: { id: string; caller: string | undefined; name: string; message: string; callbackNumber: string | undefined; taskId?: string; callId?: string; at: number }): void {
    this.db
      .query(
        `INSERT INTO messages (id, caller, name, message, callback_number, task_id, call_id, created_at)
         VALUES ($id, $caller, $name, $message, $cb, $taskId, $callId, $at) ON CONFLICT (id) DO NOTHING`,
      )
      .run({ id: m.id, caller: m.caller ?? null, name: m.name, message: m.message, cb: m.callbackNumber ?? null, taskId: m.taskId ?? null, callId: m.callId ?? null, at: m.at })
  }

  list(): SavedMessage[] {
    return this.db.query('SELECT id, caller, name, message, callback_number, created_at FROM messages ORDER BY created_at').all() as SavedMessage[]
  }
}
