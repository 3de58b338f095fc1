import { expect, test } from 'bun:test'
import { Pacer } from './pacer'

test('ticks are due on absolute deadlines, so a late wake-up does not shift later ticks', async () => {
  let now = 0
  const sleeps: number[] = []
  // A fake clock whose every sleep wakes 3 ms late.
  const sleep = async (ms: number) => {
    sleeps.push(ms)
    now += ms + 3
  }
  const p = new Pacer(20, () => now, 250, sleep)
  for (let i = 0; i < 5; i++) await p.tick()
  // Each wait is shortened by the previous lateness: deadlines stay at 0, 20, 40, 60, 80.
  expect(sleeps).toEqual([20, 17, 17, 17])
  expect(now).toBe(80 + 3)
})

test('after a long stall the schedule re-anchors instead of bursting', async () => {
  let now = 0
  const sleeps: number[] = []
  const p = new Pacer(20, () => now, 100, async (ms) => {
    sleeps.push(ms)
    now += ms
  })
  await p.tick() // due at 0
  now = 1000 // stalled for a second
  await p.tick() // re-anchored: due now, no wait
  await p.tick() // next one 20 ms later
  expect(sleeps).toEqual([20])
})
