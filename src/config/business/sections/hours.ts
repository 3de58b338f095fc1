/**
 * @module config/business/sections/hours
 * Weekly hours and the dated exceptions to them: `closed` days (holidays) and `special_hours` (a date with its own
 * spans, such as a short New Year's Eve).
 */
import { Type } from '@sinclair/typebox'
import { DateString, HoursSchema } from './common'

export const HoursSection = HoursSchema
export const ClosedSection = Type.Array(DateString, { maxItems: 1000 })
export const SpecialHoursSection = Type.Record(Type.String(), Type.String({ minLength: 1 }))
