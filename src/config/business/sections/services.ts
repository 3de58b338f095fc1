/** @module config/business/sections/services — what can be booked, how long it takes, what callers call it. */
import { Type, type Static } from '@sinclair/typebox'
import { Id, strict, Text } from './common'

export const ServiceSchema = strict({
  id: Id,
  name: Text(100),
  minutes: Type.Integer({ minimum: 5, maximum: 480 }),
  synonyms: Type.Optional(Type.Array(Text(100), { maxItems: 50 })),
})
export type ServiceEntry = Static<typeof ServiceSchema>
export const ServicesSection = Type.Array(ServiceSchema, { minItems: 1, maxItems: 200 })
