import { describe, expect, test } from 'bun:test'
import { coalesced, jsonArrayInSlices, SLICE } from './sliced-json'

describe('console JSON built in slices', () => {
  test('the same text as JSON.stringify, for empty, short and long lists', async () => {
    for (const n of [0, 1, SLICE - 1, SLICE, SLICE + 1, 5 * SLICE + 3]) {
      const items = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, text: `"quoted" ${i}\n`, n: i }))
      expect(await jsonArrayInSlices(items, (x) => ({ ...x, twice: x.n * 2 }))).toBe(JSON.stringify(items.map((x) => ({ ...x, twice: x.n * 2 }))))
    }
  })

  test('the event loop runs between slices: work due meanwhile does not wait for the whole list', async () => {
    const order: string[] = []
    const items = Array.from({ length: 4 * SLICE }, (_, i) => i)
    const built = jsonArrayInSlices(items, (i) => {
      if (i % SLICE === 0) order.push(`slice ${i / SLICE}`)
      return i
    })
    // Something due on the loop (a socket's data, a timer) while the list is being built.
    setImmediate(() => order.push('other work'))
    await built
    expect(order.indexOf('other work')).toBeGreaterThan(0)
    expect(order.indexOf('other work')).toBeLessThan(order.length - 1)
  })

  test('requests during a build share it; the next one after it builds afresh (nothing kept)', async () => {
    let builds = 0
    const list = coalesced(async () => {
      builds++
      await new Promise((r) => setImmediate(r))
      return `build ${builds}`
    })
    const [a, b, c] = await Promise.all([list(), list(), list()])
    expect([a, b, c, builds]).toEqual(['build 1', 'build 1', 'build 1', 1])
    expect(await list()).toBe('build 2')
    // A failed build fails its waiters, and the next request tries again.
    let fail = true
    const flaky = coalesced(async () => {
      if (fail) throw new Error('store down')
      return 'ok'
    })
    await expect(flaky()).rejects.toThrow('store down')
    fail = false
    expect(await flaky()).toBe('ok')
  })
})
