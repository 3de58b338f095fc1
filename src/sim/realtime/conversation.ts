/**
 * @module sim/realtime/conversation
 * The server-side conversation of one session: items in order, each with its client-visible form (`wire`, what
 * `conversation.item.added/done/retrieved` carry) and what the model knows of it (`heard`: the user's words as the
 * ear understood them, the assistant's transcript cut at truncation). User audio turns are transcribed
 * asynchronously, so `heard` may still be pending; a response waits for the items it reads.
 */
import type { ConversationItem, RealtimeAudioFormats } from 'openai/resources/realtime/realtime'
import type { BrainItem } from './brain'

export interface AssistantAudio {
  readonly format: RealtimeAudioFormats
  /** All synthesized samples, at the format's rate. */
  samples: Int16Array
  /** The full text the audio speaks. */
  readonly text: string
  /** Audio duration actually sent as deltas. */
  sentMs: number
  /** Set by `conversation.item.truncate`. */
  truncatedAtMs?: number
}

export interface StoredItem {
  readonly id: string
  wire: ConversationItem
  /** What the model knows of this item (see module doc); undefined while a transcription is pending. */
  heard: string | undefined
  /** Resolves once `heard` is known. */
  ready: Promise<void>
  assistantAudio?: AssistantAudio
  /** A user audio turn's samples, for `conversation.item.retrieve`. */
  userAudio?: { readonly format: RealtimeAudioFormats; readonly samples: Int16Array }
}

export class Conversation {
  private readonly list: StoredItem[] = []

  get items(): readonly StoredItem[] {
    return this.list
  }

  get lastId(): string | null {
    return this.list[this.list.length - 1]?.id ?? null
  }

  get(id: string): StoredItem | undefined {
    return this.list.find((i) => i.id === id)
  }

  has(id: string): boolean {
    return this.get(id) !== undefined
  }

  hasCall(callId: string): boolean {
    return this.list.some((i) => i.wire.type === 'function_call' && i.wire.call_id === callId)
  }

  /**
   * Inserts after `previousId` ('root' = first; undefined = last) and returns the id of the item before it. The
   * caller has checked that `previousId` exists.
   */
  insert(item: StoredItem, previousId?: string): string | null {
    if (previousId === undefined) {
      const prev = this.lastId
      this.list.push(item)
      return prev
    }
    if (previousId === 'root') {
      this.list.unshift(item)
      return null
    }
    const at = this.list.findIndex((i) => i.id === previousId)
    this.list.splice(at + 1, 0, item)
    return previousId
  }

  delete(id: string): boolean {
    const at = this.list.findIndex((i) => i.id === id)
    if (at < 0) return false
    this.list.splice(at, 1)
    return true
  }
}

/** The model's view of stored items (pending transcriptions count as empty: call after awaiting `ready`). */
export function brainItems(items: readonly StoredItem[]): BrainItem[] {
  const out: BrainItem[] = []
  for (const it of items) {
    const w = it.wire
    if (w.type === 'message') out.push({ type: 'message', id: it.id, role: w.role, text: it.heard ?? '' })
    else if (w.type === 'function_call') {
      out.push({ type: 'function_call', id: it.id, call_id: w.call_id ?? '', name: w.name, arguments: w.arguments })
    } else if (w.type === 'function_call_output') {
      out.push({ type: 'function_call_output', id: it.id, call_id: w.call_id, output: w.output })
    }
  }
  return out
}

/** A stored item whose `heard` is known now. */
export function settledItem(id: string, wire: ConversationItem, heard: string): StoredItem {
  return { id, wire, heard, ready: Promise.resolve() }
}
