/**
 * @module sim/realtime/outbox
 * Every event a session sends goes through here, which is where the network faults live: added latency with jitter
 * (order is kept, as on one TCP stream), a stall (nothing leaves, events pile up, then all go at once), and an abrupt
 * drop after the N-th audio delta actually written (no close frame, so the client sees 1006). With no fault set an
 * event is written synchronously, so a test's event order is exactly the session's.
 */
import type { SentEvent } from './wire'

/** The part of a server WebSocket the session uses (Bun's ServerWebSocket has it). */
export interface SocketLike {
  sendText(data: string): unknown
  close(code?: number, reason?: string): void
  terminate(): void
}

interface Queued {
  readonly due: number
  readonly event: SentEvent
}

export class Outbox {
  private queue: Queued[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private latencyMs = 0
  private jitterMs = 0
  private stalledUntil = 0
  private lastDue = 0
  private dropAfterDeltas: number | undefined
  private pendingClose: { code: number; reason: string } | undefined
  private done = false

  constructor(
    private readonly socket: SocketLike,
    private readonly onWrite: (e: SentEvent) => void,
    private readonly random: () => number,
    private readonly onTerminate: () => void,
  ) {}

  get closed(): boolean {
    return this.done
  }

  get queued(): number {
    return this.queue.length
  }

  send(event: SentEvent): void {
    if (this.done || this.pendingClose) return
    const now = performance.now()
    const delay = this.latencyMs + (this.jitterMs > 0 ? this.random() * this.jitterMs : 0)
    if (this.queue.length === 0 && delay <= 0 && now >= this.stalledUntil) {
      this.write(event)
      return
    }
    const due = Math.max(now + delay, this.lastDue)
    this.lastDue = due
    this.queue.push({ due, event })
    this.schedule()
  }

  setLatency(ms: number, jitterMs = 0): void {
    this.latencyMs = Math.max(0, ms)
    this.jitterMs = Math.max(0, jitterMs)
  }

  stall(ms: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, performance.now() + ms)
    this.schedule()
  }

  /** Terminates the socket after `n` more audio deltas are written (immediately when n ≤ 0). */
  dropAfter(n: number): void {
    if (n <= 0) this.terminate()
    else this.dropAfterDeltas = n
  }

  /** Closes with a close frame once everything queued has been written. */
  closeWhenDrained(code: number, reason: string): void {
    if (this.done) return
    this.pendingClose = { code, reason }
    if (this.queue.length === 0) this.finishClose()
  }

  terminate(): void {
    if (this.done) return
    this.done = true
    this.queue = []
    clearTimeout(this.timer)
    // Before terminate(): Bun may run the close handler synchronously, and it must already see the drop as abrupt.
    this.onTerminate()
    this.socket.terminate()
  }

  private finishClose(): void {
    const c = this.pendingClose
    if (!c || this.done) return
    this.done = true
    clearTimeout(this.timer)
    this.socket.close(c.code, c.reason)
  }

  private schedule(): void {
    clearTimeout(this.timer)
    const head = this.queue[0]
    if (!head) return
    const wait = Math.max(head.due, this.stalledUntil) - performance.now()
    this.timer = setTimeout(() => this.flush(), Math.max(0, wait))
  }

  private flush(): void {
    const now = performance.now()
    while (!this.done && this.queue.length > 0 && now >= this.stalledUntil && this.queue[0]!.due <= now) {
      this.write(this.queue.shift()!.event)
    }
    if (this.done) return
    if (this.queue.length > 0) this.schedule()
    else if (this.pendingClose) this.finishClose()
  }

  private write(event: SentEvent): void {
    this.socket.sendText(JSON.stringify(event))
    this.onWrite(event)
    if (event.type === 'response.output_audio.delta' && this.dropAfterDeltas !== undefined) {
      this.dropAfterDeltas--
      if (this.dropAfterDeltas <= 0) {
        this.dropAfterDeltas = undefined
        this.terminate()
      }
    }
  }
}
