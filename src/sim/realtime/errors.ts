/**
 * @module sim/realtime/errors
 * The `error` events a strict Realtime server answers wrong requests with. Codes and message wording follow what the
 * real API and the SDKs that handle it show (`invalid_value`, `unknown_parameter`, `missing_required_parameter`,
 * `invalid_type`, `conversation_already_has_active_response`, …). A client error never closes the session; only
 * auth, the beta shape and the session cap do (see emulator.ts).
 */

export type ErrorCode =
  | 'invalid_json'
  | 'invalid_value'
  | 'invalid_type'
  | 'unknown_parameter'
  | 'string_above_max_length'
  | 'missing_required_parameter'
  | 'invalid_api_key'
  | 'beta_api_shape_disabled'
  | 'session_expired'
  | 'conversation_already_has_active_response'
  | 'response_cancel_not_active'
  | 'input_audio_buffer_commit_empty'
  | 'item_retrieve_invalid_item_id'
  | 'item_truncate_invalid_item_id'
  | 'item_delete_invalid_item_id'
  | 'unsupported_parameter'
  | 'unsupported_by_emulator'

export interface ClientError {
  readonly type: string
  readonly code: string
  readonly message: string
  readonly param: string | null
}

export const clientError = (code: ErrorCode, message: string, param: string | null = null): ClientError => ({
  type: 'invalid_request_error',
  code,
  message,
  param,
})

/** How a value looks in a message: short, quoted like the real API does. */
export function show(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)
  return `'${s.length > 60 ? s.slice(0, 57) + '...' : s}'`
}

export const unknownParameter = (param: string) => clientError('unknown_parameter', `Unknown parameter: '${param}'.`, param)
export const missingParameter = (param: string) =>
  clientError('missing_required_parameter', `Missing required parameter: '${param}'.`, param)
export const invalidType = (param: string, expected: string, got: string) =>
  clientError('invalid_type', `Invalid type for '${param}': expected ${expected}, but got ${got} instead.`, param)
export const invalidValue = (param: string, value: unknown, hint: string) =>
  clientError('invalid_value', `Invalid value: ${show(value)}. ${hint}`, param)
