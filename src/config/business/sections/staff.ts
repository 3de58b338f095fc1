/** @module config/business/sections/staff — people or resources with their own hours and the services they do. */
import { Type, type Static } from '@sinclair/typebox'
import { HoursSchema, Id, strict, Text } from './common'

export const StaffSchema = strict({
  id: Type.Optional(Id),
  name: Text(100),
  /** Service ids; omitted: every service. */
  services: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 200 })),
  /** Omitted: the business's hours. */
  hours: Type.Optional(HoursSchema),
})
export type StaffEntry = Static<typeof StaffSchema>
export const StaffSection = Type.Array(StaffSchema, { maxItems: 200 })
