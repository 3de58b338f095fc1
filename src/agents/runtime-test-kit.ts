/**
 * @module agents/runtime-test-kit
 * Shared fixtures for the task runtime's tests (not shipped behaviour): a fixed `now` (Wednesday 2026-11-25 08:00
 * UTC), a business open Mon-Fri 09:00-17:00 UTC with 30-minute slots, one caller, and the call row and runtime
 * dependencies built on a store.
 */
import { parseBusinessHours } from '../config/business-hours'
import { memoryLogger } from '../ops/log'
import type { Store } from '../store/store'
import { storeDomain } from './domain-executor'
import { defaultRegistry } from './tasks/registry'
import type { RuntimeDeps } from './runtime'

export const RT_NOW = Date.UTC(2026, 10, 25, 8, 0)
export const RT_CALLER = '+14155550123'
export const RT_HOURS = (() => {
  const r = parseBusinessHours('Mon-Fri 09:00-17:00')
  if (!r.ok) throw new Error(r.error)
  return r.hours
})()

/** The call row a runtime's steps belong to. */
export async function createCallRow(store: Store, callId: string): Promise<void> {
  if (await store.calls.get(callId)) return
  await store.calls.create({ id: callId, conversationId: `conv-${callId}`, direction: 'inbound', caller: RT_CALLER, botName: 'b', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: RT_NOW })
}

/** A runtime's dependencies on `store` (the default tasks, the store's own domain); `over` replaces any. */
export function runtimeDeps(store: Store, callId: string, over: Partial<RuntimeDeps> = {}): RuntimeDeps {
  return {
    callId,
    caller: RT_CALLER,
    registry: defaultRegistry(),
    store,
    domain: storeDomain(store),
    log: memoryLogger().log,
    now: () => RT_NOW,
    tz: 'UTC',
    hours: RT_HOURS,
    slotMinutes: 30,
    onUpdate: () => undefined,
    onChange: () => undefined,
    settleMs: 200,
    ...over,
  }
}
