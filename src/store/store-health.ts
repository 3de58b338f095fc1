/**
 * @module store/store-health
 * Whether this instance's writes are getting through: each writer (a call's write queue, the lease heartbeat)
 * reports when it starts failing because the database is unavailable and when it gets through again. While any of
 * them fails, `/readyz` is 503 so a load balancer sends new calls elsewhere (or nowhere, if every instance shares
 * the outage); calls already up keep talking. No I/O: readiness reads this, it never queries the database.
 */
export type StoreHealthStatus = { readonly status: 'ok' | 'unavailable'; readonly failing: number; readonly sinceMs?: number }

export class StoreHealth {
  private readonly failing = new Map<object, number>()
  private readonly listeners = new Set<(ok: boolean) => void>()

  constructor(private readonly now: () => number = Date.now) {}

  /** `source` (any object standing for one writer) is failing (`false`) or fine again (`true`). */
  report(source: object, ok: boolean): void {
    const was = this.ok
    if (ok) this.failing.delete(source)
    else if (!this.failing.has(source)) this.failing.set(source, this.now())
    if (was !== this.ok) for (const l of this.listeners) l(this.ok)
  }

  /** A writer that is gone (its call ended) no longer counts, whatever its last state. */
  forget(source: object): void {
    this.report(source, true)
  }

  get ok(): boolean {
    return this.failing.size === 0
  }

  status(): StoreHealthStatus {
    if (this.failing.size === 0) return { status: 'ok', failing: 0 }
    const since = Math.min(...this.failing.values())
    return { status: 'unavailable', failing: this.failing.size, sinceMs: Math.max(0, this.now() - since) }
  }

  onChange(fn: (ok: boolean) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
}
