/**
 * @module config/load
 * Turns the process environment into a validated {@link Config}, or into one list naming every bad variable and why.
 * Values of secret variables never appear in messages.
 */
import { Kind, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigSchema, REQUIRED_FOR_SERVE, type Config, type ConfigKey } from './schema'
import { parseBusinessHours } from './business-hours'
import { isTimeZone } from './business/resolve'

export type ConfigProblem = { readonly variable: ConfigKey; readonly reason: string }
export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] }

/** Exit status for bad configuration (sysexits.h EX_CONFIG). */
export const EXIT_CONFIG = 78

type Props = Record<ConfigKey, TSchema & { description?: string; default?: unknown; secret?: boolean; accepts?: string }>
export const configProperties = ConfigSchema.properties as unknown as Props
export const configKeys = Object.keys(ConfigSchema.properties) as ConfigKey[]

const isSecret = (key: ConfigKey) => configProperties[key].secret === true

/** What the schema accepts, in words: its `accepts` note, else read off the schema (unions stay unions). */
function describeExpected(schema: TSchema & { accepts?: string }): string {
  if (schema.accepts !== undefined) return schema.accepts
  if (schema[Kind] === 'Union') return 'one of ' + (schema.anyOf as TSchema[]).map((s) => JSON.stringify(s.const)).join(', ')
  if (schema[Kind] === 'Integer') return `an integer from ${schema.minimum} to ${schema.maximum}`
  if (schema[Kind] === 'Number') return `a number from ${schema.minimum} to ${schema.maximum}`
  if (schema.pattern !== undefined) return `a value matching ${schema.pattern}`
  if (typeof schema.minLength === 'number' && schema.minLength > 1) return `at least ${schema.minLength} characters`
  if (schema.minLength === 1) return 'any non-empty text'
  return 'any text'
}

/**
 * Every constraint on one variable, in words: what its value must be, and which variables must be set with it.
 * `--help`, the README table and the error messages all say it this way.
 */
export function acceptedValues(key: ConfigKey): string {
  const group = groups.find((g) => g.keys.includes(key))
  const with_ = group ? `; set together with ${group.keys.filter((k) => k !== key).join(', ')}` : ''
  return describeExpected(configProperties[key]) + with_
}

function convert(schema: TSchema, raw: string): unknown {
  if (schema[Kind] === 'Integer' || schema[Kind] === 'Number') {
    // Number('') is 0 and Number('0x10') is 16: accept plain decimals only.
    return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : raw
  }
  return raw
}

const groups: ReadonlyArray<{ readonly keys: readonly ConfigKey[]; readonly what: string }> = [
  { keys: ['TLS_CERT_FILE', 'TLS_KEY_FILE'], what: 'TLS needs both the certificate and the key' },
  {
    keys: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'],
    what: 'Twilio SMS needs the account SID, auth token and sender number together',
  },
  { keys: ['CALDAV_OAUTH_CLIENT_ID', 'CALDAV_OAUTH_CLIENT_SECRET', 'CALDAV_OAUTH_REFRESH_TOKEN'], what: 'OAuth sign-in to the calendar needs the client id, client secret and refresh token together' },
  {
    keys: ['AUDIOCODES_API_URL', 'AUDIOCODES_API_CLIENT_ID', 'AUDIOCODES_API_CLIENT_SECRET', 'AUDIOCODES_BOT_NAME'],
    what: 'dial-out needs the API URL, client id, client secret and bot name together',
  },
]

export type LoadOptions = { readonly require?: readonly ConfigKey[] }

/**
 * Validates `env` against the schema. Empty strings count as unset.
 * @example
 * const r = loadConfig(process.env, { require: REQUIRED_FOR_SERVE })
 * if (!r.ok) { console.error(formatProblems(r.problems)); process.exit(EXIT_CONFIG) }
 */
export function loadConfig(env: Record<string, string | undefined>, options: LoadOptions = {}): ConfigResult {
  const problems: ConfigProblem[] = []
  const out: Record<string, unknown> = {}
  const required = new Set<ConfigKey>(options.require ?? [])
  for (const key of configKeys) {
    const schema = configProperties[key]
    const raw = env[key]
    if (raw === undefined || raw === '') {
      if (schema.default !== undefined) out[key] = schema.default
      else if (required.has(key)) problems.push({ variable: key, reason: 'is required but not set' })
      continue
    }
    const value = convert(schema, raw)
    if (!Value.Check(schema, value)) {
      const shown = isSecret(key) ? '' : ` (got ${JSON.stringify(raw.length > 60 ? raw.slice(0, 60) + '…' : raw)})`
      problems.push({ variable: key, reason: `must be ${describeExpected(schema)}${shown}` })
      continue
    }
    out[key] = value
  }
  for (const g of groups) {
    const set = g.keys.filter((k) => out[k] !== undefined)
    if (set.length > 0 && set.length < g.keys.length) {
      for (const k of g.keys.filter((k) => out[k] === undefined)) problems.push({ variable: k, reason: `is missing: ${g.what}` })
    }
  }
  calendarSignIn(out, problems)
  // A dial-out must show a number the callee can recognise (and call back): ours, never VAIC's default.
  if (out.AUDIOCODES_API_URL !== undefined && out.AUDIOCODES_CALLER_ID === undefined && out.TWILIO_FROM_NUMBER === undefined) {
    problems.push({ variable: 'AUDIOCODES_CALLER_ID', reason: 'is missing: dial-out needs a caller id to show (AUDIOCODES_CALLER_ID, or TWILIO_FROM_NUMBER as the fallback)' })
  }
  if (typeof out.BUSINESS_TIMEZONE === 'string' && !isTimeZone(out.BUSINESS_TIMEZONE)) {
    problems.push({ variable: 'BUSINESS_TIMEZONE', reason: `must be an IANA time zone such as Europe/Berlin (got ${JSON.stringify(out.BUSINESS_TIMEZONE)})` })
  }
  if (typeof out.BUSINESS_HOURS === 'string') {
    const hours = parseBusinessHours(out.BUSINESS_HOURS)
    if (!hours.ok) problems.push({ variable: 'BUSINESS_HOURS', reason: hours.error })
  }
  // Two beats at least inside one lease: a single late beat must not get a live instance declared dead.
  if (typeof out.HEARTBEAT_SECONDS === 'number' && typeof out.LEASE_TTL_SECONDS === 'number' && out.HEARTBEAT_SECONDS * 2 > out.LEASE_TTL_SECONDS) {
    problems.push({ variable: 'HEARTBEAT_SECONDS', reason: `must be at most half of LEASE_TTL_SECONDS (${out.LEASE_TTL_SECONDS}), got ${out.HEARTBEAT_SECONDS}` })
  }
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, config: out as Config }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  ${p.variable} ${p.reason}`)
  return `fastagent: invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`
}

export { REQUIRED_FOR_SERVE }

/**
 * A calendar signs in with a user name and password, or with OAuth, never both; any of them without CALDAV_URL is a
 * calendar with nowhere to go.
 */
function calendarSignIn(out: Record<string, unknown>, problems: ConfigProblem[]): void {
  const password = out.CALDAV_USERNAME !== undefined || out.CALDAV_PASSWORD !== undefined
  const oauth = out.CALDAV_OAUTH_CLIENT_ID !== undefined || out.CALDAV_OAUTH_CLIENT_SECRET !== undefined || out.CALDAV_OAUTH_REFRESH_TOKEN !== undefined
  if (out.CALDAV_URL === undefined) {
    if (password || oauth) problems.push({ variable: 'CALDAV_URL', reason: 'is missing: the CalDAV sign-in is set but not the calendar URL' })
    return
  }
  if (password && oauth) {
    problems.push({ variable: 'CALDAV_PASSWORD', reason: 'is set together with CALDAV_OAUTH_*: sign in with a password or with OAuth, not both' })
    return
  }
  if (oauth) return // the group rule above names whichever OAuth variable is missing
  for (const k of ['CALDAV_USERNAME', 'CALDAV_PASSWORD'] as const) {
    if (out[k] === undefined) problems.push({ variable: k, reason: 'is missing: a CalDAV calendar needs a user name and password (or CALDAV_OAUTH_* for Google)' })
  }
}
