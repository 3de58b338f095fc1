/**
 * @module store/sms-repo
 * SMS both ways (bodies are personal data: purged after the retention period), delivery status from Twilio's
 * callbacks, and opt-outs (STOP/START).
 */
import type { Sql } from './sql'
import { SmsRow, rowChecker } from './rows'

const rows = rowChecker('sms_messages', SmsRow)

export class SmsRepo {
  constructor(private readonly sql: Sql) {}

  /** Returns the new row's id; undefined when that Twilio SID was already recorded. */
  async record(m: { direction: 'out' | 'in'; callId?: string; number: string; body: string; sid?: string; status: string; at: number }): Promise<number | undefined> {
    const r = await this.sql.get(
      `INSERT INTO sms_messages (direction, call_id, number, body, twilio_sid, status, created_at, updated_at)
       VALUES ($direction, $callId, $number, $body, $sid, $status, $at, $at) ON CONFLICT (twilio_sid) DO NOTHING RETURNING id`,
      { direction: m.direction, callId: m.callId ?? null, number: m.number, body: m.body, sid: m.sid ?? null, status: m.status, at: m.at },
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
    return rows.many(await this.sql.all('SELECT * FROM sms_messages ORDER BY id'))
  }

  async optOut(number: string, at: number): Promise<void> {
    await this.sql.run('INSERT INTO opt_outs (number, at) VALUES ($number, $at) ON CONFLICT (number) DO NOTHING', { number, at })
  }

  async optIn(number: string): Promise<void> {
    await this.sql.run('DELETE FROM opt_outs WHERE number = $number', { number })
  }

  async isOptedOut(number: string): Promise<boolean> {
    return (await this.sql.get('SELECT 1 AS yes FROM opt_outs WHERE number = $number', { number })) !== undefined
  }
}
