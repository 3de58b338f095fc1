/**
 * @module sim/vaic/caller-messages
 * What the simulator sends, shaped as VoiceAI Connect sends it (spec §2.2–§2.6, §4.1): every message of a call
 * carries `conversationId`; VAIC's own activities carry `id`, `timestamp` and `language`. Only `connection.validate`
 * is bare, because the validation probe is not part of any conversation.
 */
import type { AcMediaFormat } from '../../audio/formats'

export type VaicActivity = {
  readonly id: string
  readonly timestamp: string
  readonly language: string
  readonly type: 'event'
  readonly name: string
  readonly value?: unknown
  readonly parameters?: Readonly<Record<string, unknown>>
}

export type VaicMessage =
  | { readonly type: 'connection.validate' }
  | {
      readonly type: 'session.initiate'
      readonly conversationId: string
      readonly botName: string
      readonly caller: string
      readonly expectAudioMessages: boolean
      /** Absent only when the simulator plays a VAIC that leaves it out. */
      readonly supportedMediaFormats?: readonly AcMediaFormat[]
    }
  | { readonly type: 'session.resume'; readonly conversationId: string; readonly supportedMediaFormats?: readonly AcMediaFormat[] }
  | { readonly type: 'session.end'; readonly conversationId: string; readonly reasonCode: string; readonly reason: string }
  | { readonly type: 'userStream.start'; readonly conversationId: string }
  | { readonly type: 'userStream.chunk'; readonly conversationId: string; readonly audioChunk: string }
  | { readonly type: 'userStream.stop'; readonly conversationId: string }
  | { readonly type: 'activities'; readonly conversationId: string; readonly activities: readonly VaicActivity[] }

/** One VAIC event activity with fresh `id` and `timestamp`. */
export function vaicEvent(
  name: string,
  language: string,
  extra: { readonly value?: unknown; readonly parameters?: Readonly<Record<string, unknown>> } = {},
): VaicActivity {
  return {
    id: crypto.randomUUID(),
    timestamp: new Date().toISOString(),
    language,
    type: 'event',
    name,
    ...(extra.value !== undefined ? { value: extra.value } : {}),
    ...(extra.parameters !== undefined ? { parameters: extra.parameters } : {}),
  }
}

/** The call details VAIC puts in the `start` event (spec §4.1). */
export type StartDetails = {
  readonly caller: string
  readonly callerHost: string
  readonly callerDisplayName: string
  readonly callee: string
  readonly calleeHost: string
  /** Outbound (dial-out) calls: what the dial-out request attached. */
  readonly dialoutMetadata?: Readonly<Record<string, unknown>>
  /** Custom parameters (values VAIC copies from SIP INVITE headers when configured to). */
  readonly custom?: Readonly<Record<string, unknown>>
}

export function startEvent(conversationId: string, language: string, d: StartDetails): VaicActivity {
  return vaicEvent('start', language, {
    parameters: {
      ...d.custom,
      caller: d.caller,
      callerHost: d.callerHost,
      callerDisplayName: d.callerDisplayName,
      callee: d.callee,
      calleeHost: d.calleeHost,
      vaigConversationId: conversationId,
      ...(d.dialoutMetadata !== undefined ? { dialoutMetadata: d.dialoutMetadata } : {}),
    },
  })
}
