/**
 * @module cluster/call-release
 * "That call is mine now": when VAIC resumes a call on another instance, the new owner tells the old one over
 * PostgreSQL LISTEN/NOTIFY to let its model leg go. The store already decided the move (calls.owner), so a lost
 * notification costs only a model session held until the old owner's resume grace runs out; it never records a drop
 * for a call that moved (ending a call is conditional on owning it).
 */
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Logger } from '../ops/log'
import type { PostgresEngine } from '../store/postgres-engine'

export const RELEASE_CHANNEL = 'fastagent_call_release'

const Release = TypeCompiler.Compile(Type.Object({ to: Type.String({ minLength: 1, maxLength: 200 }), callId: Type.String({ minLength: 1, maxLength: 200 }) }))

export type CallReleases = {
  /** Tells instance `owner` to release `callId` (it moved here). Never throws: a failure is logged. */
  notify(owner: string, callId: string): void
  stop(): Promise<void>
}

export async function callReleases(d: { engine: PostgresEngine; self: string; log: Logger; release: (callId: string) => void }): Promise<CallReleases> {
  const unlisten = await d.engine.listen(RELEASE_CHANNEL, (payload) => {
    let msg: unknown
    try {
      msg = JSON.parse(payload)
    } catch {
      msg = undefined
    }
    if (!Release.Check(msg)) return d.log.warn('cluster.release_invalid', { bytes: payload.length })
    if (msg.to === d.self) d.release(msg.callId)
  })
  return {
    notify(owner, callId) {
      d.engine.notify(RELEASE_CHANNEL, JSON.stringify({ to: owner, callId })).catch((err: unknown) => d.log.error('cluster.release_notify_failed', { err, callId }))
    },
    stop: unlisten,
  }
}
