import { describe, expect, test } from 'bun:test'
import { mapDrop, mapPut, setAdd, setDrop } from './sparse-map'

describe('sparse maps: present only while they hold entries', () => {
  test('a map is created by its first entry and let go with its last', () => {
    let m: Map<string, number> | undefined
    m = mapPut(m, 'a', 1)
    const first = m
    m = mapPut(m, 'b', 2)
    expect(m).toBe(first)
    expect([...m]).toEqual([['a', 1], ['b', 2]])
    m = mapDrop(m, 'a')
    expect(m && [...m]).toEqual([['b', 2]])
    expect(mapDrop(m, 'missing')).toBe(first)
    m = mapDrop(m, 'b')
    expect(m).toBeUndefined()
    expect(mapDrop(m, 'b')).toBeUndefined()
  })

  test('sets the same', () => {
    let s = setAdd(undefined, 'x')
    s = setAdd(s, 'y')
    expect([...s]).toEqual(['x', 'y'])
    expect(setDrop(setDrop(s, 'x'), 'y')).toBeUndefined()
    expect(setDrop(undefined, 'x')).toBeUndefined()
  })
})
