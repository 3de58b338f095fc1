import { expect, test } from 'bun:test'
import { MetricsRegistry } from './metrics'

test('renders counters, gauges and histograms in Prometheus text format', () => {
  const r = new MetricsRegistry()
  const c = r.counter('fa_things_total', 'things', ['reason'])
  c.inc({ reason: 'bad "json"' })
  c.inc({ reason: 'bad "json"' })
  r.gauge('fa_live', 'live', [], () => 3)
  const h = r.histogram('fa_lat_ms', 'latency', [1, 5])
  h.observe(0.5)
  h.observe(3)
  const text = r.render()
  expect(text).toContain('# TYPE fa_things_total counter')
  expect(text).toContain('fa_things_total{reason="bad \\"json\\""} 2')
  expect(text).toContain('fa_live 3')
  expect(text).toContain('fa_lat_ms_bucket{le="1"} 1')
  expect(text).toContain('fa_lat_ms_bucket{le="5"} 2')
  expect(text).toContain('fa_lat_ms_count 2')
  expect(() => r.counter('fa_live', 'dup')).toThrow()
})
