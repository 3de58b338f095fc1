/**
 * @module config/business/resolve
 * A schema-valid business file → the effective {@link Business}, with the checks a schema cannot express (hours that
 * parse, real dates, a real time zone, staff naming services that exist), each named by its path. Pure.
 */
import { parseBusinessHours, type Interval, type WeekHours } from '../business-hours'
import { DEFAULT_BOOKING, type Business, type Service, type StaffMember, type TenantMatch } from './business'
import type { BusinessFile } from './schema'
import type { FileProblem } from './problems'
import { resolveTasks } from './resolve-tasks'
import { BUILT_IN_TOOLS } from './built-in-tools'

export type Resolved = { ok: true; business: Business } | { ok: false; problems: FileProblem[] }

const DAY_TEXT = /^[a-z]{3}/i

/** `{ mon-fri: "08:00-18:00", sat: "09:00-13:00" }` or `"Mon-Fri 08:00-18:00; Sat 09:00-13:00"`, read by the one parser. */
export function resolveHours(path: string, hours: string | Readonly<Record<string, string>>, problems: FileProblem[]): WeekHours {
  if (typeof hours === 'string') {
    const r = parseBusinessHours(hours)
    if (r.ok) return r.hours
    problems.push({ path, reason: r.error })
    return emptyWeek()
  }
  const week: Interval[][] = [[], [], [], [], [], [], []]
  for (const [days, spans] of Object.entries(hours)) {
    const here = `${path}.${days}`
    if (!DAY_TEXT.test(days)) {
      problems.push({ path: here, reason: 'must be days such as mon, mon-fri or sat,sun' })
      continue
    }
    const r = parseBusinessHours(`${days} ${spans}`)
    if (!r.ok) {
      problems.push({ path: here, reason: r.error })
      continue
    }
    r.hours.forEach((day, d) => week[d]?.push(...day))
  }
  for (const [d, day] of week.entries()) {
    day.sort((a, b) => a.from - b.from)
    for (let i = 1; i < day.length; i++) {
      if ((day[i]?.from ?? 0) < (day[i - 1]?.to ?? 0)) {
        problems.push({ path, reason: `has overlapping spans on ${['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][d]}` })
        break
      }
    }
  }
  return week
}

/** One day's spans: "09:00-12:00" or "09:00-12:00, 14:00-16:00", or "closed". */
function resolveSpans(path: string, spans: string, problems: FileProblem[]): Interval[] {
  if (spans.trim().toLowerCase() === 'closed') return []
  const r = parseBusinessHours(`Mon ${spans}`)
  if (!r.ok) {
    problems.push({ path, reason: r.error })
    return []
  }
  return (r.hours[1] ?? []).map((i) => ({ from: i.from, to: i.to }))
}

export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.toISOString().slice(0, 10) === s
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'staff'

export type Env = Readonly<Record<string, string | undefined>>

/** The tenant section: bot names, numbers, the token (in the file, or the variable it names), the SMS sender. */
function resolveTenant(t: BusinessFile['tenant'], env: Env, problems: FileProblem[]): TenantMatch {
  let botToken = t?.bot_token
  if (t?.bot_token !== undefined && t.bot_token_env !== undefined) problems.push({ path: 'tenant.bot_token_env', reason: 'set bot_token or bot_token_env, not both' })
  else if (t?.bot_token_env !== undefined) {
    const v = env[t.bot_token_env]
    if (v === undefined || v === '') problems.push({ path: 'tenant.bot_token_env', reason: `names ${t.bot_token_env}, which is not set` })
    else if (v.length < 8) problems.push({ path: 'tenant.bot_token_env', reason: `${t.bot_token_env} must be at least 8 characters` })
    else botToken = v
  }
  const seen = new Set<string>()
  for (const [i, name] of (t?.bot_names ?? []).entries()) {
    const k = name.trim().toLowerCase()
    if (seen.has(k)) problems.push({ path: `tenant.bot_names[${i}]`, reason: `is listed twice (${name})` })
    seen.add(k)
  }
  const numbers = new Set<string>()
  for (const [i, n] of (t?.numbers ?? []).entries()) {
    if (numbers.has(n)) problems.push({ path: `tenant.numbers[${i}]`, reason: `is listed twice (${n})` })
    numbers.add(n)
  }
  return { botNames: (t?.bot_names ?? []).map((n) => n.trim()), numbers: [...numbers], botToken, smsFrom: t?.sms_from }
}

export function resolveBusiness(file: BusinessFile, id: string, source: string, env: Env = {}): Resolved {
  const problems: FileProblem[] = []
  const tenant = resolveTenant(file.tenant, env, problems)
  if (!isTimeZone(file.business.timezone)) problems.push({ path: 'business.timezone', reason: `must be an IANA time zone such as Europe/Berlin (got ${JSON.stringify(file.business.timezone)})` })
  const hours = resolveHours('hours', file.hours, problems)

  const exceptions: Record<string, Interval[]> = {}
  for (const [i, date] of (file.closed ?? []).entries()) {
    if (!isRealDate(date)) problems.push({ path: `closed[${i}]`, reason: `is not a calendar date (${date})` })
    else exceptions[date] = []
  }
  for (const [date, spans] of Object.entries(file.special_hours ?? {})) {
    const path = `special_hours.${date}`
    if (!isRealDate(date)) {
      problems.push({ path, reason: 'must be a date like 2026-12-31' })
      continue
    }
    if (exceptions[date] !== undefined) problems.push({ path, reason: 'is also listed under closed' })
    exceptions[date] = resolveSpans(path, spans, problems)
  }

  const services: Service[] = (file.services ?? [{ id: 'appointment', name: 'appointment', minutes: 30 }]).map((s) => ({
    id: s.id,
    name: s.name,
    minutes: s.minutes,
    synonyms: s.synonyms ?? [],
  }))
  const ids = new Set<string>()
  for (const [i, s] of services.entries()) {
    if (ids.has(s.id)) problems.push({ path: `services[${i}].id`, reason: `is used twice (${s.id})` })
    ids.add(s.id)
  }
  const names = new Map<string, string>()
  for (const [i, s] of services.entries()) {
    for (const [j, word] of [s.name, ...s.synonyms].entries()) {
      const k = word.trim().toLowerCase()
      const other = names.get(k)
      if (other !== undefined && other !== s.id) problems.push({ path: j === 0 ? `services[${i}].name` : `services[${i}].synonyms[${j - 1}]`, reason: `"${word}" already names service ${other}` })
      names.set(k, s.id)
    }
  }

  const staffIds = new Set<string>()
  const staff: StaffMember[] = (file.staff ?? []).map((m, i) => {
    const id = m.id ?? slug(m.name)
    if (staffIds.has(id)) problems.push({ path: `staff[${i}]${m.id ? '.id' : '.name'}`, reason: `gives the id ${id} twice (set a distinct id)` })
    staffIds.add(id)
    for (const [j, sid] of (m.services ?? []).entries()) {
      if (!ids.has(sid)) problems.push({ path: `staff[${i}].services[${j}]`, reason: `is not a service id (services: ${[...ids].join(', ')})` })
    }
    return { id, name: m.name, services: m.services ?? [...ids], hours: m.hours === undefined ? hours : resolveHours(`staff[${i}].hours`, m.hours, problems) }
  })
  if (staff.length > 0) {
    for (const [i, s] of services.entries()) {
      if (!staff.some((m) => m.services.includes(s.id))) problems.push({ path: `services[${i}]`, reason: `no staff member does ${s.id} (list it under a staff member's services)` })
    }
  }
  const tasks = resolveTasks(file.tasks ?? [], BUILT_IN_TOOLS, problems)
  if (problems.length > 0) return { ok: false, problems }
  return {
    ok: true,
    business: {
      id: file.tenant?.id ?? id,
      tenant,
      source,
      name: file.business.name,
      timeZone: file.business.timezone,
      language: file.business.language ?? 'en',
      voice: file.business.voice,
      hours,
      exceptions,
      services,
      staff,
      booking: {
        minNoticeMinutes: file.booking?.min_notice_minutes ?? DEFAULT_BOOKING.minNoticeMinutes,
        horizonDays: file.booking?.horizon_days ?? DEFAULT_BOOKING.horizonDays,
        maxOpenPerCaller: file.booking?.max_open_per_caller ?? DEFAULT_BOOKING.maxOpenPerCaller,
      },
      faq: file.faq ?? [],
      wording: file.wording ?? {},
      ...(file.calendar ? { calendar: file.calendar } : {}),
      tasks,
    },
  }
}

function emptyWeek(): WeekHours {
  return [[], [], [], [], [], [], []]
}
