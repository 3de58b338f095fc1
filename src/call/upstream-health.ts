/**
 * @module call/upstream-health
 * Whether the Realtime API answered lately, for `/readyz`: degraded from a call whose model leg could not connect or
 * failed fatally, until a session is ready again. One per process, shared by every call.
 */

export type DependencyStatus = { readonly status: 'ok' } | { readonly status: 'degraded'; readonly since: number; readonly error: string }

export class UpstreamHealth {
  private state: DependencyStatus = { status: 'ok' }

  constructor(private readonly now: () => number = Date.now) {}

  /** A model session became ready. */
  ok(): void {
    if (this.state.status !== 'ok') this.state = { status: 'ok' }
  }

  /** A call's model leg gave up (`error`: the code, e.g. `upstream_unreachable`, `invalid_api_key`). */
  degraded(error: string): void {
    this.state = { status: 'degraded', since: this.state.status === 'degraded' ? this.state.since : this.now(), error: error.slice(0, 200) }
  }

  get status(): DependencyStatus {
    return this.state
  }
}
