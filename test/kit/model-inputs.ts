/**
 * What the Realtime emulator received from FastAgent, read back for assertions: the conversation items a session was
 * given before its first `response.create` (the replay a new session starts from), and the instructions carried by
 * every `session.update` and `response.create` of a run.
 */
import type { RealtimeSession } from '../../src/sim/realtime/session'

export type ReceivedItem = { readonly type: string; readonly role: string | undefined; readonly text: string }

type Raw = Record<string, unknown>
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null

function itemOf(raw: unknown): ReceivedItem | undefined {
  if (!isObj(raw) || raw.type !== 'conversation.item.create' || !isObj(raw.item)) return undefined
  const item = raw.item
  const content = Array.isArray(item.content) ? item.content : []
  const text = [
    ...content.map((c: unknown) => (isObj(c) && typeof c.text === 'string' ? c.text : '')),
    typeof item.output === 'string' ? item.output : '',
  ]
    .filter((t) => t !== '')
    .join(' ')
  return { type: String(item.type), role: typeof item.role === 'string' ? item.role : undefined, text }
}

/** The items a session received before its first `response.create`. */
export function itemsBeforeFirstResponse(s: RealtimeSession): ReceivedItem[] {
  const out: ReceivedItem[] = []
  for (const { event } of s.received) {
    if (event.type === 'response.create') break
    const it = itemOf(event.raw)
    if (it) out.push(it)
  }
  return out
}

/** Every item a session received. */
export function itemsReceived(s: RealtimeSession): ReceivedItem[] {
  return s.received.flatMap(({ event }) => itemOf(event.raw) ?? [])
}

/** Every `instructions` string sent in a `session.update` or `response.create`, with where it came from. */
export function instructionsReceived(sessions: readonly RealtimeSession[]): { readonly type: string; readonly instructions: string }[] {
  const out: { type: string; instructions: string }[] = []
  for (const s of sessions) {
    for (const { event } of s.received) {
      const raw = event.raw
      if (!isObj(raw)) continue
      const body = raw.type === 'session.update' ? raw.session : raw.type === 'response.create' ? raw.response : undefined
      if (isObj(body) && typeof body.instructions === 'string') out.push({ type: String(raw.type), instructions: body.instructions })
    }
  }
  return out
}
