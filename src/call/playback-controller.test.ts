import { describe, expect, test } from 'bun:test'
import { memoryLogger } from '../ops/log'
import { MetricsRegistry } from '../ops/metrics'
import { PhoneLeg, type PhoneLegHandler, type PhoneSocket } from '../telephony/audiocodes/phone-leg'
import { telephonyMetrics } from '../telephony/audiocodes/metrics'
import { PlaybackController, TAIL_TOLERANCE_MS } from './playback-controller'

/** PCM16 at 24 kHz, 48 bytes per ms (a multiple of 3, so base64 has no padding): `ms(100)` is 100 ms. */
const ms = (n: number) => Buffer.alloc(n * 48, 0).toString('base64')
const DELAY = 200

const quiet: PhoneLegHandler = {
  accepted() {},
  start() {},
  audio() {},
  userStream() {},
  dtmf() {},
  noUserInput() {},
  playFinished() {},
  transferStatus() {},
  activity() {},
  connectionLost() {},
  resumed() {},
  ended() {},
}

type Sent = { type: string; streamId?: string; audioChunk?: string }

/** The real phone leg on a socket whose backlog the test sets (over 512 KiB the leg sheds downlink audio). */
function rig(converter?: { convert(b64: string): string; reset(): void }) {
  let now = 1000
  let backlog = 0
  const sent: Sent[] = []
  const socket: PhoneSocket = {
    send: (text) => (sent.push(JSON.parse(text) as Sent), text.length),
    close() {},
    bufferedAmount: () => backlog,
  }
  const registry = new MetricsRegistry()
  const leg = new PhoneLeg({ conversationId: 'c', mediaFormat: 'raw/lpcm16_24', graceMs: 60_000, log: memoryLogger().log, metrics: telephonyMetrics(registry, () => 0) })
  leg.bind(quiet)
  leg.attach(socket)
  const model: string[] = []
  const p = new PlaybackController({
    leg,
    model: { truncate: (id, at) => model.push(`truncate ${id} ${at}`), deleteItem: (id) => model.push(`delete ${id}`) },
    format: 'raw/lpcm16_24',
    converter,
    playoutDelayMs: DELAY,
    bytesPerMs: 48,
    now: () => now,
  })
  return {
    p,
    detach: () => leg.socketClosed(socket),
    end: () => leg.terminate('test over'),
    sent,
    model,
    registry,
    at: (t: number) => (now = t),
    overload: (on: boolean) => (backlog = on ? 10 * 1024 * 1024 : 0),
    types: () => sent.map((m) => `${m.type}:${m.streamId ?? ''}`),
  }
}

describe('PlaybackController: streams', () => {
  test('one play stream per output item; a new item closes the previous stream; audio done closes it', () => {
    const r = rig()
    r.p.delta('resp1', 'item1', ms(20))
    r.p.delta('resp1', 'item1', ms(20))
    r.p.delta('resp1', 'item2', ms(20))
    r.p.itemDone('item2')
    r.p.itemDone('item2') // once only
    expect(r.types()).toEqual([
      'playStream.start:1',
      'playStream.chunk:1',
      'playStream.chunk:1',
      'playStream.stop:1',
      'playStream.start:2',
      'playStream.chunk:2',
      'playStream.stop:2',
    ])
    expect(r.p.sentMs('item1')).toBe(40)
  })

  test('the converter is reset at each stream and converts every chunk', () => {
    const calls: string[] = []
    const r = rig({ convert: (b64) => (calls.push('convert'), `X${b64}`), reset: () => calls.push('reset') })
    r.p.delta('a', 'i1', ms(10))
    r.p.delta('a', 'i1', ms(10))
    r.p.delta('b', 'i2', ms(10))
    expect(calls).toEqual(['reset', 'convert', 'convert', 'reset', 'convert'])
    expect(r.sent.filter((m) => m.type === 'playStream.chunk').every((m) => m.audioChunk?.startsWith('X'))).toBe(true)
  })

  test('tail: the last stream and how long it still plays; finished forgets the item', () => {
    const r = rig()
    expect(r.p.tail()).toEqual({ streamId: undefined, remainingMs: 0 })
    r.p.delta('a', 'i1', ms(500)) // plays 1200 … 1700
    r.p.itemDone('i1')
    r.at(1300)
    expect(r.p.tail()).toEqual({ streamId: '1', remainingMs: 400 })
    r.p.finished('1')
    expect(r.p.sentMs('i1')).toBe(0)
    r.p.finished(undefined)
    r.p.finished('nope')
  })
})

describe('PlaybackController: played-time estimate and barge-in', () => {
  test('audible while a stream is open, then until the estimate says it played (minus the tail tolerance)', () => {
    const r = rig()
    expect(r.p.audible()).toBe(false)
    r.p.delta('a', 'i1', ms(1000)) // plays 1200 … 2200
    expect(r.p.audible()).toBe(true)
    r.p.itemDone('i1')
    r.at(2000)
    expect(r.p.audible()).toBe(true)
    r.at(2200 - TAIL_TOLERANCE_MS)
    expect(r.p.audible()).toBe(false)
  })

  test('a barge-in truncates at what was heard, stops the stream and drops the late deltas of that response', () => {
    const r = rig()
    r.p.delta('a', 'i1', ms(1000)) // plays 1200 … 2200
    r.at(1500)
    expect(r.p.interrupt()).toEqual([{ itemId: 'i1', heardMs: 300, sentMs: 1000 }])
    expect(r.model).toEqual(['truncate i1 300'])
    expect(r.types().at(-1)).toBe('playStream.stop:1')
    const before = r.sent.length
    r.p.delta('a', 'i1', ms(100)) // a late delta of the cut response
    expect(r.sent.length).toBe(before)
    expect(r.p.audible()).toBe(false)
    // the next response plays at once, in a new stream
    r.p.delta('b', 'i2', ms(100))
    expect(r.types().slice(-2)).toEqual(['playStream.start:2', 'playStream.chunk:2'])
    // the cut response's id is forgotten once it is done
    r.p.responseDone('a')
  })

  test('an item nobody heard yet is deleted, not truncated at 0 ms; nothing sent means nothing to cut', () => {
    const r = rig()
    expect(r.p.interrupt()).toEqual([])
    r.p.delta('a', 'i1', ms(100))
    r.at(1100) // still inside the playout delay
    expect(r.p.interrupt()).toEqual([{ itemId: 'i1', heardMs: 0, sentMs: 100 }])
    expect(r.model).toEqual(['delete i1'])
  })

  test('an item still streaming whose audio so far was all heard (the model trails playback) is cut there', () => {
    const r = rig()
    r.p.delta('a', 'i1', ms(300)) // plays 1200 … 1500; more of it is still to come
    r.at(2000)
    expect(r.p.interrupt()).toEqual([{ itemId: 'i1', heardMs: 300, sentMs: 300 }])
    expect(r.model).toEqual(['truncate i1 300'])
  })

  test('an item that fully played is not cut', () => {
    const r = rig()
    r.p.delta('a', 'i1', ms(100))
    r.p.itemDone('i1')
    r.at(5000)
    expect(r.p.interrupt()).toEqual([])
    expect(r.model).toEqual([])
  })

  test('the transcript keeps the part the caller heard, marked as cut', () => {
    const r = rig()
    r.p.delta('a', 'i1', ms(1000))
    r.at(1700) // half heard
    r.p.interrupt()
    expect(r.p.heardTranscript('i1', 'Your appointment is booked for ten')).toEqual({ text: 'Your appointment…', interrupted: true })
    expect(r.p.heardTranscript('i2', 'Hello there')).toEqual({ text: 'Hello there', interrupted: false })
    expect(r.p.heardTranscript('i3', '   ')).toBeUndefined()
  })

  test('discardCurrent drops the rest of the response playing (a cancelled re-prompt)', () => {
    const r = rig()
    r.p.delta('a', 'i1', ms(20))
    r.p.discardCurrent()
    const before = r.sent.length
    r.p.delta('a', 'i1', ms(20))
    expect(r.sent.length).toBe(before)
  })
})

describe('PlaybackController: overload', () => {
  test('audio shed on the downlink is not counted as played, so the truncation point stays right', () => {
    const r = rig()
    r.p.delta('a', 'i1', ms(200)) // plays 1200 … 1400
    r.overload(true)
    for (let i = 0; i < 10; i++) r.p.delta('a', 'i1', ms(100)) // 1 s shed: never reaches the caller
    expect(r.registry.counterTotal('fastagent_downlink_frames_shed_total')).toBe(10)
    r.overload(false)
    r.p.delta('a', 'i1', ms(200)) // plays 1400 … 1600
    expect(r.p.sentMs('i1')).toBe(400)
    r.at(1900)
    // Counting the shed second would say 700 ms heard of 1400; the caller heard all 400 ms that were sent. The item is
    // still streaming, so it is cut there (the rest will never play).
    expect(r.p.interrupt()).toEqual([{ itemId: 'i1', heardMs: 400, sentMs: 400 }])
    expect(r.model).toEqual(['truncate i1 400'])
    expect(r.p.audible()).toBe(false)
  })

  test('shed during the barge-in window: truncation at what was actually played', () => {
    const r = rig()
    r.p.delta('a', 'i1', ms(300)) // plays 1200 … 1500
    r.overload(true)
    r.p.delta('a', 'i1', ms(700))
    r.overload(false)
    r.at(1800)
    // Shed audio is not counted: 300 ms sent, 300 heard; still streaming, so cut there.
    expect(r.p.interrupt()).toEqual([{ itemId: 'i1', heardMs: 300, sentMs: 300 }])
    r.p.delta('b', 'i2', ms(500)) // plays 2000 … 2500
    r.overload(true)
    r.p.delta('b', 'i2', ms(500))
    r.at(2300)
    expect(r.p.interrupt()).toEqual([{ itemId: 'i2', heardMs: 300, sentMs: 500 }])
    expect(r.model).toEqual(['truncate i1 300', 'truncate i2 300'])
  })

  test('a detached phone leg (socket gone) plays nothing and counts nothing', () => {
    const r = rig()
    r.p.delta('a', 'i1', ms(100))
    r.detach()
    r.p.delta('a', 'i1', ms(100))
    expect(r.p.sentMs('i1')).toBe(100)
    r.end() // clears the leg's grace timer
  })
})
