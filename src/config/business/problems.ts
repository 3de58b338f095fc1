/**
 * @module config/business/problems
 * What is wrong with a business file, each problem named by its path the way an owner reads it:
 * `services[2].minutes: must be ≥ 5`, `booking.min_notice: unknown key (did you mean min_notice_minutes?)`.
 */
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'

export type FileProblem = { readonly path: string; readonly reason: string }

/** `/services/2/minutes` → `services[2].minutes`. */
export function displayPath(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
  let out = ''
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`
  return out === '' ? '(file)' : out
}

const plural = (n: unknown, what: string) => `${String(n)} ${what}${n === 1 ? '' : 's'}`

function reasonOf(e: ValueError): string {
  const s = e.schema as TSchema & Record<string, unknown>
  const custom = typeof s.problem === 'string' ? s.problem : undefined
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = e.path.split('/').pop() ?? ''
      const known = Object.keys((s.properties as Record<string, unknown> | undefined) ?? {})
      const near = nearest(key, known)
      return `unknown key${near ? ` (did you mean ${near}?)` : known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`
    }
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required'
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be ≥ ${String(s.minimum)}`
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be ≤ ${String(s.maximum)}`
    case ValueErrorType.Integer:
      return 'must be a whole number'
    case ValueErrorType.Number:
      return 'must be a number'
    case ValueErrorType.String:
      return custom ?? 'must be text'
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'must not be empty' : `must be at least ${plural(s.minLength, 'character')}`
    case ValueErrorType.StringMaxLength:
      return `must be at most ${plural(s.maxLength, 'character')}`
    case ValueErrorType.StringPattern:
      return custom ?? `must match ${String(s.pattern)}`
    case ValueErrorType.Array:
      return 'must be a list'
    case ValueErrorType.ArrayMinItems:
      return `must list at least ${plural(s.minItems, 'entry')}`.replace('entrys', 'entries')
    case ValueErrorType.ArrayMaxItems:
      return `must list at most ${plural(s.maxItems, 'entry')}`.replace('entrys', 'entries')
    case ValueErrorType.Object:
      return custom ?? 'must be a mapping of keys to values'
    case ValueErrorType.Boolean:
      return 'must be true or false'
    default:
      return custom ?? e.message.replace(/^Expected/, 'must be')
  }
}

/** Every problem of `value` against `schema`, one per path (the first, most specific reason). */
export function schemaProblems(schema: TSchema, value: unknown, limit = 30): FileProblem[] {
  const seen = new Set<string>()
  const out: FileProblem[] = []
  for (const e of Value.Errors(schema, value)) {
    const path = displayPath(e.path)
    // A missing key also fails its type; an error inside a union is reported once, at the union.
    if ([...seen].some((p) => path === p || path.startsWith(p + '.') || path.startsWith(p + '['))) continue
    seen.add(path)
    out.push({ path, reason: reasonOf(e) })
    if (out.length >= limit) break
  }
  return out
}

/** The known key closest to a typo (edit distance ≤ 3, or one a prefix of the other). */
export function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const k of known) {
    const d = k.startsWith(key) || key.startsWith(k) ? 1 : distance(key.toLowerCase(), k.toLowerCase())
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return bestD <= 3 ? best : undefined
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length] ?? 0
}

export function formatFileProblems(source: string, problems: readonly FileProblem[]): string {
  const n = problems.length
  return `fastagent: invalid business file ${source} (${n} problem${n === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p.path}: ${p.reason}`).join('\n')}`
}
