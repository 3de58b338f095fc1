/**
 * @module config/business/sections/wording
 * Per-language overrides of the lines the bot says on its own (the rest of each language pack stays). Placeholders:
 * `{business}` everywhere, `{summary}` in `closing_done`, `{what}` in `welcome_back`, `{task}` in `sms_dropped` and `sms_silence`.
 */
import { Type, type Static } from '@sinclair/typebox'
import { strict, Text } from './common'

const line = () => Type.Optional(Text(600))

export const WordingLines = strict({
  greeting: line(),
  anything_else: line(),
  closing: line(),
  closing_done: line(),
  welcome_back: line(),
  sms_dropped: line(),
  /** The SMS after the bot hung up on silence with a task open (not "our call was disconnected"). */
  sms_silence: line(),
  sms_no_call: line(),
})
export type WordingLines = Static<typeof WordingLines>
export type WordingKey = keyof WordingLines

export const WordingSection = strict({ en: Type.Optional(WordingLines), de: Type.Optional(WordingLines), es: Type.Optional(WordingLines) })
export type WordingSection = Static<typeof WordingSection>
