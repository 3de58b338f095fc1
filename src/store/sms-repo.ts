/**
 * @module store/sms-repo
 * SMS both ways (bodies are personal data: purged after the retention period), delivery status from Twilio's
 * callbacks, and opt-outs (STOP/START).
 */
import type { Sql } from './sql'
import { SmsRow, rowChecker } from './rows'
import { DEFAULT_TENANT, tenantClause } from './tenant'

const rows = rowChecker('sms_messages', SmsRow)

export class SmsRepo {
  constructor(
    private readonly sql: Sql,
    private readonly tenant?: string,
  ) {}

  private get writeTenant(): string {
    return this.tenant ?? DEFAULT_TENANT
  }

  /** Returns the new row's id; undefined when that Twilio SID was already recorded. */
  async record(m: { direction: 'out' | 'in'; callId?: string; number: string; body: string; sid?: string; status: string; at: number }): Promise<number | undefined> {
    const r = await this.sql.get(
      `INSERT INTO sms_messages (direction, call_id, number, body, twilio_sid, status, created_at, updated_at, tenant_id)
       VALUES ($direction, $callId, $number, $body, $sid, $status, $at, $at, $tenant) ON CONFLICT (twilio_sid) DO NOTHING RETURNING id`,
      { direction: m.direction, callId: m.callId ?? null, number: m.number, body: m.body, sid: m.sid ?? null, status: m.status, at: m.at, tenant: this.writeTenant },
    )
    return r ? Number(r.id) : undefined
  }

  async setStatusBySid(sid: string, status: string, at: number): Promise<boolean> {
    return (await this.sql.run('UPDATE sms_messages SET status = $status, updated_at = $at WHERE twilio_sid = $sid', { sid, status, at })) === 1
  }

  async forCall(callId: string): Promise<SmsRow[]> {
    return rows.many(await this.sql.all('SELECT * FROM sms_messages WHERE call_id = $callId ORDER BY id', { callId }))
  }

  async all(): Promise<SmsRow[]> {
    return rows.many(await this.sql.all(`SELECT * FROM sms_messages WHERE ${tenantClause()} ORDER BY id`, { tenant: this.tenant ?? null }))
  }

  /** Opt-outs are per tenant: STOP to one business's number stops that business's texts. */
  async optOut(number: string, at: number): Promise<void> {
    await this.sql.run('INSERT INTO opt_outs (tenant_id, number, at) VALUES ($tenant, $number, $at) ON CONFLICT (tenant_id, number) DO NOTHING', { number, at, tenant: this.writeTenant })
  }

  async optIn(number: string): Promise<void> {
    await this.sql.run('DELETE FROM opt_outs WHERE tenant_id = $tenant AND number = $number', { number, tenant: this.writeTenant })
  }

  async isOptedOut(number: string): Promise<boolean> {
    return (await this.sql.get('SELECT 1 AS yes FROM opt_outs WHERE tenant_id = $tenant AND number = $number', { number, tenant: this.writeTenant })) !== undefined
  }
}
