/**
 * @module http/health
 * Liveness, readiness and metrics routes. `/readyz` is 503 while starting or draining, so a load balancer stops
 * sending calls before the process stops taking them. A degraded dependency (the Realtime API) is reported in the
 * body but keeps 200: the process still answers every call (with the recorded apology and a transfer or hang-up),
 * and every instance shares the same upstream, so taking this one out of rotation would help nobody.
 * The database is different: while this instance's writes cannot get through (see store/store-health), `/readyz` is
 * 503 — calls already up keep talking and their steps are retried in order; new calls are better sent elsewhere.
 */
import type { DependencyStatus } from '../call/upstream-health'
import { Elysia } from 'elysia'
import type { Lifecycle } from '../ops/lifecycle'
import type { MetricsRegistry } from '../ops/metrics'
import type { StoreHealthStatus } from '../store/store-health'

export const healthRoutes = (deps: { lifecycle: Lifecycle; registry: MetricsRegistry; liveCalls: () => number; upstream?: () => DependencyStatus; database?: () => StoreHealthStatus }) =>
  new Elysia({ name: 'health' })
    .get('/healthz', () => ({ status: 'ok' }))
    .get('/readyz', ({ set }) => {
      const phase = deps.lifecycle.phase
      const database = deps.database?.()
      const dbDown = database?.status === 'unavailable'
      set.status = phase === 'ready' && !dbDown ? 200 : 503
      const status = phase === 'ready' && dbDown ? 'database-unavailable' : phase
      if (deps.upstream === undefined && database === undefined) return { status, calls: deps.liveCalls() }
      const realtime = deps.upstream?.()
      const degraded = status === 'ready' && realtime?.status === 'degraded'
      return { status: degraded ? 'degraded' : status, calls: deps.liveCalls(), dependencies: { ...(realtime ? { realtime } : {}), ...(database ? { database } : {}) } }
    })
    .get('/metrics', ({ set }) => {
      set.headers['content-type'] = 'text/plain; version=0.0.4; charset=utf-8'
      return deps.registry.render()
    })
