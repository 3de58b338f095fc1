import { expect, test } from 'bun:test'
import { LoopLagMonitor } from './loop-lag'

test('overloaded when the median tick over the window is late, not on a spike', () => {
  const m = new LoopLagMonitor(40, 20, 2000)
  expect(m.p99).toBe(0)
  for (let i = 0; i < 100; i++) m.record(2)
  expect(m.overloaded).toBe(false)
  // A burst (a GC pause, start-up work) shows in the p99 but is not saturation.
  for (let i = 0; i < 5; i++) m.record(120)
  expect(m.p99).toBe(120)
  expect(m.overloaded).toBe(false)
  // Saturation: most ticks late.
  for (let i = 0; i < 60; i++) m.record(80)
  expect(m.p50).toBe(80)
  expect(m.overloaded).toBe(true)
  // The window forgets: 100 calm samples later it has recovered.
  for (let i = 0; i < 100; i++) m.record(1)
  expect(m.overloaded).toBe(false)
})

test('a half-empty window (just started) is never overloaded', () => {
  const m = new LoopLagMonitor(40, 20, 2000)
  for (let i = 0; i < 40; i++) m.record(500)
  expect(m.overloaded).toBe(false)
})

test('a blocked event loop shows up as lag', async () => {
  const m = new LoopLagMonitor(40, 10, 1000)
  m.start()
  await Bun.sleep(50)
  const until = performance.now() + 150
  while (performance.now() < until) {
    // busy: the timer cannot fire
  }
  await Bun.sleep(30)
  m.stop()
  expect(m.p99).toBeGreaterThan(100)
})
