/**
 * @module store/messages-repo
 * Messages callers leave for the business (the leave_message task). Idempotent by id, like bookings.
 */
import type { Sql } from './sql'
import { MessageRow, rowChecker } from './rows'
import { DEFAULT_TENANT, tenantClause } from './tenant'

const rows = rowChecker('messages', MessageRow)

export type SavedMessage = MessageRow

export class MessagesRepo {
  constructor(
    private readonly sql: Sql,
    private readonly tenant?: string,
  ) {}

  async save(m: { id: string; caller: string | undefined; name: string; message: string; callbackNumber: string | undefined; taskId?: string; callId?: string; at: number }): Promise<void> {
    await this.sql.run(
      `INSERT INTO messages (id, caller, name, message, callback_number, task_id, call_id, created_at, tenant_id)
       VALUES ($id, $caller, $name, $message, $cb, $taskId, $callId, $at, $tenant) ON CONFLICT (id) DO NOTHING`,
      { id: m.id, caller: m.caller ?? null, name: m.name, message: m.message, cb: m.callbackNumber ?? null, taskId: m.taskId ?? null, callId: m.callId ?? null, at: m.at, tenant: this.tenant ?? DEFAULT_TENANT },
    )
  }

  async list(): Promise<SavedMessage[]> {
    return rows.many(await this.sql.all(`SELECT id, caller, name, message, callback_number, created_at, tenant_id FROM messages WHERE ${tenantClause()} ORDER BY created_at, id`, { tenant: this.tenant ?? null }))
  }
}
