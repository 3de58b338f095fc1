/**
 * @module agents/declared/submissions
 * Where a webhook's outcome meets the task that sent it. A live call's runtime waits on the submission's key; the
 * outbox handler delivers the outcome there and waits until the task has checkpointed it, so the outbox row is marked
 * done only after the task knows (a crash in between re-sends with the same Idempotency-Key, and the task ignores a
 * second outcome). Nobody waiting — the call ended and its runtime is gone, or the process restarted — means the
 * handler applies the outcome to the stored task itself (see stored-outcome.ts).
 */
import type { EventBase } from '../../fsm/fsm'

export type Outcome = EventBase & { readonly at: number } & Record<string, unknown>

type Waiter = { resolve(v: { event: Outcome; ack: () => void }): void }

export class Submissions {
  private readonly waiting = new Map<string, Waiter>()

  /** Registered before the step that enqueues the submission commits, so no outcome can arrive unseen. */
  expect(key: string): { readonly outcome: Promise<{ event: Outcome; ack: () => void }>; cancel(): void } {
    let resolve!: Waiter['resolve']
    const outcome = new Promise<{ event: Outcome; ack: () => void }>((r) => (resolve = r))
    this.waiting.set(key, { resolve })
    return { outcome, cancel: () => this.waiting.delete(key) }
  }

  /** True when a live task took the outcome (resolved once it is checkpointed, or after `ackMs` at most). */
  async deliver(key: string, event: Outcome, ackMs = 10_000): Promise<boolean> {
    const w = this.waiting.get(key)
    if (!w) return false
    this.waiting.delete(key)
    let ack!: () => void
    const acked = new Promise<void>((r) => (ack = r))
    w.resolve({ event, ack })
    await Promise.race([acked, Bun.sleep(ackMs)])
    return true
  }
}
