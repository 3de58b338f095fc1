/**
 * @module store/appointments-repo
 * Appointments. The partial unique index on `starts_at` (booked only) decides races between concurrent calls: of two
 * bookings for one slot exactly one commits. Booking is idempotent by id (the effect's idempotency key), so an
 * effect re-run after a crash finds its own booking instead of failing.
 */
import type { Database } from 'bun:sqlite'
import type { Db } from './db'
import { AppointmentRow, rowChecker } from './rows'

const rows = rowChecker('appointments', AppointmentRow)

export type BookResult = { ok: true; appointment: AppointmentRow } | { ok: false; reason: 'taken' }

export class AppointmentsRepo {
  private readonly sql: Database
  constructor(private readonly db: Db) {
    this.sql = db.sqlite
  }

  /** Books durably (fsynced: it is a promise to the caller). */
  book(a: { id: string; caller: string | undefined; startsAt: number; minutes: number; taskId?: string; callId?: string; at: number }): BookResult {
    return this.db.durable(() => {
      const existing = this.get(a.id)
      if (existing) return { ok: true as const, appointment: existing }
      try {
        this.sql
          .query(
            `INSERT INTO appointments (id, caller, starts_at, minutes, status, task_id, call_id, created_at, updated_at)
             VALUES ($id, $caller, $startsAt, $minutes, 'booked', $taskId, $callId, $at, $at)`,
          )
          .run({ id: a.id, caller: a.caller ?? null, startsAt: a.startsAt, minutes: a.minutes, taskId: a.taskId ?? null, callId: a.callId ?? null, at: a.at })
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false as const, reason: 'taken' as const }
        throw err
      }
      return { ok: true as const, appointment: this.get(a.id) as AppointmentRow }
    })
  }

  get(id: string): AppointmentRow | undefined {
    return rows.maybe(this.sql.query('SELECT * FROM appointments WHERE id = $id').get({ id }))
  }

  isTaken(startsAt: number): boolean {
    return this.sql.query(`SELECT 1 FROM appointments WHERE starts_at = $startsAt AND status = 'booked'`).get({ startsAt }) !== null
  }

  /** Booked slot starts in [from, to). */
  takenBetween(from: number, to: number): Set<number> {
    const list = this.sql.query(`SELECT starts_at FROM appointments WHERE status = 'booked' AND starts_at >= $from AND starts_at < $to`).all({ from, to }) as { starts_at: number }[]
    return new Set(list.map((r) => r.starts_at))
  }

  upcomingFor(caller: string, now: number): AppointmentRow[] {
    return rows.many(this.sql.query(`SELECT * FROM appointments WHERE caller = $caller AND status = 'booked' AND starts_at >= $now ORDER BY starts_at`).all({ caller, now }))
  }

  cancel(id: string, at: number): boolean {
    return this.db.durable(() => this.sql.query(`UPDATE appointments SET status = 'cancelled', updated_at = $at WHERE id = $id AND status = 'booked'`).run({ id, at }).changes === 1)
  }

  /** Moves a booking; `taken` when the new slot is held by someone else. */
  move(id: string, startsAt: number, at: number): { ok: true } | { ok: false; reason: 'taken' | 'not-found' } {
    return this.db.durable(() => {
      const a = this.get(id)
      if (!a || a.status !== 'booked') return { ok: false as const, reason: 'not-found' as const }
      if (a.starts_at === startsAt) return { ok: true as const }
      try {
        this.sql.query('UPDATE appointments SET starts_at = $startsAt, updated_at = $at WHERE id = $id').run({ id, startsAt, at })
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false as const, reason: 'taken' as const }
        throw err
      }
      return { ok: true as const }
    })
  }
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && /UNIQUE constraint failed/i.test(err.message)
}
