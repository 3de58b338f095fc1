/**
 * @module call/call-events
 * What happens on a call, as small events for whoever watches (the operator console, the latency histograms).
 * The call code only emits: an emit with no listener costs a Set size check. Listeners run synchronously but must
 * not do I/O inline (the console queues its writes); a throwing listener is isolated, never reaches the call.
 *
 * Marks from near the audio path (`bot-audio`: the first delta of an output item) are timestamps only; everything
 * derived from them (turn latency) is computed by the watcher.
 */
import type { TranscriptRole } from '../store/transcript-repo'

/** Token counts of one `response.done` (Realtime `usage`). */
export type ResponseUsage = {
  readonly inputText: number
  readonly inputAudio: number
  readonly inputCached: number
  readonly outputText: number
  readonly outputAudio: number
}

/** The call's lifecycle state (call/lifecycle-machine), or what the console infers before the first one arrives. */
export type CallPhase = string

export type CallEvent =
  | { readonly type: 'started'; readonly callId: string; readonly at: number; readonly mediaFormat: string; readonly direction: 'inbound' | 'outbound'; readonly caller: string | undefined; readonly resumes: string | undefined; readonly tenant?: string }
  | { readonly type: 'line'; readonly callId: string; readonly at: number; readonly role: TranscriptRole; readonly text: string; readonly meta: Readonly<Record<string, unknown>> | undefined }
  /** Caller speech started / stopped at the model's VAD (received at `at`). */
  | { readonly type: 'speech-started' | 'speech-stopped'; readonly callId: string; readonly at: number; readonly itemId: string }
  /** The first audio of a bot output item was sent to the phone leg. */
  | { readonly type: 'bot-audio'; readonly callId: string; readonly at: number; readonly itemId: string }
  | { readonly type: 'barge-in'; readonly callId: string; readonly at: number }
  | { readonly type: 'usage'; readonly callId: string; readonly at: number; readonly responseId: string; readonly usage: ResponseUsage }
  | { readonly type: 'task-step'; readonly callId: string; readonly at: number; readonly taskId: string; readonly kind: string; readonly from: string; readonly to: string; readonly on: string; readonly status: string }
  | { readonly type: 'tool-latency'; readonly callId: string; readonly at: number; readonly name: string; readonly ms: number }
  | { readonly type: 'phase'; readonly callId: string; readonly at: number; readonly phase: CallPhase }
  | { readonly type: 'ended'; readonly callId: string; readonly at: number; readonly reason: string }

export type CallEventListener = (e: CallEvent) => void

export class CallEventBus {
  private readonly listeners = new Set<CallEventListener>()

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  get watched(): boolean {
    return this.listeners.size > 0
  }

  subscribe(l: CallEventListener): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  emit(e: CallEvent): void {
    if (this.listeners.size === 0) return
    for (const l of this.listeners) {
      try {
        l(e)
      } catch (err) {
        this.onListenerError(err)
      }
    }
  }
}
