/**
 * @module config/business/schema
 * The business file: one TypeBox module per section (sections/), composed here. Unknown keys are errors at every
 * level. New sections (declarative tasks, a calendar) are new modules added to this object.
 */
import { Type, type Static } from '@sinclair/typebox'
import { strict } from './sections/common'
import { BusinessSection } from './sections/business'
import { ClosedSection, HoursSection, SpecialHoursSection } from './sections/hours'
import { ServicesSection } from './sections/services'
import { StaffSection } from './sections/staff'
import { BookingSection } from './sections/booking'
import { FaqSection } from './sections/faq'
import { WordingSection } from './sections/wording'
import { TasksSection } from './sections/tasks'
import { CalendarFileSection } from '../../calendar/calendar-config'
import { TenantSection } from './sections/tenant'

export const BusinessFileSchema = strict({
  /** How calls find this business among several (a folder of files): bot names, numbers, token, SMS sender. */
  tenant: Type.Optional(TenantSection),
  business: BusinessSection,
  hours: HoursSection,
  closed: Type.Optional(ClosedSection),
  special_hours: Type.Optional(SpecialHoursSection),
  services: Type.Optional(ServicesSection),
  staff: Type.Optional(StaffSection),
  booking: Type.Optional(BookingSection),
  faq: Type.Optional(FaqSection),
  wording: Type.Optional(WordingSection),
  /** Book into this CalDAV calendar (see README, "Booking into your own calendar"). */
  calendar: Type.Optional(CalendarFileSection),
  /** Declared forms and look-ups (see README, "Your own tasks: forms and look-ups"). */
  tasks: Type.Optional(TasksSection),
})
export type BusinessFile = Static<typeof BusinessFileSchema>
