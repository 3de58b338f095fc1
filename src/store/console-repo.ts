/**
 * @module store/console-repo
 * What the operator console reads and keeps: call events (latency marks, task steps, usage — written in batches off
 * the call's path), the call search, and appointments by day. Read-only otherwise: changes go through the task and
 * store paths that calls use.
 */
import type { Database } from 'bun:sqlite'
import { Type } from '@sinclair/typebox'
import type { Db } from './db'
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
  private readonly sql: Database
  constructor(private readonly db: Db) {
    this.sql = db.sqlite
  }

  /** One transaction for a batch (the console flushes its queue a few times a second at most). */
  addEvents(events: readonly StoredCallEvent[]): void {
    if (events.length === 0) return
    const insert = this.sql.query('INSERT INTO call_events (call_id, kind, data, at) VALUES ($callId, $kind, $data, $at)')
    this.db.tx(() => {
      for (const e of events) insert.run({ callId: e.callId, kind: e.kind, data: JSON.stringify(e.data), at: e.at })
    })
  }

  events(callId: string): StoredCallEvent[] {
    return eventRows
      .many(this.sql.query('SELECT * FROM call_events WHERE call_id = $callId ORDER BY id').all({ callId }))
      .map((r) => ({ callId: r.call_id, kind: r.kind, data: JSON.parse(r.data) as unknown, at: r.at }))
  }

  searchCalls(q: CallSearch): CallRow[] {
    const where: string[] = []
    const p: Record<string, string | number> = { limit: q.limit }
    if (q.from !== undefined) (where.push('c.started_at >= $from'), (p.from = q.from))
    if (q.to !== undefined) (where.push('c.started_at < $to'), (p.to = q.to))
    if (q.outcome !== undefined) (where.push('c.end_reason = $outcome'), (p.outcome = q.outcome))
    // Digits only (validated by the caller of this method); LIKE wildcards cannot get in.
    if (q.digits !== undefined) (where.push(`c.caller LIKE $digits`), (p.digits = `%${q.digits.replace(/\D/g, '')}`))
    if (q.task !== undefined) (where.push('EXISTS (SELECT 1 FROM tasks t WHERE t.call_id = c.id AND t.kind = $task)'), (p.task = q.task))
    const sql = `SELECT c.* FROM calls c ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY c.started_at DESC LIMIT $limit`
    return callRows.many(this.sql.query(sql).all(p))
  }

  /** Task kinds per call, for the history list. */
  taskKinds(callIds: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>()
    if (callIds.length === 0) return out
    const list = this.sql
      .query(`SELECT call_id, kind FROM tasks WHERE call_id IN (SELECT value FROM json_each($ids)) ORDER BY created_at`)
      .all({ ids: JSON.stringify(callIds) }) as { call_id: string; kind: string }[]
    for (const r of list) out.set(r.call_id, [...(out.get(r.call_id) ?? []), r.kind])
    return out
  }

  outcomes(): string[] {
    return (this.sql.query('SELECT DISTINCT end_reason AS r FROM calls WHERE end_reason IS NOT NULL ORDER BY r').all() as { r: string }[]).map((x) => x.r)
  }

  appointmentsBetween(from: number, to: number): AppointmentRow[] {
    return appointmentRows.many(this.sql.query('SELECT * FROM appointments WHERE starts_at >= $from AND starts_at < $to ORDER BY starts_at, status').all({ from, to }))
  }

  purgeEvents(before: number): number {
    return this.sql.query('DELETE FROM call_events WHERE at < $before').run({ before }).changes
  }
}
