/**
 * @module store/appointments-repo
 * Appointments, each held by a resource (a staff member; '' = the business as a whole). A booking is refused when it
 * overlaps a booked appointment of the same resource: the check and the insert are one transaction, serialised per
 * resource (SQLite runs one writer at a time; PostgreSQL takes a transaction-scoped advisory lock on the resource, so
 * instances sharing the database decide the same way), and the partial unique index on (resource, starts_at) stays as
 * the database's guard: of two bookings for one slot exactly one commits. Booking is idempotent by id (the effect's
 * idempotency key), so an effect re-run after a crash finds its own booking instead of failing.
 *
 * Everything is per tenant (store/tenant): a resource, its overlaps, its lock and the unique slot belong to one
 * business, so the same time books in two businesses, and one business never sees another's appointments.
 */
import { UniqueViolation, type Sql } from './sql'
import { AppointmentRow, HeldSlotRow, rowChecker } from './rows'
import { DEFAULT_TENANT, tenantClause } from './tenant'

const rows = rowChecker('appointments', AppointmentRow)
const held = rowChecker('appointments', HeldSlotRow)

export type BookResult = { ok: true; appointment: AppointmentRow } | { ok: false; reason: 'taken' }

export class AppointmentsRepo {
  constructor(
    private readonly sql: Sql,
    private readonly tenant?: string,
  ) {}

  private get writeTenant(): string {
    return this.tenant ?? DEFAULT_TENANT
  }

  /** Books durably (a promise to the caller). A slot held by another booking is `taken`; the same id is a success. */
  async book(a: { id: string; caller: string | undefined; startsAt: number; minutes: number; serviceId?: string | undefined; callerName?: string | undefined; resource?: string | undefined; taskId?: string; callId?: string; at: number }): Promise<BookResult> {
    const resource = a.resource ?? ''
    const tenant = this.writeTenant
    return this.sql.tx(
      async (t) => {
        const existing = await get(t, a.id, undefined)
        if (existing) return existing.tenant_id === tenant ? { ok: true as const, appointment: existing } : { ok: false as const, reason: 'taken' as const }
        await lockResource(t, tenant, resource)
        if (await overlapping(t, tenant, resource, a.startsAt, a.minutes, undefined)) return { ok: false as const, reason: 'taken' as const }
        // No conflict target: the primary key (a concurrent re-run) and the slot index both end in "nothing inserted",
        // without an error that would abort a PostgreSQL transaction.
        const inserted = await t.run(
          `INSERT INTO appointments (id, caller, caller_name, starts_at, minutes, status, task_id, call_id, created_at, updated_at, service_id, resource, tenant_id)
           VALUES ($id, $caller, $callerName, $startsAt, $minutes, 'booked', $taskId, $callId, $at, $at, $serviceId, $resource, $tenant) ON CONFLICT DO NOTHING`,
          { id: a.id, caller: a.caller ?? null, callerName: a.callerName ?? null, startsAt: a.startsAt, minutes: a.minutes, taskId: a.taskId ?? null, callId: a.callId ?? null, at: a.at, serviceId: a.serviceId ?? null, resource, tenant },
        )
        const mine = await get(t, a.id, tenant)
        if (mine) return { ok: true as const, appointment: mine }
        if (inserted === 1) throw new Error(`appointment ${a.id} was inserted but cannot be read back`)
        return { ok: false as const, reason: 'taken' as const }
      },
      { durable: true },
    )
  }

  get(id: string): Promise<AppointmentRow | undefined> {
    return get(this.sql, id, this.tenant)
  }

  /**
   * Whether [startsAt, startsAt + minutes) overlaps a booked appointment: of `resource` when given, of any resource
   * otherwise (the business without staff books everything as ''). Without `minutes`, whether `startsAt` is inside one.
   */
  isTaken(startsAt: number, minutes?: number, resource?: string): Promise<boolean> {
    return overlapping(this.sql, this.tenant, resource, startsAt, minutes ?? 0, undefined)
  }

  /** Booked appointments starting in [from, to): when, how long, who holds them (availability reads these once). */
  async bookedBetween(from: number, to: number): Promise<HeldSlotRow[]> {
    return held.many(await this.sql.all(`SELECT starts_at, minutes, resource FROM appointments WHERE ${tenantClause()} AND status = 'booked' AND starts_at >= $from AND starts_at < $to`, { from, to, tenant: this.tenant ?? null }))
  }

  /** Booked slot starts in [from, to). */
  async takenBetween(from: number, to: number): Promise<Set<number>> {
    const list = await this.sql.all(`SELECT starts_at FROM appointments WHERE ${tenantClause()} AND status = 'booked' AND starts_at >= $from AND starts_at < $to`, { from, to, tenant: this.tenant ?? null })
    return new Set(list.map((r) => Number(r.starts_at)))
  }

  async upcomingFor(caller: string, now: number): Promise<AppointmentRow[]> {
    return rows.many(await this.sql.all(`SELECT * FROM appointments WHERE ${tenantClause()} AND caller = $caller AND status = 'booked' AND starts_at >= $now ORDER BY starts_at`, { caller, now, tenant: this.tenant ?? null }))
  }

  async cancel(id: string, at: number): Promise<boolean> {
    const n = await this.sql.tx((t) => t.run(`UPDATE appointments SET status = 'cancelled', updated_at = $at WHERE id = $id AND ${tenantClause()} AND status = 'booked'`, { id, at, tenant: this.tenant ?? null }), { durable: true })
    return n === 1
  }

  /**
   * Moves a booking, to another resource when `resource` is given (its staff member does not work then, another
   * does); `taken` when the new slot is held by someone else.
   */
  async move(id: string, startsAt: number, at: number, resource?: string): Promise<{ ok: true } | { ok: false; reason: 'taken' | 'not-found' }> {
    try {
      return await this.sql.tx(
        async (t) => {
          const a = await get(t, id, this.tenant)
          if (!a || a.status !== 'booked') return { ok: false as const, reason: 'not-found' as const }
          const to = resource ?? a.resource
          if (a.starts_at === startsAt && a.resource === to) return { ok: true as const }
          await lockResource(t, a.tenant_id, to)
          if (await overlapping(t, a.tenant_id, to, startsAt, a.minutes, a.id)) return { ok: false as const, reason: 'taken' as const }
          await t.run('UPDATE appointments SET starts_at = $startsAt, resource = $to, updated_at = $at WHERE id = $id', { id, startsAt, to, at })
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

/** `tenant` undefined: whichever tenant holds it (an unbound repository). */
async function get(sql: Sql, id: string, tenant: string | undefined): Promise<AppointmentRow | undefined> {
  return rows.maybe(await sql.get(`SELECT * FROM appointments WHERE id = $id AND ${tenantClause()}`, { id, tenant: tenant ?? null }))
}

async function overlapping(sql: Sql, tenant: string | undefined, resource: string | undefined, startsAt: number, minutes: number, except: string | undefined): Promise<boolean> {
  const end = startsAt + Math.max(minutes * 60_000, 1)
  const hit = await sql.get(
    `SELECT 1 AS hit FROM appointments WHERE ${tenantClause()} AND status = 'booked' AND (CAST($resource AS TEXT) IS NULL OR resource = $resource) AND (CAST($except AS TEXT) IS NULL OR id != $except)
       AND starts_at < $end AND starts_at + minutes * 60000 > $start LIMIT 1`,
    { tenant: tenant ?? null, resource: resource ?? null, except: except ?? null, start: startsAt, end },
  )
  return hit !== undefined
}

/**
 * Serialises the overlap check and the write per resource across everything sharing the database. SQLite already
 * has one writer; PostgreSQL holds the lock until the transaction ends.
 */
async function lockResource(sql: Sql, tenant: string, resource: string): Promise<void> {
  if (sql.kind === 'postgres') await sql.get(`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext('fastagent.resource:' || $tenant || ':' || $resource))) AS l`, { tenant, resource })
}
