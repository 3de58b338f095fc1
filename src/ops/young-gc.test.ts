import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { YoungGcPacer } from './young-gc'

/** A pacer whose effects are recorded: `flush()` runs what it deferred, as the event loop would after a batch. */
function rig(budget: number) {
  const deferred: (() => void)[] = []
  let collected = 0
  const pacer = new YoungGcPacer(budget, { collect: () => void collected++, defer: (run) => void deferred.push(run) })
  return {
    pacer,
    deferred,
    collected: () => collected,
    flush() {
      for (const run of deferred.splice(0)) run()
    },
  }
}

describe('YoungGcPacer', () => {
  test('collects once the budget has passed, after the batch, not inside the frame', () => {
    const r = rig(1000)
    r.pacer.note(400)
    r.pacer.note(599)
    expect(r.deferred).toHaveLength(0)
    r.pacer.note(1)
    // Deferred, not run: the frame that crossed the budget is still being handled.
    expect(r.deferred).toHaveLength(1)
    expect(r.collected()).toBe(0)
    r.flush()
    expect(r.collected()).toBe(1)
  })

  test('one collection per crossing however many frames arrive before it runs', () => {
    const r = rig(100)
    for (let i = 0; i < 50; i++) r.pacer.note(100)
    expect(r.deferred).toHaveLength(1)
    r.flush()
    expect(r.collected()).toBe(1)
    // The count starts again from the collection: what arrived before it was collected with it.
    r.pacer.note(99)
    expect(r.deferred).toHaveLength(0)
    r.pacer.note(1)
    r.flush()
    expect(r.collected()).toBe(2)
  })

  test('an idle relay collects nothing', () => {
    const r = rig(1)
    r.flush()
    expect(r.collected()).toBe(0)
  })

  test('refuses a budget that is not positive', () => {
    expect(() => rig(0)).toThrow(RangeError)
    expect(() => rig(Number.NaN)).toThrow(RangeError)
  })

  test('property: collections follow the traffic — one per budget passed, never more, never a backlog', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.array(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 40 }), { maxLength: 40 }), (budget, batches) => {
        const r = rig(budget)
        let since = 0
        let expected = 0
        for (const batch of batches) {
          for (const chars of batch) since += chars
          r.pacer.note(0)
          for (const chars of batch) r.pacer.note(chars)
          // At most one collection waits at any time.
          expect(r.deferred.length).toBeLessThanOrEqual(1)
          if (since >= budget) {
            expected++
            since = 0
          }
          r.flush()
          expect(r.collected()).toBe(expected)
        }
      }),
    )
  })
})
