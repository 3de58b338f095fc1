/**
 * @module config/business/sections/tenant
 * How calls find this business when one process serves several (FASTAGENT_CONFIG = a folder): VoiceAI Connect's bot
 * names and the business's phone numbers, its own bot token, and its SMS sender. Every key is optional: a single file
 * needs none of it.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Id, strict, Text } from './common'

const E164 = Type.String({ pattern: '^\\+[1-9]\\d{6,14}$', problem: 'must be an E.164 number such as +15551234567' })
const EnvName = Type.String({ pattern: '^[A-Z_][A-Z0-9_]{0,63}$', problem: 'must be an environment variable name such as HARBOUR_BOT_TOKEN' })

export const TenantSection = strict({
  /** The id the business's rows carry (default: the file name; a single file: "default"). */
  id: Type.Optional(Id),
  /** VoiceAI Connect bot names (session.initiate `botName`) answered as this business. */
  bot_names: Type.Optional(Type.Array(Text(200), { maxItems: 50 })),
  /** The business's phone numbers (the number callers dial; also the caller id of its callbacks). */
  numbers: Type.Optional(Type.Array(E164, { maxItems: 50 })),
  /** Its own bearer token (then only this token opens its calls). Prefer bot_token_env: keep secrets out of files. */
  bot_token: Type.Optional(Type.String({ minLength: 8, maxLength: 4096, problem: 'must be at least 8 characters' })),
  /** The environment variable holding its bearer token. */
  bot_token_env: Type.Optional(EnvName),
  /** The number its SMS are sent from (Twilio; default TWILIO_FROM_NUMBER); replies to it are this business's. */
  sms_from: Type.Optional(E164),
})
export type TenantSection = Static<typeof TenantSection>
