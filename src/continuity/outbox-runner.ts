/**
 * @module continuity/outbox-runner
 * Executes outbox rows for the outside world (SMS, dial-out) after the transaction that created them committed:
 * claimed first (one instance of a cluster per row, for OUTBOX_CLAIM_SECONDS), one at a time, retried with exponential backoff on temporary failures, never retried on permanent ones, and
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
  /**
   * Who claims the rows and for how long (OUTBOX_CLAIM_SECONDS): exactly one instance of a cluster executes each row;
   * a claimer that dies mid-send loses its claim after this long and another takes the row over.
   */
  readonly claim?: { readonly by: string; readonly ms: number }
  /** A row (or the runner itself) failed outside its handler — the store, typically; already logged. */
  readonly onFailure?: (where: 'outbox-row' | 'outbox-drain') => void
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
    // Nothing here may reject: a store failure in one pass is logged and counted, and the runner tries again later.
    this.running = this.drain()
      .catch((err: unknown) => {
        this.d.log.error('outbox.drain_failed', { err })
        this.d.onFailure?.('outbox-drain')
      })
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.wake()
        } else void this.schedule()
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

  private async schedule(): Promise<void> {
    if (this.stopped) return
    const poll = this.d.pollMs ?? 30_000
    let wait = poll
    try {
      const next = await this.d.store.outbox.nextDue(this.kinds)
      if (next !== undefined) wait = Math.min(poll, Math.max(0, next - this.d.now()))
    } catch (err) {
      this.d.log.error('outbox.schedule_failed', { err })
      this.d.onFailure?.('outbox-drain')
      wait = Math.min(poll, this.backoff(1))
    }
    // Woken (or stopped) while the store answered: that run schedules its own timer.
    if (this.stopped || this.running || this.timer) return
    for (const at of this.parked.values()) wait = Math.min(wait, Math.max(0, at - this.d.now()))
    this.timer = setTimeout(() => this.wake(), wait)
  }

  /** Rows whose bookkeeping failed (not their handler): skipped until then, so one bad row neither spins nor blocks. */
  private readonly parked = new Map<number, number>()
  private readonly parkCount = new Map<number, number>()

  private backoff(attempt: number): number {
    return Math.min(300_000, (this.d.backoffMs ?? 1000) * 2 ** (attempt - 1))
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return
      const now = this.d.now()
      for (const [id, at] of this.parked) if (at <= now) this.parked.delete(id)
      const claim = this.d.claim ?? { by: 'local', ms: 60_000 }
      const rows = (await this.d.store.outbox.claim(this.kinds, now, claim.by, claim.ms, 10 + this.parked.size)).filter((r) => !this.parked.has(r.id))
      if (rows.length === 0) return
      for (const row of rows) {
        if (this.stopped) return
        // Rows wait their turn behind slow sends; one whose claim ran out meanwhile may be another instance's now.
        if ((row.claim_until ?? 0) <= this.d.now()) continue
        try {
          await this.runOne(row)
          this.parkCount.delete(row.id)
        } catch (err) {
          // This row's store work failed: the others (other calls' messages) still go out; it is retried later.
          const n = (this.parkCount.get(row.id) ?? 0) + 1
          this.parkCount.set(row.id, n)
          const until = this.d.now() + this.backoff(n)
          this.parked.set(row.id, until)
          this.d.log.error('outbox.row_failed', { outboxId: row.id, kind: row.kind, callId: row.call_id ?? undefined, err })
          this.d.onFailure?.('outbox-row')
          // The claim ends with the backoff, so the retry follows it rather than the claim lease (and the timer sleeps
          // until then instead of polling a row it skips). If the store fails here too, the lease runs out instead.
          await this.d.store.outbox.deferClaim(row.id, claim.by, until).catch(() => undefined)
        }
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
      await this.d.store.outbox.fail(row.id, 'payload is not JSON', this.d.now())
      return
    }
    let outcome: RunOutcome
    await this.d.store.outbox.begin(row.id, this.d.now())
    try {
      outcome = await handler(row, payload)
    } catch (err) {
      outcome = { kind: 'retry', error: err instanceof Error ? err.message : String(err) }
    }
    const now = this.d.now()
    const attempts = row.attempts + 1
    switch (outcome.kind) {
      case 'done':
        await this.d.store.outbox.done(row.id, outcome.result ?? null, now)
        log.info('outbox.done', { attempts })
        return
      case 'hold':
        await this.d.store.outbox.hold(row.id, outcome.why, now)
        log.info('outbox.held', { why: outcome.why })
        return
      case 'fail':
        await this.d.store.outbox.fail(row.id, outcome.error, now)
        log.warn('outbox.failed', { error: outcome.error, attempts })
        return
      case 'retry': {
        if (attempts >= (this.d.maxAttempts ?? 8)) {
          await this.d.store.outbox.fail(row.id, `gave up after ${attempts} attempts: ${outcome.error}`, now)
          log.warn('outbox.gave_up', { error: outcome.error, attempts })
          return
        }
        const delay = this.backoff(attempts)
        await this.d.store.outbox.retry(row.id, outcome.error, now + delay, now)
        log.warn('outbox.retry', { error: outcome.error, attempts, inMs: delay })
      }
    }
  }
}
