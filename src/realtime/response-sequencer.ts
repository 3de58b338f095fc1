/**
 * @module realtime/response-sequencer
 * The one owner of `response.create`. The Realtime API lets one response write to the conversation at a time; a
 * second create fails with `conversation_already_has_active_response` (spec §4.2, §5.2). So: requests queue here,
 * consecutive ones of the same kind are coalesced into one create, nothing is sent while a response is active, one is
 * in flight, or the caller is speaking, and that error re-queues instead of failing. A create that gets no
 * `response.created` within a deadline is retried, so no request waits forever.
 */
import type { ResponseCreate } from './protocol'

export type ResponseRequest =
  /** Let the model answer what was just added (a tool output, a task update). */
  | { readonly kind: 'free'; readonly reason: string }
  /** Speak this exact line (greeting, closing, welcome back): built from state, never improvised. */
  | { readonly kind: 'say'; readonly text: string; readonly reason: string }

export type SequencerDeps = {
  readonly send: (ev: ResponseCreate) => void
  readonly now: () => number
  /** How long a sent create may wait for `response.created` before it is retried. */
  readonly createTimeoutMs?: number
}

let nextEventId = 0

export class ResponseSequencer {
  private active: string | undefined
  private inFlight: { readonly eventId: string; readonly sentAt: number; readonly batch: readonly ResponseRequest[] } | undefined
  private readonly pending: ResponseRequest[] = []
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

  request(r: ResponseRequest): void {
    this.pending.push(r)
    this.pump()
  }

  onResponseCreated(id: string): void {
    this.active = id
    this.inFlight = undefined
    // A response (ours or VAD's) answers the caller's turn.
    this.speaking = false
  }

  onResponseDone(id: string): void {
    if (this.active === id || this.active === undefined) this.active = undefined
    this.speaking = false
    this.pump()
  }

  onSpeechStarted(): void {
    this.speaking = true
  }

  /** Routes an `error` event; returns true when it concerned our create (and was handled). */
  onError(code: string | null | undefined, eventId: string | null | undefined): boolean {
    const f = this.inFlight
    if (!f || eventId !== f.eventId) return false
    this.inFlight = undefined
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
      this.pending.unshift(...f.batch)
      this.pump()
    }
  }

  /** The upstream session was replaced: nothing is active there any more; queued requests stay. */
  reset(): void {
    if (this.inFlight) this.pending.unshift(...this.inFlight.batch)
    this.inFlight = undefined
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
    const reasons = batch.map((b) => b.reason).join(',').slice(0, 500)
    const ev: ResponseCreate =
      first.kind === 'say'
        ? {
            type: 'response.create',
            event_id: eventId,
            response: {
              instructions: `Say exactly: "${batch.map((b) => (b.kind === 'say' ? b.text : '')).join(' ')}"`,
              tool_choice: 'none',
              metadata: { reason: reasons },
            },
          }
        : { type: 'response.create', event_id: eventId, response: { metadata: { reason: reasons } } }
    this.inFlight = { eventId, sentAt: this.deps.now(), batch }
    this.deps.send(ev)
  }
}
