/**
 * @module agents/domain/settings
 * The business settings a task captures into its context when it starts (time zone, opening hours, slot length), so a
 * snapshot replays and resumes with the rules it was started under, even after the configuration changed.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { WeekHours } from '../../config/business-hours'

export const IntervalSchema = Type.Object({ from: Type.Integer({ minimum: 0, maximum: 1440 }), to: Type.Integer({ minimum: 0, maximum: 1440 }) })

export const SettingsSchema = Type.Object({
  tz: Type.String({ minLength: 1 }),
  /** Index 0 = Sunday, like `WeekHours`. */
  hours: Type.Array(Type.Array(IntervalSchema), { minItems: 7, maxItems: 7 }),
  slotMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
})
export type Settings = Static<typeof SettingsSchema>

export function captureSettings(env: { tz: string; hours: WeekHours; slotMinutes: number }): Settings {
  // A deep, mutable copy: the context must be plain JSON that shares nothing with the live configuration.
  return { tz: env.tz, hours: env.hours.map((day) => day.map((i) => ({ from: i.from, to: i.to }))), slotMinutes: env.slotMinutes }
}
