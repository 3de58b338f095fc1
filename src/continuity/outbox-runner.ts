/**
 * @module continuity/outbox-runner
 * Executes outbox rows for the outside world (SMS, dial-out) after the transaction that created them committed:
 * one at a time, retried with exponential backoff on temporary failures, never retried on permanent ones, and
 * resumed after a restart from whatever is still pending. Each kind's handler decides the outcome.
 */
import type { Logger } from '../ops/log'
import type { OutboxRow } from '../store/rows'
import type { Store } from '../store/store'

export type RunOutcome =
  | { readonly kind: 'done'; readonly result?: unknown }
  | { readonly kind: 'retry'; readonly error: string }
  | { readonly kind: 'fail'; readonly error: string }
  | { readonly kind: 'hold'; readonly why: string }

export type OutboxHandler = (row: OutboxRow, payload: unknown) => Promise<RunOutcome>

export type OutboxRunnerDeps = {
  readonly store: Store
  readonly log: Logger
  readonly now: () => number
  readonly handlers: Readonly<Record<string, OutboxHandler>>
  readonly maxAttempts?: number
  /** Backoff base; attempt n waits base × 2^(n−1), capped at 5 minutes. */
  readonly backoffMs?: number
  readonly pollMs?: number
}

export class OutboxRunner {
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private again = false
  private stopped = false
  private readonly kinds: string[]

  constructor(private readonly d: OutboxRunnerDeps) {
    this.kinds = Object.keys(d.handlers)
  }

  start(): void {
    this.wake()
  }

  /** Run now (something was enqueued). */
  wake(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.running = this.drain().finally(() => {
      this.running = undefined
      if (this.again) {
        this.again = false
        this.wake()
      } else this.schedule()
    })
  }

  /** Waits for the row being executed, then stops. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }

  /** Resolves when nothing due is left (tests, the demo). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  private schedule(): void {
    if (this.stopped) return
    const next = this.d.store.outbox.nextDue(this.kinds)
    const poll = this.d.pollMs ?? 30_000
    const wait = next === undefined ? poll : Math.min(poll, Math.max(0, next - this.d.now()))
    this.timer = setTimeout(() => this.wake(), wait)
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return
      const rows = this.d.store.outbox.due(this.kinds, this.d.now(), 20)
      if (rows.length === 0) return
      for (const row of rows) {
        if (this.stopped) return
        await this.runOne(row)
      }
    }
  }

  private async runOne(row: OutboxRow): Promise<void> {
    const handler = this.d.handlers[row.kind]
    if (!handler) return
    const log = this.d.log.child({ outboxId: row.id, kind: row.kind, callId: row.call_id ?? undefined })
    let payload: unknown
    try {
      payload = JSON.parse(row.payload)
    } catch {
      this.d.store.outbox.fail(row.id, 'payload is not JSON', this.d.now())
      return
    }
    let outcome: RunOutcome
    this.d.store.outbox.begin(row.id, this.d.now())
    try {
      outcome = await handler(row, payload)
    } catch (err) {
      outcome = { kind: 'retry', error: err instanceof Error ? err.message : String(err) }
    }
    const now = this.d.now()
    const attempts = row.attempts + 1
    switch (outcome.kind) {
      case 'done':
        this.d.store.outbox.done(row.id, outcome.result ?? null, now)
        log.info('outbox.done', { attempts })
        return
      case 'hold':
        this.d.store.outbox.hold(row.id, outcome.why, now)
        log.info('outbox.held', { why: outcome.why })
        return
      case 'fail':
        this.d.store.outbox.fail(row.id, outcome.error, now)
        log.warn('outbox.failed', { error: outcome.error, attempts })
        return
      case 'retry': {
        if (attempts >= (this.d.maxAttempts ?? 8)) {
          this.d.store.outbox.fail(row.id, `gave up after ${attempts} attempts: ${outcome.error}`, now)
          log.warn('outbox.gave_up', { error: outcome.error, attempts })
          return
        }
        const delay = Math.min(300_000, (this.d.backoffMs ?? 1000) * 2 ** (attempts - 1))
        this.d.store.outbox.retry(row.id, outcome.error, now + delay, now)
        log.warn('outbox.retry', { error: outcome.error, attempts, inMs: delay })
      }
    }
  }
}
