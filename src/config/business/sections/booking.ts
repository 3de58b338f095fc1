/** @module config/business/sections/booking — rules every booking obeys. */
import { Type, type Static } from '@sinclair/typebox'
import { strict } from './common'

export const BookingSection = strict({
  min_notice_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 525_600 })),
  horizon_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  max_open_per_caller: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
})
export type BookingSection = Static<typeof BookingSection>
