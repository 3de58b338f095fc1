/**
 * @module console/timeline
 * Pure: a call's events → what the operator sees. The same fold serves the live transcript (one event at a time) and
 * the history page (the stored events replayed), so both show the same lines, latencies and task paths.
 *
 * Lines are placed by when they were *spoken*: a caller line at its speech-started mark, a bot line at its first
 * audio sent (the caller's transcription usually arrives after the bot's reply has started).
 * Turn latency = caller stopped speaking (VAD) → first bot audio sent to the phone leg; tool latency = the model's
 * function call → its output.
 */
import { scrubText } from '../ops/mask'
import { mapDrop, mapPut } from '../ops/sparse-map'
import type { CallEvent, CallPhase, ResponseUsage } from '../call/call-events'

export type EntryKind = 'caller' | 'bot' | 'tool' | 'agent' | 'system' | 'task' | 'barge-in' | 'latency'

export type TimelineEntry = {
  readonly seq: number
  /** When it arrived. */
  readonly at: number
  /** When it was said (the order the operator reads). */
  readonly spokenAt: number
  readonly kind: EntryKind
  readonly text: string
}

export type TaskPathStep = { readonly from: string; readonly to: string; readonly on: string; readonly at: number }
export type TaskTrack = { readonly taskId: string; readonly kind: string; state: string; status: string; readonly path: TaskPathStep[] }
export type Turn = { readonly at: number; readonly ms: number }
export type ToolTurn = { readonly at: number; readonly name: string; readonly ms: number }
export type UsageTotals = { responses: number; inputText: number; inputAudio: number; inputCached: number; outputText: number; outputAudio: number }

/** Events without their call id: what the fold needs. */
export type TimelineEvent = CallEvent extends infer E ? (E extends CallEvent ? Omit<E, 'callId'> : never) : never

const MAX_TEXT = 2000

export class CallTimeline {
  phase: CallPhase = 'connecting'
  readonly turns: Turn[] = []
  readonly tools: ToolTurn[] = []
  readonly tasks = new Map<string, TaskTrack>()
  readonly usage: UsageTotals = { responses: 0, inputText: 0, inputAudio: 0, inputCached: 0, outputText: 0, outputAudio: 0 }
  bargeIns = 0
  /** Phases come from the call's lifecycle machine once it reports them; until then they are inferred from events. */
  private reported = false
  private seq = 0
  // Created on their first entry (most calls never time a tool; a silent one never hears speech).
  private speechAt: Map<string, number> | undefined
  private botAt: Map<string, number> | undefined
  private toolStarts: Map<string, { name: string; at: number }> | undefined
  private stoppedAt: number | undefined

  /** Folds one event in; returns the entries it produced (zero or more). */
  push(e: TimelineEvent): TimelineEntry[] {
    const entry = (kind: EntryKind, text: string, spokenAt = e.at): TimelineEntry => ({ seq: ++this.seq, at: e.at, spokenAt, kind, text: scrubText(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '…' : text) })
    switch (e.type) {
      case 'started':
        this.phase = 'connecting'
        return []
      case 'speech-started':
        this.speechAt = mapPut(this.speechAt, e.itemId, e.at)
        this.stoppedAt = undefined
        if (!this.reported && (this.phase === 'greeting' || this.phase === 'connecting')) this.phase = 'talking'
        return []
      case 'speech-stopped':
        this.stoppedAt = e.at
        return []
      case 'bot-audio': {
        this.botAt = mapPut(this.botAt, e.itemId, e.at)
        if (!this.reported && this.phase === 'connecting') this.phase = 'greeting'
        if (this.stoppedAt === undefined) return []
        const ms = e.at - this.stoppedAt
        this.stoppedAt = undefined
        this.turns.push({ at: e.at, ms })
        return [entry('latency', `voice-to-voice ${ms} ms`)]
      }
      case 'barge-in':
        this.bargeIns++
        return [entry('barge-in', 'caller barged in: bot audio stopped')]
      case 'usage': {
        const u: ResponseUsage = e.usage
        this.usage.responses++
        this.usage.inputText += u.inputText
        this.usage.inputAudio += u.inputAudio
        this.usage.inputCached += u.inputCached
        this.usage.outputText += u.outputText
        this.usage.outputAudio += u.outputAudio
        return []
      }
      case 'task-step': {
        let t = this.tasks.get(e.taskId)
        if (!t) this.tasks.set(e.taskId, (t = { taskId: e.taskId, kind: e.kind, state: e.to, status: e.status, path: [] }))
        t.path.push({ from: e.from, to: e.to, on: e.on, at: e.at })
        t.state = e.to
        t.status = e.status
        return [entry('task', `${e.taskId} ${e.kind}: ${e.from} → ${e.to} (on ${e.on})`)]
      }
      case 'phase':
        this.reported = true
        this.phase = e.phase
        return []
      case 'ended':
        this.phase = 'ended'
        return [entry('system', `call ended (${e.reason})`)]
      case 'line':
        return this.line(e, entry)
      default:
        return []
    }
  }

  private line(e: Extract<TimelineEvent, { type: 'line' }>, entry: (kind: EntryKind, text: string, spokenAt?: number) => TimelineEntry): TimelineEntry[] {
    const meta = e.meta ?? {}
    const itemId = typeof meta.itemId === 'string' ? meta.itemId : undefined
    if (e.role === 'caller') return [entry('caller', e.text, (itemId && this.speechAt?.get(itemId)) || e.at)]
    if (e.role === 'bot') return [entry('bot', e.text + (meta.interrupted === true ? ' (interrupted)' : ''), (itemId && this.botAt?.get(itemId)) || e.at)]
    if (e.role !== 'tool') return [entry(e.role, e.text)]
    const toolCallId = typeof meta.callId === 'string' ? meta.callId : undefined
    if (toolCallId === undefined) return [entry('tool', e.text)]
    if (meta.result !== true) {
      const name = /^([A-Za-z0-9_-]+)\(/.exec(e.text)?.[1] ?? 'tool'
      this.toolStarts = mapPut(this.toolStarts, toolCallId, { name, at: e.at })
      return [entry('tool', e.text)]
    }
    const out = [entry('tool', `→ ${e.text}`)]
    const start = this.toolStarts?.get(toolCallId)
    if (start) {
      this.toolStarts = mapDrop(this.toolStarts, toolCallId)
      const ms = e.at - start.at
      this.tools.push({ at: e.at, name: start.name, ms })
      out.push(entry('latency', `tool ${start.name} ${ms} ms`))
      if (!this.reported && start.name === 'end_call' && e.text.includes('"closing"')) this.phase = 'closing'
      if (!this.reported && start.name === 'transfer_to_human' && e.text.includes('"transferring"')) this.phase = 'transferring'
    }
    return out
  }

  openTasks(): { taskId: string; kind: string; state: string }[] {
    return [...this.tasks.values()].filter((t) => t.status === 'open').map((t) => ({ taskId: t.taskId, kind: t.kind, state: t.state }))
  }
}

/** Entries in reading order: by when spoken, then by arrival. */
export function bySpoken(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return [...entries].sort((a, b) => a.spokenAt - b.spokenAt || a.seq - b.seq)
}

/** Estimated cost in USD from per-million-token prices. */
export type Prices = { readonly inputText: number; readonly inputAudio: number; readonly inputCached: number; readonly outputText: number; readonly outputAudio: number }

export function estimateCost(u: UsageTotals, p: Prices): number {
  // Cached tokens are part of the input counts and billed at the cached rate instead.
  const cached = Math.min(u.inputCached, u.inputText + u.inputAudio)
  const uncachedText = Math.max(0, u.inputText - cached)
  const cost = uncachedText * p.inputText + u.inputAudio * p.inputAudio + cached * p.inputCached + u.outputText * p.outputText + u.outputAudio * p.outputAudio
  return cost / 1_000_000
}
