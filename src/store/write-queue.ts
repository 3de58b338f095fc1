/**
 * @module store/write-queue
 * One call's writes, in the order they were made, one at a time, off the audio path. A write that fails because
 * the database is unavailable (see store/unavailable: a restart, a failover, SQLite busy or disk full) is retried
 * with a bounded backoff, and the writes behind it wait: they reach the database in order, and nothing is skipped.
 * A write that fails for any other reason (a constraint, a stale step) fails alone and the queue moves on.
 *
 * A queue serves one call, so an outage stalls only each call's own writes, never another call's, and never the
 * audio (nobody on the per-frame path awaits it). Whoever waits for a write (the task runtime, before it
 * acknowledges a step) gets its promise; fire-and-forget writes (transcript lines) are `offer`ed and bounded: past
 * `maxQueued` they are dropped (counted), steps never are.
 *
 * The retry decisions are pure ({@link backoffMs}); the clock is injected, so the unit test drives it.
 */
import { isUnavailable as defaultIsUnavailable, StoreUnavailable } from './unavailable'

export type RetryPolicy = {
  /** The wait after the first failure. */
  readonly firstMs: number
  /** The longest wait between two attempts (the backoff is bounded). */
  readonly maxMs: number
  readonly factor: number
}

export const DEFAULT_RETRY: RetryPolicy = { firstMs: 100, maxMs: 2000, factor: 2 }

/** The wait before attempt `attempt` (1 = the first retry): exponential, capped at `maxMs`. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const n = Math.max(1, attempt)
  return Math.min(policy.maxMs, policy.firstMs * policy.factor ** (n - 1))
}

/**
 * Runs `fn` until it succeeds or fails for a reason other than the database being unavailable, waiting the bounded
 * backoff between attempts; `gaveUp` (checked before each retry) ends the wait with {@link StoreUnavailable}. For
 * work that must not hold a call's queue (a domain effect talking to a calendar) but waits out an outage like it.
 */
export async function untilAvailable<T>(
  fn: (attempt: number) => Promise<T>,
  o: {
    readonly policy?: RetryPolicy
    readonly isUnavailable?: (err: unknown) => boolean
    /** Checked after each unavailable failure and after each wait: true stops retrying (StoreUnavailable). */
    readonly gaveUp?: () => boolean
    /** Each unavailable failure, before the wait. */
    readonly onRetry?: (err: unknown) => void
    readonly sleep?: (ms: number) => Promise<void>
  } = {},
): Promise<T> {
  const unavailable = o.isUnavailable ?? defaultIsUnavailable
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (!unavailable(err)) throw err
      o.onRetry?.(err)
      if (o.gaveUp?.()) throw new StoreUnavailable()
      const ms = backoffMs(o.policy ?? DEFAULT_RETRY, attempt + 1)
      await (o.sleep ? o.sleep(ms) : Bun.sleep(ms))
      // Given up during the wait (a shutdown cuts it short): no attempt after it.
      if (o.gaveUp?.()) throw new StoreUnavailable()
    }
  }
}

export type WriteQueueState = 'ok' | 'retrying'

export type WriteQueueOptions = {
  readonly policy?: RetryPolicy
  /** Waits `ms` (default a timer); tests pass a controllable clock. */
  readonly sleep?: (ms: number) => Promise<void>
  readonly isUnavailable?: (err: unknown) => boolean
  /** The queue started retrying (the head write found the database unavailable) or got through again. */
  readonly onState?: (state: WriteQueueState, err?: unknown) => void
  /** Offered writes beyond this many queued are dropped (default 1000). */
  readonly maxQueued?: number
  /** An offered write was dropped (the bound) or failed (not retried): already settled, never thrown. */
  readonly onLost?: (label: string, why: 'dropped' | 'failed', err?: unknown) => void
}

type Job = {
  readonly label: string
  readonly fn: (attempt: number) => Promise<unknown>
  readonly resolve: (v: unknown) => void
  readonly reject: (err: unknown) => void
}

export class WriteQueue {
  private readonly jobs: Job[] = []
  private running = false
  private state: WriteQueueState = 'ok'
  private abandoned: StoreUnavailable | undefined
  private wake: (() => void) | undefined
  private idleWaiters: (() => void)[] = []

  constructor(private readonly o: WriteQueueOptions = {}) {}

  /** The head write is waiting for the database to come back. */
  get retrying(): boolean {
    return this.state === 'retrying'
  }

  /** Given up ({@link abandon}): nothing more will be written. */
  get closed(): boolean {
    return this.abandoned !== undefined
  }

  /** Writes queued or running. */
  get pending(): number {
    return this.jobs.length
  }

  /**
   * Queues `fn` behind every earlier write; resolves with its result once it succeeded (after as many attempts as
   * the outage takes), rejects with its error when it failed for another reason. `fn` gets the attempt number
   * (0 first): a retry after an ambiguous failure (the connection died during the commit) may find its own write.
   */
  run<T>(label: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    if (this.abandoned) return Promise.reject(this.abandoned)
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ label, fn, resolve: resolve as (v: unknown) => void, reject })
      this.pump()
    })
  }

  /** A write nobody waits for: queued like {@link run} unless the queue is full; its failure goes to `onLost`. */
  offer(label: string, fn: (attempt: number) => Promise<unknown>): boolean {
    if (this.abandoned || this.jobs.length >= (this.o.maxQueued ?? 1000)) {
      this.o.onLost?.(label, 'dropped')
      return false
    }
    this.run(label, fn).catch((err: unknown) => this.o.onLost?.(label, 'failed', err))
    return true
  }

  /** Resolves once every write queued so far has settled. */
  idle(): Promise<void> {
    if (this.jobs.length === 0 && !this.running) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * Stops retrying (the process is stopping): the attempt in flight finishes, everything still waiting rejects
   * with {@link StoreUnavailable}. Nothing rejected here was acknowledged to anyone (an acknowledgement waits for
   * the write's success).
   */
  abandon(reason = 'the process is stopping while the database is unavailable'): void {
    this.abandoned ??= new StoreUnavailable(reason)
    this.wake?.()
  }

  private pump(): void {
    if (this.running) return
    this.running = true
    void this.drain()
  }

  private async drain(): Promise<void> {
    // The head write waits out an outage (untilAvailable, the same loop a domain effect uses); those behind it wait.
    const retry = {
      policy: this.o.policy ?? DEFAULT_RETRY,
      isUnavailable: this.o.isUnavailable ?? defaultIsUnavailable,
      gaveUp: () => this.abandoned !== undefined,
      onRetry: (err: unknown) => this.setState('retrying', err),
      sleep: (ms: number) => this.sleep(ms),
    }
    for (let job = this.jobs[0]; job !== undefined; job = this.jobs[0]) {
      if (this.abandoned) job.reject(this.abandoned)
      else {
        try {
          const v = await untilAvailable(job.fn, retry)
          this.setState('ok')
          job.resolve(v)
        } catch (err) {
          if (this.abandoned) job.reject(this.abandoned)
          else {
            // The database answered (a constraint, a stale step): it is reachable, only this write is wrong.
            this.setState('ok')
            job.reject(err)
          }
        }
      }
      this.jobs.shift()
    }
    this.running = false
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  private setState(s: WriteQueueState, err?: unknown): void {
    if (this.state === s) return
    this.state = s
    this.o.onState?.(s, err)
  }

  /** The backoff wait, cut short by {@link abandon}. */
  private sleep(ms: number): Promise<void> {
    const timer = this.o.sleep ? this.o.sleep(ms) : Bun.sleep(ms)
    const woken = new Promise<void>((resolve) => (this.wake = resolve))
    return Promise.race([timer, woken]).finally(() => (this.wake = undefined))
  }
}
