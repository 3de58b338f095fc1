import { describe, expect, test } from 'bun:test'
import { memoryLogger } from '../../ops/log'
import { MetricsRegistry } from '../../ops/metrics'
import { PhoneLeg, endFromReason, type PhoneLegHandler, type PhoneSocket } from './phone-leg'
import { telephonyMetrics } from './metrics'

function fakeSocket(backlog = 0): PhoneSocket & { sent: string[]; backlog: number } {
  const s = {
    sent: [] as string[],
    backlog,
    send(text: string) {
      s.sent.push(text)
      return text.length
    },
    close() {},
    bufferedAmount: () => s.backlog,
  }
  return s
}

const noop: PhoneLegHandler = {
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

function leg() {
  const registry = new MetricsRegistry()
  const l = new PhoneLeg({ conversationId: 'c', mediaFormat: 'raw/mulaw', graceMs: 10, log: memoryLogger().log, metrics: telephonyMetrics(registry, () => 0) })
  l.bind(noop)
  return { l, registry }
}

describe('PhoneLeg', () => {
  test('one play stream at a time, unique ids, chunks only on the open stream', () => {
    const { l } = leg()
    const s = fakeSocket()
    l.attach(s)
    expect(l.playChunk('AAAA')).toBe(false)
    const a = l.startPlay('raw/mulaw')
    l.playChunk('AAAA')
    const b = l.startPlay('raw/mulaw', 'second')
    expect(a).not.toBe(b)
    l.stopPlay()
    expect(s.sent.map((m) => JSON.parse(m) as Record<string, unknown>)).toEqual([
      { type: 'playStream.start', streamId: a, mediaFormat: 'raw/mulaw' },
      { type: 'playStream.chunk', streamId: a, audioChunk: 'AAAA' },
      { type: 'playStream.stop', streamId: a },
      { type: 'playStream.start', streamId: b, mediaFormat: 'raw/mulaw', altText: 'second' },
      { type: 'playStream.stop', streamId: b },
    ])
  })

  test('overload: chunks for a VAIC socket too far behind are shed and counted', () => {
    const { l, registry } = leg()
    const s = fakeSocket(10 * 1024 * 1024)
    l.attach(s)
    l.startPlay('raw/mulaw')
    expect(l.playChunk('AAAA')).toBe(false)
    expect(registry.counterTotal('fastagent_downlink_frames_shed_total')).toBe(1)
    s.backlog = 0
    expect(l.playChunk('AAAA')).toBe(true)
  })

  test('hang-up and transfer: activities with their parameters; sendDtmf checks digits', () => {
    const { l } = leg()
    const s = fakeSocket()
    l.attach(s)
    l.sendDtmf('12#')
    expect(() => l.sendDtmf('12x')).toThrow()
    l.transfer('tel:+18005550100', 'asked for a person', [{ name: 'X-Id', value: '1' }])
    l.hangup('conversation-complete')
    const first = (m: string): unknown => (JSON.parse(m) as { activities: unknown[] }).activities[0]
    expect(s.sent.map(first)).toEqual([
      { type: 'event', name: 'sendDtmf', activityParams: { dtmfDigits: '12#' } },
      { type: 'event', name: 'transfer', activityParams: { transferTarget: 'tel:+18005550100', handoverReason: 'asked for a person', transferSipHeaders: [{ name: 'X-Id', value: '1' }] } },
      { type: 'event', name: 'hangup', activityParams: { hangupReason: 'conversation-complete' } },
    ])
  })

  test('after session.resume, chunks without a new userStream.start continue the stream; before any resume they are refused', () => {
    const audio: string[] = []
    const streams: boolean[] = []
    const registry = new MetricsRegistry()
    const l = new PhoneLeg({ conversationId: 'c', mediaFormat: 'raw/mulaw', graceMs: 1000, log: memoryLogger().log, metrics: telephonyMetrics(registry, () => 0) })
    l.bind({ ...noop, audio: (b) => audio.push(b), userStream: (a) => streams.push(a) })
    const first = fakeSocket()
    l.attach(first)
    l.receive({ type: 'userStream.chunk', conversationId: 'c', audioChunk: 'AAAA' })
    expect(audio).toEqual([])
    l.receive({ type: 'userStream.start', conversationId: 'c' })
    l.receive({ type: 'userStream.chunk', conversationId: 'c', audioChunk: 'BBBB' })
    l.socketClosed(first)
    const second = fakeSocket()
    l.attach(second)
    l.receive({ type: 'userStream.chunk', conversationId: 'c', audioChunk: 'CCCC' })
    expect(audio).toEqual(['BBBB', 'CCCC'])
    expect(streams).toEqual([true, true])
    // A userStream.started is only an answer to userStream.start: none on the new socket.
    expect(second.sent).toEqual([])
    l.terminate('test')
  })

  test('bargeIn sends a one-word hypothesis', () => {
    const { l } = leg()
    const s = fakeSocket()
    l.attach(s)
    l.bargeIn()
    expect(JSON.parse(s.sent[0] ?? '{}')).toEqual({ type: 'userStream.speech.hypothesis', alternatives: [{ text: 'speaking' }] })
  })

  test('session.end reason codes map to who ended the call; our own request wins over a generic code', () => {
    expect(endFromReason('client-disconnected', 'Client Side', undefined).by).toBe('caller')
    expect(endFromReason('bot-disconnected', undefined, undefined).by).toBe('bot')
    expect(endFromReason('transferred', undefined, undefined).by).toBe('transfer')
    expect(endFromReason('error', undefined, undefined).by).toBe('vaic-error')
    expect(endFromReason('client-disconnected', undefined, 'bot').by).toBe('bot')
    expect(endFromReason(undefined, undefined, 'transfer').by).toBe('transfer')
  })
})
