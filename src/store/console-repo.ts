/**
 * @module store/console-repo
 * What the operator console reads and keeps: call events (latency marks, task steps, usage — written in batches off
 * the call's path), the call search, and appointments by day. Read-only otherwise: changes go through the task and
 * store paths that calls use.
 */
import { Type } from '@sinclair/typebox'
import { inList, type Param, type Sql } from './sql'
import { AppointmentRow, CallRow, rowChecker } from './rows'

const EventRow = Type.Object({ id: Type.Integer(), call_id: Type.String(), kind: Type.String(), data: Type.String(), at: Type.Integer() })
const eventRows = rowChecker('call_events', EventRow)
const callRows = rowChecker('calls', CallRow)
const appointmentRows = rowChecker('appointments', AppointmentRow)

export type StoredCallEvent = { readonly callId: string; readonly kind: string; readonly data: unknown; readonly at: number }

export type CallSearch = {
  /** Calls started at or after this (epoch ms). */
  readonly from?: number
  /** Calls started before this. */
  readonly to?: number
  readonly outcome?: string
  /** The caller's number ends with these digits. */
  readonly digits?: string
  /** A task of this kind ran in the call. */
  readonly task?: string
  readonly limit: number
}

export class ConsoleRepo {
  constructor(private readonly sql: Sql) {}

  /** One transaction for a batch (the console flushes its queue a few times a second at most). */
  async addEvents(events: readonly StoredCallEvent[]): Promise<void> {
    if (events.length === 0) return
    await this.sql.tx(async (t) => {
      for (const e of events) await t.run('INSERT INTO call_events (call_id, kind, data, at) VALUES ($callId, $kind, $data, $at)', { callId: e.callId, kind: e.kind, data: JSON.stringify(e.data), at: e.at })
    })
  }

  async events(callId: string): Promise<StoredCallEvent[]> {
    return eventRows
      .many(await this.sql.all('SELECT * FROM call_events WHERE call_id = $callId ORDER BY id', { callId }))
      .map((r) => ({ callId: r.call_id, kind: r.kind, data: JSON.parse(r.data) as unknown, at: r.at }))
  }

  async searchCalls(q: CallSearch): Promise<CallRow[]> {
    const where: string[] = []
    const p: Record<string, Param> = { limit: q.limit }
    if (q.from !== undefined) (where.push('c.started_at >= $from'), (p.from = q.from))
    if (q.to !== undefined) (where.push('c.started_at < $to'), (p.to = q.to))
    if (q.outcome !== undefined) (where.push('c.end_reason = $outcome'), (p.outcome = q.outcome))
    // Digits only (validated by the caller of this method); LIKE wildcards cannot get in.
    if (q.digits !== undefined) (where.push(`c.caller LIKE $digits`), (p.digits = `%${q.digits.replace(/\D/g, '')}`))
    if (q.task !== undefined) (where.push('EXISTS (SELECT 1 FROM tasks t WHERE t.call_id = c.id AND t.kind = $task)'), (p.task = q.task))
    const sql = `SELECT c.* FROM calls c ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY c.started_at DESC LIMIT $limit`
    return callRows.many(await this.sql.all(sql, p))
  }

  /** Task kinds per call, for the history list. */
  async taskKinds(callIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>()
    if (callIds.length === 0) return out
    const ids = inList('id', callIds)
    const list = await this.sql.all(`SELECT call_id, kind FROM tasks WHERE call_id IN (${ids.sql}) ORDER BY created_at`, ids.params)
    for (const r of list) out.set(String(r.call_id), [...(out.get(String(r.call_id)) ?? []), String(r.kind)])
    return out
  }

  async outcomes(): Promise<string[]> {
    return (await this.sql.all('SELECT DISTINCT end_reason AS r FROM calls WHERE end_reason IS NOT NULL ORDER BY r')).map((x) => String(x.r))
  }

  async appointmentsBetween(from: number, to: number): Promise<AppointmentRow[]> {
    return appointmentRows.many(await this.sql.all('SELECT * FROM appointments WHERE starts_at >= $from AND starts_at < $to ORDER BY starts_at, status', { from, to }))
  }

  async purgeEvents(before: number): Promise<number> {
    return this.sql.run('DELETE FROM call_events WHERE at < $before', { before })
  }
}
