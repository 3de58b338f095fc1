/**
 * @module store/appointments-repo
 * Appointments, each held by a resource (a staff member; '' = the business as a whole). A booking is refused when it
 * overlaps a booked appointment of the same resource: the check and the insert are one write transaction (SQLite
 * runs one writer at a time), and the partial unique index on (resource, starts_at) stays as the database's guard:
 * of two bookings for one slot exactly one commits. Booking is idempotent by id (the effect's idempotency key), so an
 * effect re-run after a crash finds its own booking instead of failing.
 */
import type { Database } from 'bun:sqlite'
import type { Db } from './db'
import { AppointmentRow, HeldSlotRow, rowChecker } from './rows'

const rows = rowChecker('appointments', AppointmentRow)
const held = rowChecker('appointments', HeldSlotRow)

export type BookResult = { ok: true; appointment: AppointmentRow } | { ok: false; reason: 'taken' }

export class AppointmentsRepo {
  private readonly sql: Database
  constructor(private readonly db: Db) {
    this.sql = db.sqlite
  }

  /** Books durably (fsynced: it is a promise to the caller). */
  book(a: { id: string; caller: string | undefined; startsAt: number; minutes: number; serviceId?: string | undefined; resource?: string | undefined; taskId?: string; callId?: string; at: number }): BookResult {
    return this.db.durable(() => {
      const existing = this.get(a.id)
      if (existing) return { ok: true as const, appointment: existing }
      const resource = a.resource ?? ''
      if (this.overlapping(resource, a.startsAt, a.minutes, undefined)) return { ok: false as const, reason: 'taken' as const }
      try {
        this.sql
          .query(
            `INSERT INTO appointments (id, caller, starts_at, minutes, status, task_id, call_id, created_at, updated_at, service_id, resource)
             VALUES ($id, $caller, $startsAt, $minutes, 'booked', $taskId, $callId, $at, $at, $serviceId, $resource)`,
          )
          .run({ id: a.id, caller: a.caller ?? null, startsAt: a.startsAt, minutes: a.minutes, taskId: a.taskId ?? null, callId: a.callId ?? null, at: a.at, serviceId: a.serviceId ?? null, resource })
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

  /**
   * Whether [startsAt, startsAt + minutes) overlaps a booked appointment: of `resource` when given, of any resource
   * otherwise (the business without staff books everything as ''). Without `minutes`, whether `startsAt` is inside one.
   */
  isTaken(startsAt: number, minutes?: number, resource?: string): boolean {
    return this.overlapping(resource, startsAt, minutes ?? 0, undefined)
  }

  private overlapping(resource: string | undefined, startsAt: number, minutes: number, except: string | undefined): boolean {
    const end = startsAt + Math.max(minutes * 60_000, 1)
    return (
      this.sql
        .query(
          `SELECT 1 FROM appointments WHERE status = 'booked' AND ($resource IS NULL OR resource = $resource) AND ($except IS NULL OR id != $except)
             AND starts_at < $end AND starts_at + minutes * 60000 > $start LIMIT 1`,
        )
        .get({ resource: resource ?? null, except: except ?? null, start: startsAt, end }) !== null
    )
  }

  /** Booked appointments starting in [from, to): when, how long, who holds them (availability reads these once). */
  bookedBetween(from: number, to: number): HeldSlotRow[] {
    return held.many(this.sql.query(`SELECT starts_at, minutes, resource FROM appointments WHERE status = 'booked' AND starts_at >= $from AND starts_at < $to`).all({ from, to }))
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
      if (this.overlapping(a.resource, startsAt, a.minutes, a.id)) return { ok: false as const, reason: 'taken' as const }
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
