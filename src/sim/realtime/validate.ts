/**
 * @module sim/realtime/validate
 * Turns TypeBox validation errors into the one `error` the real API would send. The API reports a single problem per
 * event, so the errors are ranked: an unknown field first (that is what a beta-shaped client trips over), then a
 * missing one, then a wrong JSON type, then a bad value. Paths become the API's dotted `param` form
 * (`session.audio.input.format.rate`, `session.tools[0].name`).
 */
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { clientError, invalidType, invalidValue, missingParameter, unknownParameter, type ClientError } from './errors'

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null'

const ARTICLE: Record<Kind, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
}

function kindOf(v: unknown): Kind | 'decimal' {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'decimal'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'boolean'
  if (typeof v === 'object') return 'object'
  return 'null'
}

/** The JSON kinds a schema accepts (a literal accepts its value's kind; a union the kinds of its members). */
function expectedKinds(schema: TSchema): Kind[] {
  const s = schema as { type?: unknown; const?: unknown; anyOf?: TSchema[] }
  if (s.anyOf) return s.anyOf.flatMap(expectedKinds)
  if (s.const !== undefined) {
    const k = kindOf(s.const)
    return [k === 'decimal' ? 'number' : k]
  }
  if (typeof s.type === 'string') return [s.type as Kind]
  return []
}

function accepts(kinds: Kind[], actual: Kind | 'decimal'): boolean {
  if (kinds.length === 0) return true
  if (actual === 'decimal') return kinds.includes('number')
  if (actual === 'integer') return kinds.includes('integer') || kinds.includes('number')
  return kinds.includes(actual)
}

/** `/session/tools/0/name` → `session.tools[0].name`. */
export function paramOf(prefix: string, path: string): string {
  let out = prefix
  for (const raw of path.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (/^\d+$/.test(part)) out += `[${part}]`
    else out += out === '' ? part : `.${part}`
  }
  return out
}

const RANK: Partial<Record<ValueErrorType, number>> = {
  [ValueErrorType.ObjectAdditionalProperties]: 0,
  [ValueErrorType.ObjectRequiredProperty]: 1,
}

/** Flattens a union error into its variant's errors when exactly one variant has the value's kind. */
function* expand(e: ValueError): Generator<ValueError> {
  if (e.type === ValueErrorType.Union) {
    const actual = kindOf(e.value)
    const variants = (e.schema as TSchema & { anyOf?: TSchema[] }).anyOf ?? []
    const matching = variants.map((v, i) => [v, i] as const).filter(([v]) => accepts(expectedKinds(v), actual))
    const only = matching.length === 1 ? matching[0] : undefined
    const nested = only ? e.errors[only[1]] : undefined
    if (nested) {
      for (const inner of nested) yield* expand(inner)
      return
    }
  }
  yield e
}

function toClientError(e: ValueError, prefix: string): ClientError {
  const param = paramOf(prefix, e.path)
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return unknownParameter(param)
    case ValueErrorType.ObjectRequiredProperty:
      return missingParameter(param)
    case ValueErrorType.StringMaxLength:
      return clientError(
        'string_above_max_length',
        `Invalid '${param}': string too long. Expected a string with maximum length ${String((e.schema as { maxLength?: number }).maxLength)}, but got a string with length ${String(typeof e.value === 'string' ? e.value.length : 0)} instead.`,
        param,
      )
    default: {
      const kinds = expectedKinds(e.schema)
      const actual = kindOf(e.value)
      if (!accepts(kinds, actual)) {
        const expected = [...new Set(kinds)].map((k) => ARTICLE[k]).join(' or ')
        const got = actual === 'decimal' ? 'a decimal number' : ARTICLE[actual]
        return invalidType(param, expected, got)
      }
      return invalidValue(param, e.value, `${e.message}.`)
    }
  }
}

export type Validator = { readonly check: TypeCheck<TSchema> }

export const compile = (schema: TSchema): Validator => ({ check: TypeCompiler.Compile(schema) })

/** The highest-ranked problem of `value` against `v`, or undefined when it is valid. `prefix` names its location. */
export function firstError(v: Validator, value: unknown, prefix = ''): ClientError | undefined {
  if (v.check.Check(value)) return undefined
  let best: ValueError | undefined
  let bestRank = 99
  const seenMissing = new Set<string>()
  for (const raw of v.check.Errors(value)) {
    for (const e of expand(raw)) {
      // TypeBox reports a missing property twice (required, then "expected object" at the same path).
      if (e.type === ValueErrorType.ObjectRequiredProperty) seenMissing.add(e.path)
      else if (seenMissing.has(e.path)) continue
      const rank = RANK[e.type] ?? 2
      if (rank < bestRank) {
        best = e
        bestRank = rank
      }
    }
  }
  return best ? toClientError(best, prefix) : clientError('invalid_value', 'Invalid request.', prefix || null)
}
