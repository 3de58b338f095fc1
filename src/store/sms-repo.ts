/**
 * @module store/sms-repo
 * SMS both ways (bodies are personal data: purged after the retention period), delivery status from Twilio's
 * callbacks, and opt-outs (STOP/START).
 */
import type { Database } from 'bun:sqlite'
import { SmsRow, rowChecker } from './rows'

const rows = rowChecker('sms_messages', SmsRow)

export class SmsRepo {
  constructor(private readonly db: Database) {}

  record(m: { direction: 'out' | 'in'; callId?: string; number: string; body: string; sid?: string; status: string; at: number }): number {
    const r = this.db
      .query(
        `INSERT INTO sms_messages (direction, call_id, number, body, twilio_sid, status, created_at, updated_at)
         VALUES ($direction, $callId, $number, $body, $sid, $status, $at, $at) ON CONFLICT (twilio_sid) DO NOTHING`,
      )
      .run({ direction: m.direction, callId: m.callId ?? null, number: m.number, body: m.body, sid: m.sid ?? null, status: m.status, at: m.at })
    return Number(r.lastInsertRowid)
  }

  setStatusBySid(sid: string, status: string, at: number): boolean {
    return this.db.query('UPDATE sms_messages SET status = $status, updated_at = $at WHERE twilio_sid = $sid').run({ sid, status, at }).changes === 1
  }

  forCall(callId: string): SmsRow[] {
    return rows.many(this.db.query('SELECT * FROM sms_messages WHERE call_id = $callId ORDER BY id').all({ callId }))
  }

  all(): SmsRow[] {
    return rows.many(this.db.query('SELECT * FROM sms_messages ORDER BY id').all())
  }

  optOut(number: string, at: number): void {
    this.db.query('INSERT INTO opt_outs (number, at) VALUES ($number, $at) ON CONFLICT (number) DO NOTHING').run({ number, at })
  }

  optIn(number: string): void {
    this.db.query('DELETE FROM opt_outs WHERE number = $number').run({ number })
  }

  isOptedOut(number: string): boolean {
    return this.db.query('SELECT 1 FROM opt_outs WHERE number = $number').get({ number }) !== null
  }
}
