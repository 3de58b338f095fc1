/**
 * @module agents/domain/settings
 * The business settings a task captures into its context when it starts (time zone, opening hours, slot length, and
 * from a business file: the services with the hours they can be booked in, the staff, dated exceptions and the
 * booking rules), so a snapshot replays and resumes with the rules it was started under, even after a reload.
 * Fields added after the first release are optional: older snapshots stay valid.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Interval, WeekHours } from '../../config/business-hours'
import type { Business } from '../../config/business/business'

export const IntervalSchema = Type.Object({ from: Type.Integer({ minimum: 0, maximum: 1440 }), to: Type.Integer({ minimum: 0, maximum: 1440 }) })
const WeekSchema = Type.Array(Type.Array(IntervalSchema), { minItems: 7, maxItems: 7 })

export const ServiceOptionSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  minutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  synonyms: Type.Array(Type.String()),
  /** When it can be booked: the union of its staff's hours (the business's hours without staff). */
  hours: WeekSchema,
})
export type ServiceOption = Static<typeof ServiceOptionSchema>

export const StaffOptionSchema = Type.Object({ id: Type.String({ minLength: 1 }), services: Type.Array(Type.String()), hours: WeekSchema })
export type StaffOption = Static<typeof StaffOptionSchema>

export const SettingsSchema = Type.Object({
  tz: Type.String({ minLength: 1 }),
  /** Index 0 = Sunday, like `WeekHours`. The chosen service's hours once one is chosen. */
  hours: WeekSchema,
  /** The chosen service's length once one is chosen. */
  slotMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  /** Date (YYYY-MM-DD) → that day's spans instead of the weekday's; [] = closed. */
  exceptions: Type.Optional(Type.Record(Type.String(), Type.Array(IntervalSchema))),
  minNoticeMinutes: Type.Optional(Type.Integer({ minimum: 0 })),
  horizonDays: Type.Optional(Type.Integer({ minimum: 1 })),
  services: Type.Optional(Type.Array(ServiceOptionSchema)),
  staff: Type.Optional(Type.Array(StaffOptionSchema)),
  /** The call's language: what the caller says is read in it, what the task says is built in it. */
  language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('de'), Type.Literal('es')])),
  /** The service being booked (set from the start when the business has one service). */
  service: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
})
export type Settings = Static<typeof SettingsSchema>

/** What the runtime knows of the business when a task starts. */
export type SettingsEnv = { tz: string; hours: WeekHours; slotMinutes: number; business?: Business | undefined }

const copyWeek = (w: WeekHours): Interval[][] => w.map((day) => day.map((i) => ({ from: i.from, to: i.to })))

/** The union of several weeks' spans, merged where they touch or overlap. */
export function unionWeeks(weeks: readonly WeekHours[]): Interval[][] {
  return [0, 1, 2, 3, 4, 5, 6].map((d) => {
    const all = weeks.flatMap((w) => w[d] ?? []).map((i) => ({ from: i.from, to: i.to })).sort((a, b) => a.from - b.from)
    const out: Interval[] = []
    for (const i of all) {
      const last = out[out.length - 1]
      if (last && i.from <= last.to) out[out.length - 1] = { from: last.from, to: Math.max(last.to, i.to) }
      else out.push(i)
    }
    return out
  })
}

export function captureSettings(env: SettingsEnv): Settings {
  // A deep, mutable copy: the context must be plain JSON that shares nothing with the live configuration.
  const base: Settings = { tz: env.tz, hours: copyWeek(env.hours), slotMinutes: env.slotMinutes }
  const b = env.business
  if (!b) return base
  const services: ServiceOption[] = b.services.map((s) => {
    const staff = b.staff.filter((m) => m.services.includes(s.id))
    return { id: s.id, name: s.name, minutes: s.minutes, synonyms: [...s.synonyms], hours: staff.length === 0 ? copyWeek(b.hours) : unionWeeks(staff.map((m) => m.hours)) }
  })
  const settings: Settings = {
    ...base,
    exceptions: Object.fromEntries(Object.entries(b.exceptions).map(([d, spans]) => [d, spans.map((i) => ({ from: i.from, to: i.to }))])),
    ...(b.language !== 'en' ? { language: b.language } : {}),
    minNoticeMinutes: b.booking.minNoticeMinutes,
    horizonDays: b.booking.horizonDays,
    services,
    staff: b.staff.map((m) => ({ id: m.id, services: [...m.services], hours: copyWeek(m.hours) })),
  }
  const only = services.length === 1 ? services[0] : undefined
  return only ? withService(settings, only) : settings
}

/** The settings once `service` is chosen: its hours and its length are the slot grid from then on. */
export function withService(s: Settings, service: ServiceOption): Settings {
  return { ...s, hours: service.hours, slotMinutes: service.minutes, service: { id: service.id, name: service.name } }
}

/** The settings for an existing appointment: its own service's grid, or at least its own length. */
export function forAppointment(s: Settings, a: { readonly minutes: number; readonly serviceId?: string | undefined }): Settings {
  const svc = a.serviceId === undefined ? undefined : s.services?.find((x) => x.id === a.serviceId)
  return svc ? withService(s, svc) : { ...s, slotMinutes: a.minutes }
}

/** The business's services, for tasks that need one (none listed: the single implicit appointment). */
export const serviceOptions = (s: Settings): readonly ServiceOption[] => s.services ?? []
