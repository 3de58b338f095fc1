import { expect, test } from 'bun:test'
import { loadConfig } from '../config/load'
import { Lifecycle } from '../ops/lifecycle'
import { memoryLogger } from '../ops/log'
import { MetricsRegistry } from '../ops/metrics'
import { buildApp } from './app'
import { StoreHealth } from '../store/store-health'

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

test('/readyz is 503 while the database is unavailable (writes waiting), 200 again once they get through', async () => {
  const r = loadConfig({})
  if (!r.ok) throw new Error('config')
  const lifecycle = new Lifecycle()
  const health = new StoreHealth(() => 5000)
  const app = buildApp({ config: r.config, log: memoryLogger().log, registry: new MetricsRegistry(), lifecycle, liveCalls: () => 1, database: () => health.status() })
  const get = async () => {
    const res = await app.handle(new Request('http://local/readyz'))
    return { status: res.status, body: (await res.json()) as unknown }
  }
  lifecycle.markReady()
  expect(await get()).toEqual({ status: 200, body: { status: 'ready', calls: 1, dependencies: { database: { status: 'ok', failing: 0 } } } })
  const writer = {}
  health.report(writer, false)
  expect(await get()).toEqual({ status: 503, body: { status: 'database-unavailable', calls: 1, dependencies: { database: { status: 'unavailable', failing: 1, sinceMs: 0 } } } })
  health.report(writer, true)
  expect((await get()).status).toBe(200)
  lifecycle.startDraining()
  health.report(writer, false)
  expect((await get()).body).toMatchObject({ status: 'draining' })
})
