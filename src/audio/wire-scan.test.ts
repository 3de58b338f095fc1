import { describe, expect, test } from 'bun:test'
import { FrameScan, isStrictBase64 } from './wire-scan'

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
