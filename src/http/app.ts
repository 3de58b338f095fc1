/**
 * @module http/app
 * `buildApp(deps)`: the Elysia application with every route, not listening. `serve`, the demo and tests start it with
 * `listen()` (port 0 in tests) and inject their own dependencies.
 */
import { Elysia, type AnyElysia } from 'elysia'
import type { Config } from '../config/schema'
import type { Logger } from '../ops/log'
import type { Lifecycle } from '../ops/lifecycle'
import type { MetricsRegistry } from '../ops/metrics'
import { healthRoutes } from './health'
import type { DependencyStatus } from '../call/upstream-health'
import type { StoreHealthStatus } from '../store/store-health'

export type AppDeps = {
  readonly config: Config
  readonly log: Logger
  readonly registry: MetricsRegistry
  readonly lifecycle: Lifecycle
  readonly liveCalls: () => number
  /** The Realtime API's state, reported by `/readyz`. */
  readonly upstream?: () => DependencyStatus
  /** Whether this instance's writes get through (`/readyz` is 503 while they do not). */
  readonly database?: () => StoreHealthStatus
  /** Further route plugins (phone leg, webhooks), mounted in order. */
  readonly plugins?: readonly AnyElysia[]
}

export function buildApp(deps: AppDeps) {
  const app = new Elysia({
    // Every route's handler and validators are generated when the server starts, not on the route's first request
    // (Elysia's default): the first caller's upgrade does not wait for it (ops/warm-up has the rest of the first call).
    precompile: true,
    // Nothing we accept over HTTP is large (webhook forms, probes); Bun answers 413 beyond this without reading it.
    serve: { maxRequestBodySize: 1024 * 1024 },
    websocket: {
      // Audio frames are small and already compressed enough; deflate would only add CPU and latency.
      perMessageDeflate: false,
      maxPayloadLength: deps.config.MAX_FRAME_BYTES,
      idleTimeout: 120,
      sendPings: true,
      // A VAIC socket this far behind is not being read; beyond it Bun drops (and we count, in the phone leg).
      backpressureLimit: 1024 * 1024,
      closeOnBackpressureLimit: false,
    },
  }).use(healthRoutes({ lifecycle: deps.lifecycle, registry: deps.registry, liveCalls: deps.liveCalls, ...(deps.upstream ? { upstream: deps.upstream } : {}), ...(deps.database ? { database: deps.database } : {}) }))
  for (const plugin of deps.plugins ?? []) app.use(plugin)
  return app
}

export type App = ReturnType<typeof buildApp>
