import { describe, expect, test } from 'bun:test'
import { PlayoutTracker } from './playout'

describe('PlayoutTracker', () => {
  test('heard = time since first chunk minus the playout delay, capped by what was sent', () => {
    const p = new PlayoutTracker(200, 48) // PCM16 24 kHz: 48 bytes per ms
    p.sent('a', 48 * 100, 1000) // 100 ms at t = 1000
    expect(p.sentMs('a')).toBe(100)
    expect(p.heardMs('a', 1000)).toBe(0)
    expect(p.heardMs('a', 1199)).toBe(0)
    expect(p.heardMs('a', 1250)).toBe(50)
    expect(p.heardMs('a', 1250.9)).toBe(50) // whole ms, rounded down
    expect(p.heardMs('a', 5000)).toBe(100) // cannot have heard more than was sent
    p.sent('a', 48 * 400, 1050)
    expect(p.sentMs('a')).toBe(500)
    expect(p.heardMs('a', 1500)).toBe(300)
    expect(p.heardMs('a', 9000)).toBe(500)
    expect(p.startsAt('a')).toBe(1200)
  })
  test('audio slower than real time underruns: playback waits for it, heard counts only what was played', () => {
    const p = new PlayoutTracker(20)
    p.sent('a', 500, 0) // plays 20 … 520
    expect(p.heardMs('a', 700)).toBe(500) // all of it heard; the phone waits
    p.sent('a', 500, 700) // arrives at 720: the phone waited 200 ms, plays on 720 … 1220
    expect(p.startsAt('a')).toBe(220)
    expect(p.heardMs('a', 720)).toBe(500)
    expect(p.heardMs('a', 1000)).toBe(780)
    expect(p.heardMs('a', 2000)).toBe(1000)
    p.sent('a', 100, 900) // in time (1220 is still ahead): no wait
    expect(p.heardMs('a', 1000)).toBe(780)
    p.interrupt(1000)
    expect(p.heardMs('a', 5000)).toBe(780)
    p.sent('b', 100, 1000) // the next item after a barge-in starts as soon as it arrives
    expect(p.startsAt('b')).toBe(1020)
  })
  test('an item sent while the previous one still plays starts when it ends', () => {
    const p = new PlayoutTracker(100)
    p.sent('a', 1000, 0) // plays 100 … 1100
    p.sent('b', 500, 300) // sent early: queued behind a, plays 1100 … 1600
    expect(p.startsAt('b')).toBe(1100)
    expect(p.heardMs('a', 1000)).toBe(900)
    expect(p.heardMs('b', 1000)).toBe(0)
    expect(p.heardMs('b', 1350)).toBe(250)
    expect(p.heardMs('b', 2000)).toBe(500)
    p.sent('c', 100, 3000) // after a gap: starts after its own delay
    expect(p.startsAt('c')).toBe(3100)
    expect(p.heardMs('c', 3150)).toBe(50)
  })
  test('the cursor survives forgetting the item that set it', () => {
    const p = new PlayoutTracker(0)
    p.sent('a', 1000, 0)
    p.forget('a')
    expect(p.sentMs('a')).toBe(0)
    expect(p.heardMs('a', 500)).toBe(0)
    p.sent('b', 100, 200)
    expect(p.startsAt('b')).toBe(1000)
  })
  test('interrupt freezes what was heard and resets the cursor', () => {
    const p = new PlayoutTracker(100)
    p.sent('a', 1000, 0)
    p.sent('b', 1000, 10) // queued: would start at 1100
    p.interrupt(600) // caller barged in; playback cleared
    expect(p.heardMs('a', 600)).toBe(500)
    expect(p.heardMs('a', 5000)).toBe(500)
    expect(p.sentMs('a')).toBe(500)
    expect(p.heardMs('b', 5000)).toBe(0)
    p.sent('a', 1000, 700) // stragglers of the cut item are ignored
    expect(p.sentMs('a')).toBe(500)
    p.sent('c', 300, 700)
    expect(p.startsAt('c')).toBe(800)
    expect(p.heardMs('unknown', 1000)).toBe(0)
  })
})
