import { describe, expect, test } from 'bun:test'
import { FrameScan, FrameShape, isStrictBase64 } from './wire-scan'

const b64 = (s: string) => isStrictBase64(s, 0, s.length)

describe('isStrictBase64', () => {
  test('whole quanta of the standard alphabet, padding only at the end', () => {
    for (const ok of ['', 'AAAA', 'AB+/', 'AA==', 'AAA=', 'QUJDRA==', Buffer.from('hello world').toString('base64')]) expect(b64(ok)).toBe(true)
    for (const bad of ['A', 'AA', 'AAA', 'AAAAA', 'A===', '====', 'A=AA', 'AA=A', 'AB-_', 'AA A', 'AAAé', 'AA\nA', '=AAA']) expect(b64(bad)).toBe(false)
  })
})

describe('FrameScan', () => {
  const scan = new FrameScan('t.x', [
    { key: 'id', kind: 'string', maxLength: 5 },
    { key: 'n', kind: 'integer', maxLength: 3 },
    { key: 'audio', kind: 'base64', maxLength: 8 },
  ])
  const [ID, N, AUDIO] = [scan.field('id'), scan.field('n'), scan.field('audio')]

  test('fields in any order, each located in place', () => {
    const f = '{"type":"t.x","audio":"QUJD","n":12,"id":"ab"}'
    expect(scan.scan(f)).toBe(true)
    expect(f.slice(scan.start[AUDIO], scan.end[AUDIO])).toBe('QUJD')
    expect(scan.int[N]).toBe(12)
    expect(scan.equals(f, ID, 'ab')).toBe(true)
    expect(scan.equals(f, ID, 'abc')).toBe(false)
    expect(scan.scan('{"type":"t.x","id":"ab"}')).toBe(true)
    expect(scan.start[AUDIO]).toBe(-1)
  })

  test('anything off the exact shape is left to the full validator', () => {
    for (const f of [
      '{"type":"t.y","id":"ab"}',
      '{"type":"t.x"}',
      '{ "type":"t.x","id":"ab"}',
      '{"type":"t.x","id":"ab" }',
      '{"type":"t.x","id": "ab"}',
      '{"type":"t.x","id":"ab",}',
      '{"type":"t.x","id":"ab"}x',
      '{"type":"t.x","id":"ab","id":"ab"}',
      '{"type":"t.x","other":"ab"}',
      '{"type":"t.x","id":"a\\"b"}',
      '{"type":"t.x","id":"a\tb"}',
      '{"type":"t.x","id":"abcdef"}',
      '{"type":"t.x","n":01}',
      '{"type":"t.x","n":-1}',
      '{"type":"t.x","n":1.0}',
      '{"type":"t.x","n":1e2}',
      '{"type":"t.x","n":1234}',
      '{"type":"t.x","n":"1"}',
      '{"type":"t.x","audio":"QUJ"}',
      '{"type":"t.x","audio":"QUJDQUJDQUJD"}',
      '{"type":"t.x","id":null}',
      '{"type":"t.x","id":"ab"',
    ]) {
      if (scan.scan(f)) throw new Error(`accepted ${f}`)
    }
  })
})

describe('FrameShape', () => {
  const scan = new FrameScan('t.x', [
    { key: 'ev', kind: 'string', maxLength: 5 },
    { key: 'id', kind: 'string', maxLength: 5 },
    { key: 'n', kind: 'integer', maxLength: 3 },
    { key: 'audio', kind: 'base64', maxLength: 8 },
  ])
  const EV = scan.field('ev')
  const frame = (ev: string, audio: string, rest = '"id":"ab","n":1') => `{"type":"t.x","ev":"${ev}",${rest},"audio":"${audio}"}`
  const learnt = (f: string, key = 'k') => {
    const shape = new FrameShape(scan, EV)
    expect(scan.scan(f)).toBe(true)
    shape.learn(f, key)
    return shape
  }

  test('the next frames of the layout are matched in place: another varying value, other audio, nothing scanned', () => {
    const shape = learnt(frame('e1', 'QUJD'))
    // The scan's positions are left as the last scan set them: a match does not go through the scan.
    scan.scan('{"type":"t.x","id":"zz"}')
    const before = [...scan.start]
    expect(shape.match(frame('e2', 'QUJDRA=='))).toBe('QUJDRA==')
    expect(shape.match(frame('', ''))).toBe('')
    expect(shape.match(frame('e3456', 'AAAA'))).toBe('AAAA')
    expect([...scan.start]).toEqual(before)
  })

  test('whatever the scan would refuse, or read with another meaning, is no match', () => {
    const shape = learnt(frame('e1', 'QUJD'))
    for (const f of [
      frame('e12345', 'QUJD'), // the varying value one over its limit
      frame('e123456', 'QUJD'),
      frame('e"1', 'QUJD'),
      frame('e\\1', 'QUJD'),
      frame('e\t', 'QUJD'),
      frame('e1', 'QUJ'), // not whole quanta
      frame('e1', 'QU=D'),
      frame('e1', 'QUJDQUJDQUJD'), // the audio over its limit
      frame('e1', 'QUJD', '"id":"ac","n":1'), // another id: another meaning
      frame('e1', 'QUJD', '"id":"ab","n":2'),
      frame('e1', 'QUJD') + ' ',
      frame('e1', 'QUJD').slice(0, -1),
      '{"type":"t.x","ev":"e1","id":"ab","n":1,"audio":"}',
      '{"type":"t.x","ev":"e1","id":"ab","n":1,"audio":',
    ]) {
      if (shape.match(f) !== undefined) throw new Error(`matched ${f}`)
    }
  })

  test('only a layout with the audio last is learnt; a frame of the same stream that did not match gives it up', () => {
    const notLast = new FrameShape(scan, EV)
    const f = '{"type":"t.x","audio":"QUJD","ev":"e1"}'
    expect(scan.scan(f)).toBe(true)
    notLast.learn(f, 'k')
    expect(notLast.match(f)).toBeUndefined()

    const shape = learnt(frame('e1', 'QUJD'), 'item-1')
    const other = '{"type":"t.x","id":"ab","ev":"e2","n":1,"audio":"QUJD"}'
    expect(shape.match(other)).toBeUndefined()
    expect(scan.scan(other)).toBe(true)
    shape.learn(other, 'item-1')
    expect(shape.match(frame('e3', 'QUJD'))).toBeUndefined()
    expect(shape.match(other)).toBeUndefined()
    // A new stream learns again.
    expect(scan.scan(other)).toBe(true)
    shape.learn(other, 'item-2')
    expect(shape.match('{"type":"t.x","id":"ab","ev":"e9","n":1,"audio":"AAAA"}')).toBe('AAAA')
  })

  test('without a varying field the text up to the audio is compared whole', () => {
    const shape = new FrameShape(scan, -1)
    const f = '{"type":"t.x","id":"ab","audio":"QUJD"}'
    expect(scan.scan(f)).toBe(true)
    shape.learn(f, 'k')
    expect(shape.match('{"type":"t.x","id":"ab","audio":"AAAA"}')).toBe('AAAA')
    expect(shape.match('{"type":"t.x","id":"ac","audio":"AAAA"}')).toBeUndefined()
  })
})
