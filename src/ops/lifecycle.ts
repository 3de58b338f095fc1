/**
 * @module ops/lifecycle
 * The process phase `/readyz` reports and the call endpoint obeys: `starting` → `ready` → `draining`.
 */
export type Phase = 'starting' | 'ready' | 'draining'

export class Lifecycle {
  private current: Phase = 'starting'
  private readonly listeners = new Set<(p: Phase) => void>()
  get phase(): Phase {
    return this.current
  }
  /** New calls are accepted only when ready. */
  get acceptingCalls(): boolean {
    return this.current === 'ready'
  }
  markReady(): void {
    if (this.current === 'starting') this.set('ready')
  }
  startDraining(): void {
    this.set('draining')
  }
  onChange(fn: (p: Phase) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
  private set(p: Phase): void {
    if (this.current === p) return
    this.current = p
    for (const fn of this.listeners) fn(p)
  }
}
