/**
 * @module config/business-hours
 * The `BUSINESS_HOURS` format: `;`-separated rules of `<days> <from>-<to>[,<from>-<to>…]`, days as `Mon`, `Mon-Fri`
 * or `Mon,Wed,Fri`, times as 24-hour `HH:MM` in the business time zone. Example: `Mon-Fri 09:00-17:00; Sat 10:00-14:00`.
 */

/** Minutes after local midnight, [from, to). */
export type Interval = { readonly from: number; readonly to: number }
/** Index 0 = Sunday … 6 = Saturday, like `Date#getDay`. */
export type WeekHours = readonly (readonly Interval[])[]

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const

function dayIndex(token: string): number {
  return DAYS.indexOf(token.trim().slice(0, 3).toLowerCase() as (typeof DAYS)[number])
}

function parseTime(s: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim())
  if (!m) return undefined
  const h = Number(m[1])
  const min = Number(m[2])
  if (h > 24 || min > 59 || (h === 24 && min !== 0)) return undefined
  return h * 60 + min
}

function parseDays(spec: string): number[] | string {
  const days: number[] = []
  for (const part of spec.split(',')) {
    const range = part.split('-')
    if (range.length === 1) {
      const d = dayIndex(range[0] ?? '')
      if (d < 0) return `unknown day ${JSON.stringify(part.trim())}`
      days.push(d)
    } else if (range.length === 2) {
      const a = dayIndex(range[0] ?? '')
      const b = dayIndex(range[1] ?? '')
      if (a < 0 || b < 0) return `unknown day range ${JSON.stringify(part.trim())}`
      for (let d = a; ; d = (d + 1) % 7) {
        days.push(d)
        if (d === b) break
      }
    } else return `bad day range ${JSON.stringify(part.trim())}`
  }
  return days
}

export function parseBusinessHours(text: string): { ok: true; hours: WeekHours } | { ok: false; error: string } {
  const week: Interval[][] = [[], [], [], [], [], [], []]
  const rules = text.split(';').map((r) => r.trim()).filter((r) => r.length > 0)
  if (rules.length === 0) return { ok: false, error: 'must list at least one rule such as "Mon-Fri 09:00-17:00"' }
  for (const rule of rules) {
    const m = /^([A-Za-z,\- ]+?)\s+(\d.*)$/.exec(rule)
    if (!m) return { ok: false, error: `must look like "Mon-Fri 09:00-17:00" (rule ${JSON.stringify(rule)})` }
    const days = parseDays((m[1] ?? '').replace(/\s+/g, ''))
    if (typeof days === 'string') return { ok: false, error: `has an ${days}` }
    for (const span of (m[2] ?? '').split(',')) {
      // "Mon-Fri 09:00-17:00, Sat 10:00-14:00": a day after a time span means ',' was used between rules.
      if (/[A-Za-z]/.test(span)) {
        return { ok: false, error: `separates rules with ",": use ";" between rules, as in "Mon-Fri 09:00-17:00; Sat 10:00-14:00" (at ${JSON.stringify(span.trim())})` }
      }
      const [a, b, ...rest] = span.split('-')
      const from = a === undefined ? undefined : parseTime(a)
      const to = b === undefined ? undefined : parseTime(b)
      if (from === undefined || to === undefined || rest.length > 0 || to <= from) {
        return { ok: false, error: `has a bad time span ${JSON.stringify(span.trim())} (use HH:MM-HH:MM, end after start)` }
      }
      for (const d of days) week[d]?.push({ from, to })
    }
  }
  for (const [d, day] of week.entries()) {
    day.sort((x, y) => x.from - y.from)
    for (let i = 1; i < day.length; i++) {
      const prev = day[i - 1]
      const cur = day[i]
      if (prev && cur && cur.from < prev.to) {
        return { ok: false, error: `has overlapping hours on ${DAY_NAMES[d] ?? ''}: ${clock24(prev)} and ${clock24(cur)} (each day's spans must not overlap)` }
      }
    }
  }
  return { ok: true, hours: week }
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
const clock24 = (i: Interval) => `${hhmm(i.from)}-${hhmm(i.to)}`

export function formatClock(minutes: number): string {
  const h = Math.floor(minutes / 60) % 24
  const m = minutes % 60
  const suffix = h < 12 ? 'AM' : 'PM'
  const h12 = h % 12 === 0 ? 12 : h % 12
  return m === 0 ? `${h12} ${suffix}` : `${h12}:${String(m).padStart(2, '0')} ${suffix}`
}

/** How a week of hours is said in one language (i18n/hours-words builds these from a language pack). */
export type WeekWords = {
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: (day: number) => string
  readonly dayRange: (first: string, last: string) => string
  readonly clock: (minutes: number) => string
  readonly span: (from: string, to: string) => string
  readonly and: string
  readonly closed: string
}

/** English, as logs and `config check` print the hours. */
export const ENGLISH_WEEK: WeekWords = {
  weekday: (d) => DAY_NAMES[d] ?? '',
  dayRange: (first, last) => `${first} to ${last}`,
  clock: formatClock,
  span: (from, to) => `${from} to ${to}`,
  and: 'and',
  closed: 'closed',
}

/** "Monday to Friday, 9 AM to 5 PM; Saturday, 10 AM to 2 PM" — in English (logs, `config check`). */
export function describeBusinessHours(week: WeekHours): string {
  // Every call of a business asks (its instructions); the answer only changes with a reload's new object.
  let text = described.get(week)
  if (text === undefined) described.set(week, (text = describeWeek(week, ENGLISH_WEEK)))
  return text
}

const described = new WeakMap<WeekHours, string>()

/** The week in `w`'s words: runs of days with the same hours joined ("Monday to Friday"), the week from Monday. */
export function describeWeek(week: WeekHours, w: WeekWords): string {
  const key = (d: number) => (week[d] ?? []).map((i) => `${i.from}-${i.to}`).join(',')
  const parts: string[] = []
  let d = 1 // start the week on Monday, as people say it
  const order = [1, 2, 3, 4, 5, 6, 0]
  for (let i = 0; i < order.length; ) {
    d = order[i] ?? 0
    const k = key(d)
    let j = i
    while (j + 1 < order.length && key(order[j + 1] ?? 0) === k) j++
    if (k !== '') {
      const first = w.weekday(d)
      const last = w.weekday(order[j] ?? 0)
      const days = i === j ? first : w.dayRange(first, last)
      const spans = (week[d] ?? []).map((s) => w.span(w.clock(s.from), w.clock(s.to))).join(` ${w.and} `)
      parts.push(`${days}, ${spans}`)
    }
    i = j + 1
  }
  return parts.length === 0 ? w.closed : parts.join('; ')
}
