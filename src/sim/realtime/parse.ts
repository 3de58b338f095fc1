/**
 * @module sim/realtime/parse
 * First gate for every client frame: JSON, an object, a known `type`, then the event's closed schema. The client's
 * `event_id` is recovered even from an invalid event so the error can carry it, as the real server does.
 */
import { clientError, invalidType, invalidValue, missingParameter, type ClientError } from './errors'
import { CLIENT_EVENT_TYPES, VALIDATORS, type ClientEvent } from './schemas'
import { firstError } from './validate'

export type Parsed =
  | { readonly ok: true; readonly event: ClientEvent; readonly raw: unknown }
  | { readonly ok: false; readonly error: ClientError; readonly eventId: string | null; readonly raw: unknown }

export function parseClientEvent(frame: string | Buffer): Parsed {
  if (typeof frame !== 'string') {
    return {
      ok: false,
      error: clientError('invalid_json', 'Binary frames are not supported; send JSON text frames.'),
      eventId: null,
      raw: null,
    }
  }
  let value: unknown
  try {
    value = JSON.parse(frame)
  } catch {
    return {
      ok: false,
      error: clientError('invalid_json', 'We could not parse the JSON body of your request. Expected a JSON object.'),
      eventId: null,
      raw: frame,
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: invalidType('', 'an object', Array.isArray(value) ? 'an array' : typeof value), eventId: null, raw: value }
  }
  const obj = value as Record<string, unknown>
  const eventId = typeof obj.event_id === 'string' ? obj.event_id : null
  const fail = (error: ClientError): Parsed => ({ ok: false, error, eventId, raw: value })
  if (!('type' in obj)) return fail(missingParameter('type'))
  if (typeof obj.type !== 'string') return fail(invalidType('type', 'a string', typeof obj.type))
  const v = VALIDATORS.get(obj.type)
  if (!v) {
    return fail(invalidValue('type', obj.type, `Supported values are: ${CLIENT_EVENT_TYPES.map((t) => `'${t}'`).join(', ')}.`))
  }
  const error = firstError(v, value)
  if (error) return fail(error)
  return { ok: true, event: value as ClientEvent, raw: value }
}
