/**
 * @module realtime/response-sequencer
 * The one owner of `response.create`. The Realtime API lets one response write to the conversation at a time; a
 * second create fails with `conversation_already_has_active_response` (spec §4.2, §5.2). So: requests queue here,
 * consecutive ones of the same kind are coalesced into one create, nothing is sent while a response is active, one is
 * in flight, or the caller is speaking, and that error re-queues instead of failing. A create that gets no
 * `response.created` within a deadline is retried, so no request waits forever.
 *
 * Each request says what it is for (`purpose`, a union the caller chooses). The create carries a request id in its
 * metadata; `response.created` echoes it, so each response is matched to the typed purposes of the requests it
 * answers (none for a response the server's VAD started). The comma-joined `reason` in the metadata is for logs only.
 */
import type { ResponseCreate } from './protocol'

export type ResponseRequest<P extends string = string> =
  /** Let the model answer what was just added (a tool output, a task update). */
  | { readonly kind: 'free'; readonly purpose: P }
  /** Speak this exact line (greeting, closing, welcome back): built from state, never improvised. */
  | { readonly kind: 'say'; readonly text: string; readonly purpose: P }

export type SequencerDeps = {
  readonly send: (ev: ResponseCreate) => void
  readonly now: () => number
  /** How long a sent create may wait for `response.created` before it is retried. */
  readonly createTimeoutMs?: number
}

let nextEventId = 0

export class ResponseSequencer<P extends string = string> {
  private active: string | undefined
  private inFlight: { readonly eventId: string; readonly sentAt: number; readonly batch: readonly ResponseRequest<P>[] } | undefined
  private readonly pending: ResponseRequest<P>[] = []
  /** Creates sent and not yet matched to a response: request id → purposes. */
  private readonly requested = new Map<string, readonly P[]>()
  /** Responses running: response id → the purposes of the requests it answers. */
  private readonly running = new Map<string, readonly P[]>()
  private speaking = false
  private readonly createTimeoutMs: number

  constructor(private readonly deps: SequencerDeps) {
    this.createTimeoutMs = deps.createTimeoutMs ?? 5000
  }

  get responseActive(): boolean {
    return this.active !== undefined || this.inFlight !== undefined
  }
  get callerSpeaking(): boolean {
    return this.speaking
  }
  get queued(): number {
    return this.pending.length
  }
  /** True when nothing is being said, requested or spoken by the caller. */
  get idle(): boolean {
    return !this.responseActive && !this.speaking && this.pending.length === 0
  }

  request(r: ResponseRequest<P>): void {
    this.pending.push(r)
    this.pump()
  }

  /** `requestId` is the id our create carried in its metadata (absent for a response the server started itself). */
  onResponseCreated(id: string, requestId?: string): readonly P[] {
    this.active = id
    const f = this.inFlight
    if (f && (requestId === undefined || requestId === f.eventId)) this.inFlight = undefined
    // A response (ours or VAD's) answers the caller's turn.
    this.speaking = false
    const purposes = requestId === undefined ? undefined : this.requested.get(requestId)
    if (purposes === undefined) return []
    this.requested.delete(requestId as string)
    this.running.set(id, purposes)
    return purposes
  }

  /** Returns what the finished response was for. */
  onResponseDone(id: string): readonly P[] {
    if (this.active === id || this.active === undefined) this.active = undefined
    this.speaking = false
    const purposes = this.running.get(id) ?? []
    this.running.delete(id)
    this.pump()
    return purposes
  }

  /** What a running response is for (empty for the server's own responses). */
  purposesOf(id: string): readonly P[] {
    return this.running.get(id) ?? []
  }

  onSpeechStarted(): void {
    this.speaking = true
  }

  /** Routes an `error` event; returns true when it concerned our create (and was handled). */
  onError(code: string | null | undefined, eventId: string | null | undefined): boolean {
    const f = this.inFlight
    if (!f || eventId !== f.eventId) return false
    this.inFlight = undefined
    this.requested.delete(f.eventId)
    if (code === 'conversation_already_has_active_response') {
      // Someone else's response is running (usually VAD's): put ours back in front and wait for its response.done.
      this.pending.unshift(...f.batch)
      if (this.active === undefined) this.active = 'unknown'
      return true
    }
    return true
  }

  /** Called periodically: a create with no `response.created` in time is sent again. */
  tick(): void {
    const f = this.inFlight
    if (f && this.deps.now() - f.sentAt > this.createTimeoutMs) {
      this.inFlight = undefined
      this.requested.delete(f.eventId)
      this.pending.unshift(...f.batch)
      this.pump()
    }
  }

  /** The upstream session was replaced: nothing is active there any more; queued requests stay. */
  reset(): void {
    if (this.inFlight) this.pending.unshift(...this.inFlight.batch)
    this.inFlight = undefined
    this.requested.clear()
    this.running.clear()
    this.active = undefined
    this.speaking = false
  }

  /** Drops queued requests (the call is ending). */
  clear(): void {
    this.pending.length = 0
  }

  private pump(): void {
    if (this.active !== undefined || this.inFlight !== undefined || this.speaking) return
    const first = this.pending[0]
    if (!first) return
    // Coalesce the run of same-kind requests at the head of the queue.
    let n = 1
    while (n < this.pending.length && this.pending[n]?.kind === first.kind) n++
    const batch = this.pending.splice(0, n)
    const eventId = `fa_rc_${++nextEventId}`
    const purposes = batch.map((b) => b.purpose)
    const metadata = { reason: purposes.join(',').slice(0, 500), request: eventId }
    const ev: ResponseCreate =
      first.kind === 'say'
        ? {
            type: 'response.create',
            event_id: eventId,
            response: {
              instructions: `Say exactly: "${batch.map((b) => (b.kind === 'say' ? b.text : '')).join(' ')}"`,
              tool_choice: 'none',
              metadata,
            },
          }
        : { type: 'response.create', event_id: eventId, response: { metadata } }
    this.inFlight = { eventId, sentAt: this.deps.now(), batch }
    this.requested.set(eventId, purposes)
    this.deps.send(ev)
  }
}
