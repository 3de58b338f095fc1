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
 *
 * A `say` whose turn has come may be spoken without the model (`playLocal`: the phrase cache has its audio): it then
 * takes its place in the order like any response, and no create is sent for it.
 */
import { mapDrop, mapPut } from '../ops/sparse-map'
import type { ResponseCreate } from './protocol'
import type { SpokenLine } from '../call/spoken-line'

export type ResponseRequest<P extends string = string> =
  /** Let the model answer what was just added (a tool output, a task update). */
  | { readonly kind: 'free'; readonly purpose: P }
  /** Speak this exact line (greeting, closing, welcome back): built from state, never improvised. */
  | { readonly kind: 'say'; readonly line: SpokenLine; readonly purpose: P }

export type SayRequest<P extends string = string> = Extract<ResponseRequest<P>, { kind: 'say' }>

export type SequencerDeps<P extends string = string> = {
  readonly send: (ev: ResponseCreate) => void
  readonly now: () => number
  /** How long a sent create may wait for `response.created` before it is retried. */
  readonly createTimeoutMs?: number
  /**
   * A `say` is due (nothing else is being said, requested or spoken): true when it was spoken without the model
   * (cached audio played, the model told what was said), so no create is sent for it.
   */
  readonly playLocal?: (r: SayRequest<P>) => boolean
}

let nextEventId = 0

const joins = (a: ResponseRequest, b: ResponseRequest | undefined): boolean =>
  b !== undefined && a.kind === b.kind && (a.kind === 'free' || (a.line.provenance === 'personal' && b.kind === 'say' && b.line.provenance === 'personal'))

export class ResponseSequencer<P extends string = string> {
  private active: string | undefined
  private inFlight: { readonly eventId: string; readonly sentAt: number; readonly batch: readonly ResponseRequest<P>[] } | undefined
  private readonly pending: ResponseRequest<P>[] = []
  /** Creates sent and not yet matched to a response: request id → the requests it carries. */
  private requested: Map<string, readonly ResponseRequest<P>[]> | undefined
  /** Responses running: response id → the requests it answers. */
  private running: Map<string, readonly ResponseRequest<P>[]> | undefined
  private pumping = false
  private speaking = false
  private readonly createTimeoutMs: number

  constructor(private readonly deps: SequencerDeps<P>) {
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
    const batch = requestId === undefined ? undefined : this.requested?.get(requestId)
    if (batch === undefined) return []
    this.requested = mapDrop(this.requested, requestId as string)
    this.running = mapPut(this.running, id, batch)
    return batch.map((b) => b.purpose)
  }

  /** Returns what the finished response was for. */
  onResponseDone(id: string): readonly P[] {
    if (this.active === id || this.active === undefined) this.active = undefined
    this.speaking = false
    const purposes = (this.running?.get(id) ?? []).map((b) => b.purpose)
    this.running = mapDrop(this.running, id)
    this.pump()
    return purposes
  }

  /** What a running response is for (empty for the server's own responses). */
  purposesOf(id: string): readonly P[] {
    return (this.running?.get(id) ?? []).map((b) => b.purpose)
  }

  /** The line a running response speaks, when it answers exactly one `say` (the phrase cache keeps only those). */
  sayLineOf(id: string): SpokenLine | undefined {
    const batch = this.running?.get(id)
    const only = batch?.length === 1 ? batch[0] : undefined
    return only?.kind === 'say' ? only.line : undefined
  }

  onSpeechStarted(): void {
    this.speaking = true
  }

  /** Routes an `error` event; returns true when it concerned our create (and was handled). */
  onError(code: string | null | undefined, eventId: string | null | undefined): boolean {
    const f = this.inFlight
    if (!f || eventId !== f.eventId) return false
    this.inFlight = undefined
    this.requested = mapDrop(this.requested, f.eventId)
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
      this.requested = mapDrop(this.requested, f.eventId)
      this.pending.unshift(...f.batch)
      this.pump()
    }
  }

  /** The upstream session was replaced: nothing is active there any more; queued requests stay. */
  reset(): void {
    if (this.inFlight) this.pending.unshift(...this.inFlight.batch)
    this.inFlight = undefined
    this.requested = undefined
    this.running = undefined
    this.active = undefined
    this.speaking = false
  }

  /** Drops queued requests (the call is ending). */
  clear(): void {
    this.pending.length = 0
  }

  private pump(): void {
    // playLocal may request more (the lifecycle reacts to the line it spoke): the loop below picks that up.
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.active === undefined && this.inFlight === undefined && !this.speaking && this.pending.length > 0) {
        const first = this.pending[0]
        if (first?.kind === 'say' && this.deps.playLocal) {
          this.pending.shift()
          if (this.deps.playLocal(first)) continue
          this.pending.unshift(first)
        }
        this.send()
      }
    } finally {
      this.pumping = false
    }
  }

  private send(): void {
    const first = this.pending[0]
    if (!first) return
    // Coalesce the run of same-kind requests at the head of the queue; a fixed line is its own response, so its audio
    // is that line's alone (the phrase cache keeps it).
    let n = 1
    while (n < this.pending.length && joins(first, this.pending[n])) n++
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
              instructions: sayExactly(batch.flatMap((b) => (b.kind === 'say' ? [b.line] : []))),
              tool_choice: 'none',
              metadata,
            },
          }
        : { type: 'response.create', event_id: eventId, response: { metadata } }
    this.inFlight = { eventId, sentAt: this.deps.now(), batch }
    this.requested = mapPut(this.requested, eventId, batch)
    this.deps.send(ev)
  }
}

/**
 * The instructions of a scripted response: only {@link SpokenLine}s, lines we built ourselves (never caller text; see
 * call/spoken-line).
 */
export function sayExactly(lines: readonly SpokenLine[]): string {
  return `Say exactly: "${lines.map((l) => l.text).join(' ')}"`
}
