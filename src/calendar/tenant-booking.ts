/**
 * @module calendar/tenant-booking
 * The booking backend of a process serving several businesses: each call's bookings go to its own business's
 * calendar — its `calendar` section, else the process-wide `CALDAV_*` — read and written in that business's time
 * zone, with that business's name, language and service names in its events and texts. A business with no calendar
 * at all books into the built-in store. One runner carries every business's `calendar_sync` rows, each by the
 * calendar of the row's business (tenant).
 *
 * A business's calendar is built the first time it is needed and kept while its settings, zone, name and language
 * stay the same (a reload with the same calendar keeps its connection; a changed one gets a new one).
 */
import { storeDomain, type DomainExecutor } from '../agents/domain-executor'
import type { Business } from '../config/business/business'
import type { OutboxRunner } from '../continuity/outbox-runner'
import type { BookingBackend, BookingBackendDeps } from './booking-backend'
import type { CalendarClient } from './caldav-client'
import { chooseCalendar, type CalendarEnv } from './calendar-config'
import type { CalendarParts } from './caldav-backend'

export type TenantBookingDeps = Omit<BookingBackendDeps, 'tz' | 'business' | 'language' | 'calendar' | 'serviceName' | 'client'> & {
  /** The businesses served now (a reload changes them). */
  readonly businesses: () => readonly Business[]
  readonly env: CalendarEnv
  /** Tests put a proxy in a business's way; built from its settings when absent. */
  readonly client?: (tenant: string) => CalendarClient | undefined
}

/** Each business whose calendar settings do not resolve, with why (boot: exit 78; reload: refused). */
export function calendarProblems(businesses: readonly Business[], env: CalendarEnv): string[] {
  return businesses.flatMap((b) => {
    const c = chooseCalendar(b.calendar, env)
    return c.ok ? [] : [`${b.id} (${b.source}): ${c.problem}`]
  })
}

export async function tenantBookingBackend(d: TenantBookingDeps): Promise<BookingBackend> {
  const local = storeDomain(d.store, d.domainDelayMs ? { delayMs: d.domainDelayMs } : {})
  const withCalendar = d.businesses().filter((b) => settingsOf(b, d.env) !== undefined)
  if (withCalendar.length === 0) return { kind: 'store', domain: local, runner: undefined, checked: Promise.resolve('not configured') }
  const { calendarParts, calendarRunner } = await import('./caldav-backend')
  let runner: OutboxRunner | undefined
  const built = new Map<string, { readonly key: string; readonly parts: CalendarParts }>()

  /** The calendar of `tenant` now; undefined: it books into the store. A tenant a reload removed keeps its last. */
  const partsOf = (tenant: string): CalendarParts | undefined => {
    const b = d.businesses().find((x) => x.id === tenant)
    if (b === undefined) return built.get(tenant)?.parts
    const settings = settingsOf(b, d.env)
    if (settings === undefined) return undefined
    const key = JSON.stringify([settings, b.timeZone, b.name, b.language])
    const have = built.get(tenant)
    if (have?.key === key) return have.parts
    const client = d.client?.(tenant)
    const { client: _perTenant, businesses: _all, env: _env, ...shared } = d
    const parts = calendarParts(
      {
        ...shared,
        tz: b.timeZone,
        business: b.name,
        language: b.language,
        calendar: settings,
        // The business's services now (a reload may rename one; the id stays).
        serviceName: (id) => (d.businesses().find((x) => x.id === tenant) ?? b).services.find((s) => s.id === id)?.name,
        ...(client ? { client } : {}),
      },
      settings,
      () => runner?.wake(),
      tenant,
    )
    built.set(tenant, { key, parts })
    return parts
  }

  const domain: DomainExecutor = { run: (effect, ctx) => (partsOf(ctx.tenant)?.domain ?? local).run(effect, ctx) }
  runner = calendarRunner(d, async (row, payload) => {
    const parts = partsOf(row.tenant_id)
    // Its business no longer has a calendar (a reload took it away): the booking stays in the store, as it is.
    if (parts === undefined) return { kind: 'fail', error: `business ${row.tenant_id} has no calendar now` }
    return parts.handler(row, payload)
  })
  // Each calendar is tried at start (logged per business); unreachable when any of them is.
  const checks = withCalendar.map((b) => partsOf(b.id)?.checked ?? Promise.resolve('connected' as const))
  const checked = Promise.all(checks).then((r) => (r.includes('unreachable') ? ('unreachable' as const) : ('connected' as const)))
  return { kind: 'caldav', domain, runner, checked }
}

function settingsOf(b: Business, env: CalendarEnv) {
  const c = chooseCalendar(b.calendar, env)
  return c.ok ? c.settings : undefined
}
