/**
 * @module console/call-watch
 * Watches the call event bus: keeps the live calls (phase, format, open tasks, the transcript so far) for the
 * console, feeds the turn and tool latency histograms, and queues the events worth keeping (everything but transcript
 * lines, which have their own table) for the store, flushed in batches off the call's path.
 *
 * Listeners (the live transcript streams) get entries synchronously; a stream that falls behind is dropped by its
 * owner, never waited for.
 */
import { DEFAULT_TENANT } from '../store/tenant'
import { maskPhone } from '../ops/mask'
import type { CallEvent, CallEventBus } from '../call/call-events'
import type { Histogram, MetricsRegistry } from '../ops/metrics'
import type { Logger } from '../ops/log'
import type { StoredCallEvent } from '../store/console-repo'
import { CallTimeline, type TimelineEntry } from './timeline'

export type LiveCall = {
  readonly callId: string
  readonly startedAt: number
  readonly mediaFormat: string
  readonly direction: 'inbound' | 'outbound'
  readonly caller: string | undefined
  /** The caller's number masked, as every list shows it (masked once, not per refresh). */
  readonly callerMasked: string
  /** The business the call is for (store/tenant). */
  readonly tenant: string
  readonly timeline: CallTimeline
  readonly entries: TimelineEntry[]
  readonly listeners: Set<(m: WatchMessage) => void>
  endedAt: number | undefined
  reason: string | undefined
}

export type WatchMessage = { readonly type: 'entry'; readonly entry: TimelineEntry } | { readonly type: 'ended'; readonly reason: string }

/** Entries kept per live call for a late viewer (older ones are on the history page). */
const MAX_ENTRIES = 2000
/** An ended call stays in the live list this long, marked ended, so a viewer sees how it ended. */
const LINGER_MS = 15_000

export const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10] as const

export class CallWatch {
  private readonly calls = new Map<string, LiveCall>()
  private queue: StoredCallEvent[] = []
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private readonly turnLatency: Histogram
  private readonly toolLatency: Histogram
  private readonly unsubscribe: () => void

  constructor(
    private readonly d: {
      readonly bus: CallEventBus
      readonly registry: MetricsRegistry
      readonly log: Logger
      /** Writes a batch (the store's console repository). */
      readonly persist: (events: readonly StoredCallEvent[]) => Promise<void>
      readonly flushMs?: number
    },
  ) {
    this.turnLatency = d.registry.histogram('fastagent_turn_latency_seconds', 'voice-to-voice per turn at the relay: caller stopped speaking (VAD) → first bot audio sent', LATENCY_BUCKETS)
    this.toolLatency = d.registry.histogram('fastagent_tool_latency_seconds', 'tool call from the model → its output', LATENCY_BUCKETS)
    this.unsubscribe = d.bus.subscribe((e) => this.onEvent(e))
  }

  live(): LiveCall[] {
    return [...this.calls.values()]
  }

  get(callId: string): LiveCall | undefined {
    return this.calls.get(callId)
  }

  private onEvent(e: CallEvent): void {
    let call = this.calls.get(e.callId)
    if (e.type === 'started') {
      call = { callId: e.callId, startedAt: e.at, mediaFormat: e.mediaFormat, direction: e.direction, caller: e.caller, callerMasked: e.caller ? maskPhone(e.caller) : 'unknown', tenant: e.tenant ?? DEFAULT_TENANT, timeline: new CallTimeline(), entries: [], listeners: new Set(), endedAt: undefined, reason: undefined }
      this.calls.set(e.callId, call)
    }
    if (e.type !== 'line') this.enqueue(e)
    if (!call) return
    const turns = call.timeline.turns.length
    const tools = call.timeline.tools.length
    const produced = call.timeline.push(e)
    for (const t of call.timeline.turns.slice(turns)) this.turnLatency.observe(t.ms / 1000)
    for (const t of call.timeline.tools.slice(tools)) this.toolLatency.observe(t.ms / 1000)
    for (const entry of produced) {
      call.entries.push(entry)
      for (const l of call.listeners) l({ type: 'entry', entry })
    }
    if (call.entries.length > MAX_ENTRIES) call.entries.splice(0, call.entries.length - MAX_ENTRIES)
    if (e.type === 'ended') {
      call.endedAt = e.at
      call.reason = e.reason
      for (const l of call.listeners) l({ type: 'ended', reason: e.reason })
      const id = e.callId
      const t = setTimeout(() => this.calls.delete(id), LINGER_MS)
      t.unref?.()
      this.scheduleFlush(0)
    }
  }

  private enqueue(e: Exclude<CallEvent, { type: 'line' }>): void {
    const { callId, at, type, ...data } = e
    this.queue.push({ callId, kind: type, data, at })
    this.scheduleFlush(this.d.flushMs ?? 250)
  }

  private scheduleFlush(ms: number): void {
    if (this.flushTimer !== undefined && ms > 0) return
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = setTimeout(() => this.flush(), ms)
    this.flushTimer.unref?.()
  }

  /** Writes what is queued (also called at shutdown, before the store closes). */
  flush(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    const batch = this.queue
    if (batch.length === 0) return
    this.queue = []
    // Batches are written one after another (in order); diagnostics only: a failed one is logged and dropped.
    this.writing = this.writing
      .then(() => this.d.persist(batch))
      .catch((err: unknown) => this.d.log.error('console.events_write_failed', { err, events: batch.length }))
  }

  private writing: Promise<void> = Promise.resolve()

  /** Resolves when every batch flushed so far is written (shutdown waits for it before closing the store). */
  written(): Promise<void> {
    return this.writing
  }

  stop(): void {
    this.unsubscribe()
    this.flush()
    this.calls.clear()
  }
}
