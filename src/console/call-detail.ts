/**
 * @module console/call-detail
 * One call as the console shows it, live or from the store: the row (number masked), the timeline rebuilt from the
 * transcript and the stored events through the same fold as the live view, task paths, latencies, usage and cost,
 * SMS and callback status. Also the call list (live + recent) and the history search.
 */
import { maskPhone } from '../ops/mask'
import type { Store } from '../store/store'
import type { CallRow } from '../store/rows'
import type { CallSearch } from '../store/console-repo'
import type { CallWatch, LiveCall } from './call-watch'
import { jsonArrayInSlices, yieldToLoop } from './sliced-json'
import { bySpoken, CallTimeline, estimateCost, type Prices, type TimelineEntry, type TimelineEvent } from './timeline'

export type CallSummary = {
  readonly id: string
  readonly state: 'live' | 'ended'
  readonly phase: string
  readonly caller: string
  /** The business the call was for (tenant id). */
  readonly tenant: string
  readonly direction: string
  readonly mediaFormat: string
  readonly startedAt: number
  readonly endedAt: number | null
  readonly durationMs: number
  readonly outcome: string | null
  readonly openTasks: readonly { taskId: string; kind: string; state: string }[]
  readonly tasks: readonly string[]
}

const masked = (n: string | null | undefined) => (n ? maskPhone(n) : 'unknown')

export function liveSummary(c: LiveCall, now: number): CallSummary {
  return {
    id: c.callId,
    state: c.endedAt === undefined ? 'live' : 'ended',
    phase: c.timeline.phase,
    caller: c.callerMasked,
    tenant: c.tenant,
    direction: c.direction,
    mediaFormat: c.mediaFormat,
    startedAt: c.startedAt,
    endedAt: c.endedAt ?? null,
    durationMs: (c.endedAt ?? now) - c.startedAt,
    outcome: c.reason ?? null,
    // Most live calls have no task: no arrays built for them.
    openTasks: c.timeline.tasks.size === 0 ? NO_TASKS : c.timeline.openTasks(),
    tasks: c.timeline.tasks.size === 0 ? NO_KINDS : [...new Set([...c.timeline.tasks.values()].map((t) => t.kind))],
  }
}

const NO_TASKS: CallSummary['openTasks'] = Object.freeze([])
const NO_KINDS: readonly string[] = Object.freeze([])

export function rowSummary(r: CallRow, tasks: readonly string[], now: number): CallSummary {
  return {
    id: r.id,
    state: r.state,
    phase: r.state === 'live' ? 'live' : 'ended',
    caller: masked(r.caller),
    tenant: r.tenant_id,
    direction: r.direction,
    mediaFormat: r.media_format ?? '',
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: (r.ended_at ?? now) - r.started_at,
    outcome: r.end_reason,
    openTasks: [],
    tasks,
  }
}

export type ConsoleData = {
  readonly store: Store
  readonly watch: CallWatch
  readonly now: () => number
  readonly prices: Prices
}

/** Live calls (this instance) and the most recent ones from the store. */
export async function listCalls(d: ConsoleData, recentLimit = 50): Promise<{ live: CallSummary[]; recent: CallSummary[] }> {
  const now = d.now()
  const live = d.watch.live().map((c) => liveSummary(c, now))
  const liveIds = new Set(live.filter((c) => c.state === 'live').map((c) => c.id))
  return { live, recent: (await searchCalls(d, { limit: recentLimit })).filter((c) => !liveIds.has(c.id)) }
}

/**
 * {@link listCalls} as the API's JSON text, built so that it never holds the event loop for long: the live calls'
 * summaries a slice at a time with the audio running between slices (console/sliced-json).
 */
export async function listCallsJson(d: ConsoleData, recentLimit = 50): Promise<string> {
  const now = d.now()
  const calls = d.watch.live()
  const liveIds = new Set(calls.filter((c) => c.endedAt === undefined).map((c) => c.callId))
  const live = await jsonArrayInSlices(calls, (c) => liveSummary(c, now))
  await yieldToLoop()
  const recent = (await searchCalls(d, { limit: recentLimit })).filter((c) => !liveIds.has(c.id))
  return `{"live":${live},"recent":${JSON.stringify(recent)}}`
}

export async function searchCalls(d: ConsoleData, q: CallSearch): Promise<CallSummary[]> {
  const rows = await d.store.console.searchCalls(q)
  const kinds = await d.store.console.taskKinds(rows.map((r) => r.id))
  const now = d.now()
  return rows.map((r) => rowSummary(r, kinds.get(r.id) ?? [], now))
}

export type CallDetail = {
  readonly summary: CallSummary
  readonly live: boolean
  readonly entries: readonly TimelineEntry[]
  readonly tasks: readonly { taskId: string; kind: string; state: string; status: string; path: readonly { from: string; to: string; on: string; at: number }[] }[]
  readonly turns: readonly { at: number; ms: number }[]
  readonly tools: readonly { at: number; name: string; ms: number }[]
  readonly usage: CallTimeline['usage']
  readonly costUsd: number
  readonly bargeIns: number
  readonly sms: readonly { direction: string; number: string; status: string; body: string; at: number }[]
  readonly pendingSms: readonly { status: string; attempts: number; lastError: string | null; at: number }[]
  readonly callbacks: readonly { number: string; status: string; at: number }[]
  readonly recording: boolean
}

/** The stored events and transcript, merged in arrival order, as timeline events. */
export async function storedTimeline(store: Store, callId: string): Promise<{ timeline: CallTimeline; entries: TimelineEntry[] }> {
  const marks = (await store.console.events(callId)).map((e) => ({ ...(e.data as object), type: e.kind, at: e.at }) as unknown as TimelineEvent)
  const lines: TimelineEvent[] = (await store.transcript.list(callId)).map((r) => ({ type: 'line', at: r.at, role: r.role, text: r.text, meta: parseMeta(r.meta) }))
  // Merge by time; at equal times marks first (a speech-started precedes the line it dates).
  const all = [...marks.map((e, i) => ({ e, k: 0, i })), ...lines.map((e, i) => ({ e, k: 1, i }))].sort((a, b) => a.e.at - b.e.at || a.k - b.k || a.i - b.i)
  const t = new CallTimeline()
  const entries: TimelineEntry[] = []
  for (const { e } of all) entries.push(...t.push(e))
  return { timeline: t, entries }
}

export async function callDetail(d: ConsoleData, callId: string, recordingExists: (id: string) => boolean): Promise<CallDetail | undefined> {
  const row = await d.store.calls.get(callId)
  if (!row) return undefined
  const live = d.watch.get(callId)
  const now = d.now()
  const { timeline, entries } = live ? { timeline: live.timeline, entries: live.entries } : await storedTimeline(d.store, callId)
  const taskRows = await d.store.tasks.forCall(callId)
  const summary = live ? liveSummary(live, now) : rowSummary(row, taskRows.map((t) => t.kind), now)
  // Task rows are the truth for state and status (a task can finish after the call, e.g. a resumed booking).
  const rows = new Map(taskRows.map((t) => [t.id, t]))
  const tasks = [...timeline.tasks.values()].map((t) => ({ taskId: t.taskId, kind: t.kind, state: rows.get(t.taskId)?.state ?? t.state, status: rows.get(t.taskId)?.status ?? t.status, path: t.path }))
  for (const r of rows.values()) if (!timeline.tasks.has(r.id)) tasks.push({ taskId: r.id, kind: r.kind, state: r.state, status: r.status, path: [] })
  return {
    summary,
    live: live !== undefined && live.endedAt === undefined,
    entries: bySpoken(entries),
    tasks,
    turns: timeline.turns,
    tools: timeline.tools,
    usage: timeline.usage,
    costUsd: estimateCost(timeline.usage, d.prices),
    bargeIns: timeline.bargeIns,
    sms: (await d.store.sms.forCall(callId)).map((s) => ({ direction: s.direction, number: masked(s.number), status: s.status, body: s.body, at: s.created_at })),
    pendingSms: (await d.store.outbox.forCall(callId))
      .filter((o) => o.kind === 'sms' && o.status !== 'done')
      .map((o) => ({ status: o.status, attempts: o.attempts, lastError: o.last_error, at: o.created_at })),
    callbacks: (await d.store.callbacks.forCall(callId)).map((c) => ({ number: masked(c.number), status: c.status, at: c.created_at })),
    recording: recordingExists(callId),
  }
}

function parseMeta(meta: string | null): Record<string, unknown> | undefined {
  if (meta === null) return undefined
  try {
    const v = JSON.parse(meta) as unknown
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
