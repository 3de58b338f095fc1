import { describe, expect, test } from 'bun:test'
import { SweepGate } from './sweep-gate'

describe('SweepGate: peers are judged only by an instance that renewed for a whole lease', () => {
  test('from a start: not before one lease of good beats, then yes', () => {
    const g = new SweepGate(2000)
    g.renewed(0)
    expect(g.mayJudge(0)).toBe(false)
    g.renewed(1000)
    expect(g.mayJudge(1000)).toBe(false)
    g.renewed(2000)
    expect(g.mayJudge(2000)).toBe(true)
  })

  test('a failed beat (the database away) starts the wait again from the next good beat', () => {
    const g = new SweepGate(2000)
    for (const at of [0, 1000, 2000]) g.renewed(at)
    expect(g.mayJudge(2000)).toBe(true)
    g.failed()
    expect(g.mayJudge(3000)).toBe(false)
    // Back after 5 s: every lease ran out meanwhile, ours too; peers renew within the next lease.
    g.renewed(8000)
    expect(g.mayJudge(8000)).toBe(false)
    g.renewed(9000)
    expect(g.mayJudge(9000)).toBe(false)
    g.renewed(10_000)
    expect(g.mayJudge(10_000)).toBe(true)
  })

  test('a gap between good beats longer than the lease (a stall) counts as an outage', () => {
    const g = new SweepGate(2000)
    for (const at of [0, 1000, 2000]) g.renewed(at)
    g.renewed(4500)
    expect(g.mayJudge(4500)).toBe(false)
    g.renewed(5500)
    g.renewed(6500)
    expect(g.mayJudge(6500)).toBe(true)
  })

  test('beats within the lease keep it judging', () => {
    const g = new SweepGate(2000)
    for (let at = 0; at <= 20_000; at += 1900) g.renewed(at)
    expect(g.mayJudge(19_000)).toBe(true)
  })
})
