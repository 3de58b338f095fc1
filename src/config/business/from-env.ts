/**
 * @module config/business/from-env
 * The quick path: without a business file, the `BUSINESS_*` variables (plus `SLOT_MINUTES`, `GREETING`,
 * `SMS_DROP_TEXT`, `OPENAI_VOICE`) describe one business with one service. A variable left at its default leaves the
 * language pack's line in place.
 */
import { configProperties } from '../load'
import type { Config, ConfigKey } from '../schema'
import { parseBusinessHours } from '../business-hours'
import { DEFAULT_BOOKING, NO_TENANT_MATCH, type Business } from './business'
import { DEFAULT_TENANT } from '../../store/tenant'
import type { WordingLines } from './sections/wording'

const changed = (config: Config, key: ConfigKey): string | undefined => {
  const v = config[key]
  return typeof v === 'string' && v !== configProperties[key].default ? v : undefined
}

export function businessFromEnv(config: Config): Business {
  const hours = parseBusinessHours(config.BUSINESS_HOURS)
  // loadConfig already refused bad hours; this only guards a hand-built Config.
  if (!hours.ok) throw new Error(`BUSINESS_HOURS ${hours.error}`)
  const greeting = changed(config, 'GREETING')
  const sms = changed(config, 'SMS_DROP_TEXT')
  const smsSilence = changed(config, 'SMS_SILENCE_TEXT')
  const lines: WordingLines = { ...(greeting ? { greeting } : {}), ...(sms ? { sms_dropped: sms } : {}), ...(smsSilence ? { sms_silence: smsSilence } : {}) }
  const language = config.BUSINESS_LANGUAGE
  return {
    id: DEFAULT_TENANT,
    tenant: NO_TENANT_MATCH,
    source: 'environment',
    name: config.BUSINESS_NAME,
    timeZone: config.BUSINESS_TIMEZONE,
    language,
    voice: changed(config, 'OPENAI_VOICE'),
    hours: hours.hours,
    exceptions: {},
    services: [{ id: 'appointment', name: 'appointment', minutes: config.SLOT_MINUTES, synonyms: [] }],
    staff: [],
    booking: DEFAULT_BOOKING,
    faq: [],
    tasks: [],
    wording: Object.keys(lines).length > 0 ? { [language]: lines } : {},
  }
}
