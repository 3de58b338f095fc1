import { expect, test } from 'bun:test'
import { loadConfig } from '../config/load'
import { Lifecycle } from '../ops/lifecycle'
import { memoryLogger } from '../ops/log'
import { MetricsRegistry } from '../ops/metrics'
import { buildApp } from './app'

test('buildApp does not listen; /healthz always 200, /readyz 503 while starting or draining, /metrics renders the registry', async () => {
  const r = loadConfig({})
  if (!r.ok) throw new Error('config')
  const lifecycle = new Lifecycle()
  const registry = new MetricsRegistry()
  registry.counter('fastagent_test_total', 'a test counter').inc()
  const app = buildApp({ config: r.config, log: memoryLogger().log, registry, lifecycle, liveCalls: () => 3 })
  expect(app.server).toBeNull()
  const get = (path: string) => app.handle(new Request(`http://local${path}`))
  expect((await get('/healthz')).status).toBe(200)
  const starting = await get('/readyz')
  expect(starting.status).toBe(503)
  expect(await starting.json()).toEqual({ status: 'starting', calls: 3 })
  lifecycle.markReady()
  expect((await get('/readyz')).status).toBe(200)
  lifecycle.startDraining()
  expect((await get('/readyz')).status).toBe(503)
  const metrics = await get('/metrics')
  expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4')
  expect(await metrics.text()).toContain('fastagent_test_total 1')
})
