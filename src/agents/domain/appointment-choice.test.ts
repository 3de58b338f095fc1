import { describe, expect, test } from 'bun:test'
import { at, ENV, NOW, NY } from '../task-test-kit'
import { chosen, listAppointments, matching, upcoming } from './appointment-choice'
import { captureSettings } from './settings'

const s = captureSettings(ENV)
const A = { id: 'A', startsAt: at('2026-12-01', '10:00'), minutes: 30 }
const B = { id: 'B', startsAt: at('2026-12-04', '14:00'), minutes: 30 }
const C = { id: 'C', startsAt: at('2026-12-04', '10:00'), minutes: 30 }
const OLD = { id: 'O', startsAt: at('2026-11-20', '10:00'), minutes: 30 }

describe('choosing an appointment', () => {
  test('upcoming: future only, soonest first', () => {
    expect(upcoming([B, OLD, A], NOW)).toEqual([A, B])
  })
  test('matching by day, by time, by both; words not understood match nothing', () => {
    expect(matching([A, B, C], { date: 'friday' }, s, NOW)).toEqual([B, C])
    expect(matching([A, B, C], { time: '10 AM' }, s, NOW)).toEqual([A, C])
    expect(matching([A, B, C], { date: 'friday', time: '10' }, s, NOW)).toEqual([C])
    expect(matching([A, B, C], { date: 'friday at 2 pm' }, s, NOW)).toEqual([B])
    expect(matching([A, B, C], { date: 'someday' }, s, NOW)).toEqual([])
    expect(matching([A, B, C], { time: 'later' }, s, NOW)).toEqual([])
  })
  test('chosen: a unique match, or the only appointment there is', () => {
    expect(chosen([A, B, C], { date: 'tomorrow' }, s, NOW)).toEqual(A)
    expect(chosen([A, B, C], { date: 'friday' }, s, NOW)).toBeUndefined()
    expect(chosen([A, B, C], {}, s, NOW)).toBeUndefined()
    expect(chosen([A], { date: 'friday' }, s, NOW)).toEqual(A)
    expect(chosen([A, B], { date: null, time: null }, s, NOW)).toBeUndefined()
  })
  test('named the way the bot says them', () => {
    expect(listAppointments([A, B], NOW, NY)).toBe('tomorrow at 10 AM and on Friday, December 4 at 2 PM')
  })
})
