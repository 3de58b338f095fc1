/**
 * @module test/kit/call-ends
 * "The server has finished with this call": its `ended` event, then the bookkeeping after it (outcome, callbacks,
 * SMS) settled. What the caller's side sees first (the bot's hang-up, the socket closing) comes before the server
 * has even noticed, so `server.calls.idle()` alone can return before the ending has begun. Start watching before
 * the call can end; then `ended(conversationId)` waits for exactly that call.
 */
import type { RunningServer } from '../../src/server'

export type CallEnds = {
  /** Resolves when the call on `conversationId` has ended on the server and its ending was recorded. */
  ended(conversationId: string): Promise<void>
  stop(): void
}

export function watchCallEnds(server: RunningServer): CallEnds {
  const ended = new Set<string>()
  const waiting = new Map<string, () => void>()
  const stop = server.events.subscribe((e) => {
    if (e.type !== 'ended') return
    ended.add(e.callId)
    waiting.get(e.callId)?.()
  })
  return {
    async ended(conversationId) {
      const row = await server.store.calls.byConversation(conversationId)
      if (!row) throw new Error(`no call on conversation ${conversationId}`)
      if (!ended.has(row.id)) await new Promise<void>((resolve) => waiting.set(row.id, resolve))
      await server.calls.idle()
    },
    stop,
  }
}
