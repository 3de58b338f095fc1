/**
 * @module sim/realtime/items
 * Semantic checks of client-created items (`conversation.item.create`, `response.create.response.input`) beyond the
 * closed schema: which content types each role may use (user: input_text / input_audio / input_image; system:
 * input_text; assistant: output_text — assistant AUDIO cannot be created), which fields each item type takes, and
 * that a `function_call_output` answers a `function_call` that exists.
 */
import type { ConversationItem, RealtimeAudioFormats } from 'openai/resources/realtime/realtime'
import { BASE64 } from './audio-codec'
import { clientError, invalidValue, missingParameter, unknownParameter, type ClientError } from './errors'
import type { Content, Item } from './schemas'

export type CheckedItem = {
  readonly wire: ConversationItem
  /** The model's text for the item, or the input audio it must transcribe. */
  readonly heard: { readonly text: string } | { readonly audio: string; readonly format: RealtimeAudioFormats }
}

type Result = { ok: true; value: CheckedItem } | { ok: false; error: ClientError }
const fail = (error: ClientError): Result => ({ ok: false, error })

const ALLOWED_FIELDS: Record<string, readonly string[]> = {
  message: ['id', 'type', 'object', 'status', 'role', 'content'],
  function_call: ['id', 'type', 'object', 'status', 'call_id', 'name', 'arguments'],
  function_call_output: ['id', 'type', 'object', 'status', 'call_id', 'output'],
}

const CONTENT_FIELDS: Record<string, readonly string[]> = {
  input_text: ['type', 'text'],
  input_audio: ['type', 'audio', 'transcript'],
  input_image: ['type', 'image_url', 'detail'],
  output_text: ['type', 'text'],
}

const ROLE_CONTENT: Record<string, readonly string[]> = {
  user: ['input_text', 'input_audio', 'input_image'],
  system: ['input_text'],
  assistant: ['output_text'],
}

export interface ItemContext {
  readonly id: string
  readonly inputFormat: RealtimeAudioFormats
  /** True when a `function_call` with this call id exists where the item goes. */
  hasCall(callId: string): boolean
  newCallId(): string
}

function checkContent(c: Content, role: string, p: string): ClientError | undefined {
  if (role === 'assistant' && c.type === 'output_audio') {
    return invalidValue(`${p}.type`, c.type, 'Assistant audio cannot be created; replay assistant turns as output_text.')
  }
  const allowed = ROLE_CONTENT[role] ?? []
  if (!allowed.includes(c.type)) {
    return invalidValue(`${p}.type`, c.type, `Supported values for role '${role}' are: ${allowed.map((a) => `'${a}'`).join(', ')}.`)
  }
  const fields = CONTENT_FIELDS[c.type] ?? []
  for (const k of Object.keys(c)) if (!fields.includes(k)) return unknownParameter(`${p}.${k}`)
  if ((c.type === 'input_text' || c.type === 'output_text') && c.text === undefined) return missingParameter(`${p}.text`)
  if (c.type === 'input_image' && c.image_url === undefined) return missingParameter(`${p}.image_url`)
  if (c.type === 'input_audio') {
    if (c.audio === undefined && (c.transcript === undefined || c.transcript === null)) return missingParameter(`${p}.audio`)
    if (c.audio !== undefined && !BASE64.test(c.audio)) return invalidValue(`${p}.audio`, '<audio>', 'Expected base64-encoded audio.')
  }
  return undefined
}

export function checkItem(item: Item, p: string, ctx: ItemContext): Result {
  const fields = ALLOWED_FIELDS[item.type]
  if (!fields) {
    return fail(invalidValue(`${p}.type`, item.type, "Supported values are: 'message', 'function_call' and 'function_call_output'."))
  }
  for (const k of Object.keys(item)) if (!fields.includes(k)) return fail(unknownParameter(`${p}.${k}`))
  if (item.type === 'message') {
    if (item.role === undefined) return fail(missingParameter(`${p}.role`))
    if (item.content === undefined) return fail(missingParameter(`${p}.content`))
    const role = item.role
    if (role !== 'user' && role !== 'system' && role !== 'assistant') {
      return fail(invalidValue(`${p}.role`, role, "Supported values are: 'user', 'assistant' and 'system'."))
    }
    for (const [i, c] of item.content.entries()) {
      const e = checkContent(c, role, `${p}.content[${i}]`)
      if (e) return fail(e)
    }
    const texts = item.content.map((c) => c.text ?? c.transcript ?? '').filter((t) => t !== '')
    const audio = item.content.find((c) => c.type === 'input_audio' && c.audio !== undefined && (c.transcript ?? '') === '')
    const heard: CheckedItem['heard'] =
      audio?.audio !== undefined ? { audio: audio.audio, format: ctx.inputFormat } : { text: texts.join(' ') }
    const status = 'completed' as const
    let wire: ConversationItem
    if (role === 'user') {
      wire = {
        id: ctx.id,
        object: 'realtime.item',
        type: 'message',
        role,
        status,
        content: item.content.map((c) =>
          c.type === 'input_audio'
            ? { type: 'input_audio' as const, ...(c.transcript ? { transcript: c.transcript } : {}) }
            : c.type === 'input_image'
              ? { type: 'input_image' as const, image_url: c.image_url ?? '' }
              : { type: 'input_text' as const, text: c.text ?? '' },
        ),
      }
    } else if (role === 'system') {
      wire = { id: ctx.id, object: 'realtime.item', type: 'message', role, status, content: item.content.map((c) => ({ type: 'input_text' as const, text: c.text ?? '' })) }
    } else {
      wire = { id: ctx.id, object: 'realtime.item', type: 'message', role, status, content: item.content.map((c) => ({ type: 'output_text' as const, text: c.text ?? '' })) }
    }
    return { ok: true, value: { wire, heard } }
  }
  if (item.type === 'function_call') {
    if (item.name === undefined) return fail(missingParameter(`${p}.name`))
    if (item.arguments === undefined) return fail(missingParameter(`${p}.arguments`))
    const callId = item.call_id ?? ctx.newCallId()
    const wire: ConversationItem = {
      id: ctx.id,
      object: 'realtime.item',
      type: 'function_call',
      status: 'completed',
      call_id: callId,
      name: item.name,
      arguments: item.arguments,
    }
    return { ok: true, value: { wire, heard: { text: '' } } }
  }
  if (item.call_id === undefined) return fail(missingParameter(`${p}.call_id`))
  if (item.output === undefined) return fail(missingParameter(`${p}.output`))
  if (!ctx.hasCall(item.call_id)) {
    return fail(
      clientError(
        'invalid_value',
        `Invalid value: '${item.call_id}'. No function call with call_id '${item.call_id}' was found in the conversation.`,
        `${p}.call_id`,
      ),
    )
  }
  const wire: ConversationItem = {
    id: ctx.id,
    object: 'realtime.item',
    type: 'function_call_output',
    status: 'completed',
    call_id: item.call_id,
    output: item.output,
  }
  return { ok: true, value: { wire, heard: { text: item.output } } }
}
