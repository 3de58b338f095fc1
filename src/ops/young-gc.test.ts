import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { YoungGcPacer } from './young-gc'

/**
 * A pacer whose effects are recorded: a clock moved by hand, collections that take `gcMs` of it, `flush()` runs
 * what was deferred (the event loop after a batch), `advance()` runs timers that came due.
 */
function rig(budget: number, share = 1, gcMs = 0) {
  let t = 0
  const deferred: (() => void)[] = []
  const timers: { at: number; run: () => void }[] = []
  const starts: number[] = []
  const pacer = new YoungGcPacer(budget, share, {
    now: () => t,
    collect: () => {
      starts.push(t)
      t += gcMs
    },
    defer: (run) => void deferred.push(run),
    later: (run, ms) => void timers.push({ at: t + ms, run }),
  })
  return {
    pacer,
    deferred,
    timers,
    starts,
    collected: () => starts.length,
    flush() {
      for (const run of deferred.splice(0)) run()
    },
    advance(ms: number) {
      t += ms
      for (const due of timers.filter((x) => x.at <= t)) {
        timers.splice(timers.indexOf(due), 1)
        due.run()
      }
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
    r.advance(60_000)
    expect(r.collected()).toBe(0)
  })

  test('collections take at most their share of the time: after one of 2 ms at 5 %, the next waits 40 ms from its start', () => {
    const r = rig(100, 0.05, 2)
    r.pacer.note(100)
    r.flush()
    expect(r.starts).toEqual([0])
    // The budget passes again at once (t = 2): the run is timed for t = 40, not deferred, not per frame.
    r.pacer.note(100)
    r.pacer.note(100)
    expect(r.deferred).toHaveLength(0)
    expect(r.timers.map((x) => x.at)).toEqual([40])
    r.advance(37)
    expect(r.collected()).toBe(1)
    r.advance(1)
    expect(r.starts).toEqual([0, 40])
    // Traffic that comes after the gap has passed is collected after its batch as usual.
    r.advance(100)
    r.pacer.note(100)
    expect(r.deferred).toHaveLength(1)
  })

  test('refuses a budget or a share out of range', () => {
    expect(() => rig(0)).toThrow(RangeError)
    expect(() => rig(Number.NaN)).toThrow(RangeError)
    expect(() => rig(1, 0)).toThrow(RangeError)
    expect(() => rig(1, 1.5)).toThrow(RangeError)
  })

  test('property: one collection per budget passed, at most one waiting, and never more than the share of the time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom(0.02, 0.1, 0.5, 1),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.record({ chars: fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 30 }), gapMs: fc.integer({ min: 0, max: 200 }) }), { maxLength: 40 }),
        (budget, share, gcMs, batches) => {
          const r = rig(budget, share, gcMs)
          let noted = 0
          for (const batch of batches) {
            for (const chars of batch.chars) {
              r.pacer.note(chars)
              noted += chars
            }
            expect(r.deferred.length + r.timers.length).toBeLessThanOrEqual(1)
            r.flush()
            r.advance(batch.gapMs)
          }
          // Never more collections than budgets passed.
          expect(r.collected()).toBeLessThanOrEqual(Math.floor(noted / budget))
          // Each collection began at least gcMs ÷ share after the one before.
          for (let i = 1; i < r.starts.length; i++) expect(r.starts[i]! - r.starts[i - 1]!).toBeGreaterThanOrEqual(gcMs / share - 1e-9)
        },
      ),
    )
  })
})
