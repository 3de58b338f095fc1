import { describe, expect, test } from 'bun:test'
import { EventLog, formatLog, summarise } from './event-log'

describe('EventLog', () => {
  test('records entries, violations and warnings with time and socket, and notifies subscribers', () => {
    let t = 0
    const log = new EventLog(() => t)
    let calls = 0
    const off = log.subscribe(() => calls++)
    log.add({ socket: 1, dir: 'out', type: 'session.initiate', message: { type: 'session.initiate' } })
    t = 12.5
    log.violation(1, 'unknown-type', 'unknown message type "x"', { type: 'x' })
    log.add({ socket: 1, dir: 'warning', type: 'unknown-event', text: 'odd' })
    off()
    log.add({ socket: 2, dir: 'note', type: 'resumed' })
    expect(calls).toBe(3)
    expect(log.entries.map((e) => [e.seq, e.t, e.dir, e.type])).toEqual([
      [0, 0, 'out', 'session.initiate'],
      [1, 12.5, 'violation', 'unknown-type'],
      [2, 12.5, 'warning', 'unknown-event'],
      [3, 12.5, 'note', 'resumed'],
    ])
    expect(log.violations).toEqual([{ t: 12.5, socket: 1, rule: 'unknown-type', detail: 'unknown message type "x"', message: { type: 'x' } }])
    expect(log.warnings).toHaveLength(1)
  })
})

describe('formatLog', () => {
  test('folds runs of chunks of one stream and direction, replaces audio by its size', () => {
    let t = 0
    const log = new EventLog(() => t)
    log.add({ socket: 1, dir: 'in', type: 'playStream.start', message: { type: 'playStream.start', streamId: '1', mediaFormat: 'raw/mulaw' } })
    for (let i = 0; i < 3; i++) {
      t += 20
      log.add({ socket: 1, dir: 'in', type: 'playStream.chunk', message: { type: 'playStream.chunk', streamId: '1', audioChunk: 'AAAA' } })
    }
    log.add({ socket: 1, dir: 'violation', type: 'invalid-json', text: 'frame is not valid JSON', raw: '{x' })
    const text = formatLog(log.entries)
    const lines = text.split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toBe('     +0.0 ms #1 ← playStream.start {"streamId":"1","mediaFormat":"raw/mulaw"}')
    expect(lines[1]).toBe('    +20.0 ms #1 ← playStream.chunk "1" ×3 (9 bytes, until +60.0 ms)')
    expect(lines[2]).toBe('    +60.0 ms #1 ✗ invalid-json frame is not valid JSON "{x"')
    expect(formatLog(log.entries, { chunks: true }).split('\n')).toHaveLength(5)
  })

  test('summarise drops type and conversationId and shortens audio', () => {
    expect(summarise({ type: 'userStream.chunk', conversationId: 'c', audioChunk: 'AAAA' })).toBe('{"audioChunk":"<4 b64 chars>"}')
    expect(summarise({ type: 'userStream.started' })).toBe('')
  })
})
