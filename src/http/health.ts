/**
 * @module http/health
 * Liveness, readiness and metrics routes. `/readyz` is 503 while starting or draining, so a load balancer stops
 * sending calls before the process stops taking them.
 */
import { Elysia } from 'elysia'
import type { Lifecycle } from '../ops/lifecycle'
import type { MetricsRegistry } from '../ops/metrics'

export const healthRoutes = (deps: { lifecycle: Lifecycle; registry: MetricsRegistry; liveCalls: () => number }) =>
  new Elysia({ name: 'health' })
    .get('/healthz', () => ({ status: 'ok' }))
    .get('/readyz', ({ set }) => {
      const phase = deps.lifecycle.phase
      set.status = phase === 'ready' ? 200 : 503
      return { status: phase, calls: deps.liveCalls() }
    })
    .get('/metrics', ({ set }) => {
      set.headers['content-type'] = 'text/plain; version=0.0.4; charset=utf-8'
      return deps.registry.render()
    })
