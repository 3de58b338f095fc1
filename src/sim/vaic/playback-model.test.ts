import { describe, expect, test } from 'bun:test'
import { PlaybackModel } from './playback-model'

describe('PlaybackModel', () => {
  test('heard time grows at 1x from the first chunk and is capped by the audio received', () => {
    const m = new PlaybackModel(0)
    m.open('1', 100)
    expect(m.heardMs('1', 500)).toBe(0) // no audio yet: nothing plays
    m.audio('1', 300, 1000)
    expect(m.heardMs('1', 1100)).toBe(100)
    expect(m.heardMs('1', 1250)).toBe(250)
    expect(m.heardMs('1', 5000)).toBe(300) // capped: only 300 ms arrived
    expect(m.playing(5000)).toBe(true) // still open: the prompt is in progress
  })

  test('a stream that runs dry stalls, then continues from where it was', () => {
    const m = new PlaybackModel(0)
    m.open('1', 0)
    m.audio('1', 100, 0)
    m.audio('1', 100, 500) // 400 ms gap of silence on the line
    expect(m.heardMs('1', 550)).toBe(150)
    m.stop('1', 550)
    expect(m.nextFinishAt()).toBe(600)
    expect(m.takeFinished()).toEqual([])
    m.advance(700)
    expect(m.takeFinished()).toEqual([{ id: '1', at: 600, heardMs: 200, cut: undefined }])
    expect(m.idle(700)).toBe(true)
  })

  test('streams play back to back', () => {
    const m = new PlaybackModel(0)
    m.open('a', 0)
    m.audio('a', 1000, 0)
    m.stop('a', 10)
    m.open('b', 20)
    m.audio('b', 500, 30) // queued behind a
    expect(m.heardMs('b', 900)).toBe(0)
    expect(m.heardMs('b', 1200)).toBe(200)
    m.stop('b', 1200)
    m.advance(2000)
    expect(m.takeFinished()).toEqual([
      { id: 'a', at: 1000, heardMs: 1000, cut: undefined },
      { id: 'b', at: 1500, heardMs: 500, cut: undefined },
    ])
  })

  test('barge-in discards the unheard audio and records what was heard', () => {
    const m = new PlaybackModel(0)
    m.open('1', 0)
    m.audio('1', 2000, 0)
    expect(m.playing(300)).toBe(true)
    expect(m.cut('barge-in', 700)).toEqual([{ id: '1', heardMs: 700 }])
    expect(m.playing(800)).toBe(false)
    m.audio('1', 500, 900) // late audio for the cut stream is counted, never heard
    expect(m.receivedMs('1')).toBe(2500)
    expect(m.heardMs('1', 3000)).toBe(700)
    m.stop('1', 3000)
    expect(m.takeFinished()).toEqual([{ id: '1', at: 3000, heardMs: 700, cut: 'barge-in' }])
    expect(m.cutOf('1')).toEqual({ reason: 'barge-in', at: 700 })
  })

  test('a cut with nothing playing cuts nothing', () => {
    const m = new PlaybackModel(0)
    m.open('1', 0)
    m.audio('1', 100, 0)
    m.stop('1', 0)
    expect(m.cut('barge-in', 500)).toEqual([])
    expect(m.takeFinished()).toEqual([{ id: '1', at: 100, heardMs: 100, cut: undefined }])
  })

  test('an empty stream finishes when stopped', () => {
    const m = new PlaybackModel(0)
    m.open('1', 0)
    m.stop('1', 50)
    expect(m.takeFinished()).toEqual([{ id: '1', at: 50, heardMs: 0, cut: undefined }])
  })
})
