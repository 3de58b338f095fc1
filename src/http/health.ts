/**
 * @module http/health
 * Liveness, readiness and metrics routes. `/readyz` is 503 while starting or draining, so a load balancer stops
 * sending calls before the process stops taking them. A degraded dependency (the Realtime API) is reported in the
 * body but keeps 200: the process still answers every call (with the recorded apology and a transfer or hang-up),
 * and every instance shares the same upstream, so taking this one out of rotation would help nobody.
 */
import type { DependencyStatus } from '../call/upstream-health'
import { Elysia } from 'elysia'
import type { Lifecycle } from '../ops/lifecycle'
import type { MetricsRegistry } from '../ops/metrics'

export const healthRoutes = (deps: { lifecycle: Lifecycle; registry: MetricsRegistry; liveCalls: () => number; upstream?: () => DependencyStatus }) =>
  new Elysia({ name: 'health' })
    .get('/healthz', () => ({ status: 'ok' }))
    .get('/readyz', ({ set }) => {
      const phase = deps.lifecycle.phase
      set.status = phase === 'ready' ? 200 : 503
      if (deps.upstream === undefined) return { status: phase, calls: deps.liveCalls() }
      const realtime = deps.upstream()
      const degraded = phase === 'ready' && realtime.status === 'degraded'
      return { status: degraded ? 'degraded' : phase, calls: deps.liveCalls(), dependencies: { realtime } }
    })
    .get('/metrics', ({ set }) => {
      set.headers['content-type'] = 'text/plain; version=0.0.4; charset=utf-8'
      return deps.registry.render()
    })
