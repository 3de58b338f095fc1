/** @module config/business/sections/business — who answers: name, time zone, language, voice. */
import { Type, type Static } from '@sinclair/typebox'
import { LanguageSchema, strict, Text } from './common'

export const BusinessSection = strict({
  name: Text(200),
  timezone: Type.String({ minLength: 1, problem: 'must be an IANA time zone such as Europe/Berlin' }),
  language: Type.Optional(LanguageSchema),
  voice: Type.Optional(Text(40)),
})
export type BusinessSection = Static<typeof BusinessSection>
