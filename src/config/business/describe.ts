/**
 * @module config/business/describe
 * The effective configuration as `fastagent config check` prints it: the business, the hours as a week table (with a
 * column per staff member), the exceptions, the services, the staff and the rules.
 */
import type { Interval, WeekHours } from '../business-hours'
import type { Business } from './business'

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const
const INDEX = [1, 2, 3, 4, 5, 6, 0] as const

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
export const spansText = (spans: readonly Interval[]) => (spans.length === 0 ? 'closed' : spans.map((i) => `${hhmm(i.from)}-${hhmm(i.to)}`).join(', '))

function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? []
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd())
}

export function weekTable(columns: readonly { readonly title: string; readonly hours: WeekHours }[]): string[] {
  const rows: string[][] = [['', ...columns.map((c) => c.title)]]
  for (const [i, day] of DAYS.entries()) rows.push([day, ...columns.map((c) => spansText(c.hours[INDEX[i] ?? 0] ?? []))])
  return table(rows)
}

export function describeBusiness(b: Business): string {
  const out: string[] = []
  out.push(`${b.name}  (tenant ${b.id}, from ${b.source})`)
  out.push(`  time zone ${b.timeZone} · language ${b.language} · voice ${b.voice ?? '(OPENAI_VOICE)'}`)
  out.push('', 'Hours')
  out.push(...weekTable([{ title: 'business', hours: b.hours }, ...b.staff.map((m) => ({ title: m.name, hours: m.hours }))]))
  const dates = Object.keys(b.exceptions).sort()
  if (dates.length > 0) {
    out.push('', 'Exceptions')
    out.push(...table(dates.map((d) => [d, spansText(b.exceptions[d] ?? [])])))
  }
  out.push('', 'Services')
  out.push(...table(b.services.map((s) => [s.id, s.name, `${s.minutes} min`, s.synonyms.length > 0 ? `also: ${s.synonyms.join(', ')}` : ''])))
  if (b.staff.length > 0) {
    out.push('', 'Staff')
    out.push(...table(b.staff.map((m) => [m.id, m.name, m.services.join(', ')])))
  }
  const r = b.booking
  out.push('', 'Booking')
  out.push(`  at least ${r.minNoticeMinutes} min notice · up to ${r.horizonDays} days ahead · ${r.maxOpenPerCaller === undefined ? 'no limit of open bookings per caller' : `at most ${r.maxOpenPerCaller} open per caller`}`)
  out.push('', `FAQ: ${b.faq.length} ${b.faq.length === 1 ? 'entry' : 'entries'}`)
  for (const f of b.faq) out.push(`  Q: ${f.q}`, `     A: ${f.a}`)
  if (b.tasks.length > 0) {
    out.push('', 'Tasks')
    out.push(...table(b.tasks.map((t) => [t.id, t.kind, t.fields.map((f) => `${f.name} (${f.type}${f.optional ? ', optional' : ''})`).join(', '), `→ ${t.submit.url} (signed with ${t.submit.secretEnv})`])))
  }
  const langs = Object.entries(b.wording).filter(([, v]) => v !== undefined && Object.keys(v).length > 0)
  out.push('', `Wording overrides: ${langs.length === 0 ? 'none (language packs as shipped)' : langs.map(([l, v]) => `${l} (${Object.keys(v ?? {}).join(', ')})`).join('; ')}`)
  return out.join('\n')
}
