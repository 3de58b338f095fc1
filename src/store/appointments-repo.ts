/**
 * @module store/appointments-repo
 * Appointments, each held by a resource (a staff member; '' = the business as a whole). A booking is refused when it
 * overlaps a booked appointment of the same resource: the check and the insert are one transaction, serialised per
 * resource (SQLite runs one writer at a time; PostgreSQL takes a transaction-scoped advisory lock on the resource, so
 * instances sharing the database decide the same way), and the partial unique index on (resource, starts_at) stays as
 * the database's guard: of two bookings for one slot exactly one commits. Booking is idempotent by id (the effect's
 * idempotency key), so an effect re-run after a crash finds its own booking instead of failing.
 */
import { UniqueViolation, type Sql } from './sql'
import { AppointmentRow, HeldSlotRow, rowChecker } from './rows'

const rows = rowChecker('appointments', AppointmentRow)
const held = rowChecker('appointments', HeldSlotRow)

export type BookResult = { ok: true; appointment: AppointmentRow } | { ok: false; reason: 'taken' }

export class AppointmentsRepo {
  constructor(private readonly sql: Sql) {}

  /** Books durably (a promise to the caller). A slot held by another booking is `taken`; the same id is a success. */
  async book(a: { id: string; caller: string | undefined; startsAt: number; minutes: number; serviceId?: string | undefined; callerName?: string | undefined; resource?: string | undefined; taskId?: string; callId?: string; at: number }): Promise<BookResult> {
    const resource = a.resource ?? ''
    return this.sql.tx(
      async (t) => {
        const existing = await get(t, a.id)
        if (existing) return { ok: true as const, appointment: existing }
        await lockResource(t, resource)
        if (await overlapping(t, resource, a.startsAt, a.minutes, undefined)) return { ok: false as const, reason: 'taken' as const }
        // No conflict target: the primary key (a concurrent re-run) and the slot index both end in "nothing inserted",
        // without an error that would abort a PostgreSQL transaction.
        const inserted = await t.run(
          `INSERT INTO appointments (id, caller, caller_name, starts_at, minutes, status, task_id, call_id, created_at, updated_at, service_id, resource)
           VALUES ($id, $caller, $callerName, $startsAt, $minutes, 'booked', $taskId, $callId, $at, $at, $serviceId, $resource) ON CONFLICT DO NOTHING`,
          { id: a.id, caller: a.caller ?? null, callerName: a.callerName ?? null, startsAt: a.startsAt, minutes: a.minutes, taskId: a.taskId ?? null, callId: a.callId ?? null, at: a.at, serviceId: a.serviceId ?? null, resource },
        )
        const mine = await get(t, a.id)
        if (mine) return { ok: true as const, appointment: mine }
        if (inserted === 1) throw new Error(`appointment ${a.id} was inserted but cannot be read back`)
        return { ok: false as const, reason: 'taken' as const }
      },
      { durable: true },
    )
  }

  get(id: string): Promise<AppointmentRow | undefined> {
    return get(this.sql, id)
  }

  /**
   * Whether [startsAt, startsAt + minutes) overlaps a booked appointment: of `resource` when given, of any resource
   * otherwise (the business without staff books everything as ''). Without `minutes`, whether `startsAt` is inside one.
   */
  isTaken(startsAt: number, minutes?: number, resource?: string): Promise<boolean> {
    return overlapping(this.sql, resource, startsAt, minutes ?? 0, undefined)
  }

  /** Booked appointments starting in [from, to): when, how long, who holds them (availability reads these once). */
  async bookedBetween(from: number, to: number): Promise<HeldSlotRow[]> {
    return held.many(await this.sql.all(`SELECT starts_at, minutes, resource FROM appointments WHERE status = 'booked' AND starts_at >= $from AND starts_at < $to`, { from, to }))
  }

  /** Booked slot starts in [from, to). */
  async takenBetween(from: number, to: number): Promise<Set<number>> {
    const list = await this.sql.all(`SELECT starts_at FROM appointments WHERE status = 'booked' AND starts_at >= $from AND starts_at < $to`, { from, to })
    return new Set(list.map((r) => Number(r.starts_at)))
  }

  async upcomingFor(caller: string, now: number): Promise<AppointmentRow[]> {
    return rows.many(await this.sql.all(`SELECT * FROM appointments WHERE caller = $caller AND status = 'booked' AND starts_at >= $now ORDER BY starts_at`, { caller, now }))
  }

  async cancel(id: string, at: number): Promise<boolean> {
    const n = await this.sql.tx((t) => t.run(`UPDATE appointments SET status = 'cancelled', updated_at = $at WHERE id = $id AND status = 'booked'`, { id, at }), { durable: true })
    return n === 1
  }

  /** Moves a booking; `taken` when the new slot is held by someone else. */
  async move(id: string, startsAt: number, at: number): Promise<{ ok: true } | { ok: false; reason: 'taken' | 'not-found' }> {
    try {
      return await this.sql.tx(
        async (t) => {
          const a = await get(t, id)
          if (!a || a.status !== 'booked') return { ok: false as const, reason: 'not-found' as const }
          if (a.starts_at === startsAt) return { ok: true as const }
          await lockResource(t, a.resource)
          if (await overlapping(t, a.resource, startsAt, a.minutes, a.id)) return { ok: false as const, reason: 'taken' as const }
          await t.run('UPDATE appointments SET starts_at = $startsAt, updated_at = $at WHERE id = $id', { id, startsAt, at })
          return { ok: true as const }
        },
        { durable: true },
      )
    } catch (err) {
      // The violation rolled the whole transaction back (PostgreSQL aborts it); the booking is where it was.
      if (err instanceof UniqueViolation) return { ok: false, reason: 'taken' }
      throw err
    }
  }
}

async function get(sql: Sql, id: string): Promise<AppointmentRow | undefined> {
  return rows.maybe(await sql.get('SELECT * FROM appointments WHERE id = $id', { id }))
}

async function overlapping(sql: Sql, resource: string | undefined, startsAt: number, minutes: number, except: string | undefined): Promise<boolean> {
  const end = startsAt + Math.max(minutes * 60_000, 1)
  const hit = await sql.get(
    `SELECT 1 AS hit FROM appointments WHERE status = 'booked' AND (CAST($resource AS TEXT) IS NULL OR resource = $resource) AND (CAST($except AS TEXT) IS NULL OR id != $except)
       AND starts_at < $end AND starts_at + minutes * 60000 > $start LIMIT 1`,
    { resource: resource ?? null, except: except ?? null, start: startsAt, end },
  )
  return hit !== undefined
}

/**
 * Serialises the overlap check and the write per resource across everything sharing the database. SQLite already
 * has one writer; PostgreSQL holds the lock until the transaction ends.
 */
async function lockResource(sql: Sql, resource: string): Promise<void> {
  if (sql.kind === 'postgres') await sql.get(`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext('fastagent.resource:' || $resource))) AS l`, { resource })
}
