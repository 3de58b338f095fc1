/**
 * @module config/business/sections/common
 * Small schema pieces the sections share. Objects refuse unknown keys: a typo in a business file must not pass
 * silently. `problem` is the reason printed when a value fails its pattern (a regex means nothing to an owner).
 */
import { Type, type ObjectOptions, type TProperties } from '@sinclair/typebox'
import { LANGUAGES } from '../../../i18n/languages'

export const strict = <T extends TProperties>(props: T, options: ObjectOptions = {}) => Type.Object(props, { additionalProperties: false, ...options })

export const Text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) })

export const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', problem: 'must be a date like 2026-12-24' })

export const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$', problem: 'must be a short id of lowercase letters, digits, - or _ (like "checkup")' })

export const LanguageSchema = Type.Union(
  LANGUAGES.map((l) => Type.Literal(l)),
  { problem: `must be one of ${LANGUAGES.join(', ')}` },
)

/**
 * Opening hours as a map from days to spans — `{ mon-fri: "08:00-18:00", sat: "09:00-13:00" }` — or the one-line
 * `BUSINESS_HOURS` format. Both are read by the same parser (config/business-hours).
 */
export const HoursSchema = Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }))], {
  problem: 'must map days to times, like { mon-fri: "08:00-18:00", sat: "09:00-13:00" }',
})
