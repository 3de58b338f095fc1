import { describe, expect, test } from 'bun:test'
import { findDate, findTime, normalize } from './phrases'

describe('phrases', () => {
  test('dates', () => {
    expect(findDate('Book an appointment for tomorrow.')).toBe('tomorrow')
    expect(findDate('next Monday please')).toBe('next monday')
    expect(findDate('on Friday at 3')).toBe('friday')
    expect(findDate('March 5th at noon')).toBe('march 5th')
    expect(findDate('the 12th of June')).toBe('the 12th of june')
    expect(findDate('the day after tomorrow')).toBe('the day after tomorrow')
    expect(findDate('10 AM.')).toBeUndefined()
  })
  test('times', () => {
    expect(findTime('10 AM.')).toBe('10 am')
    expect(findTime('10am')).toBe('10 am')
    expect(findTime('at 10:30 please')).toBe('10:30')
    expect(findTime('half past two')).toBe('half past two')
    expect(findTime('around noon')).toBe('noon')
    expect(findTime('3 p.m.')).toBe('3 pm')
    expect(findTime('tomorrow at 10')).toBe('10')
    expect(findTime('ten o clock')).toBeUndefined()
    expect(findTime("ten o'clock")).toBe("ten o'clock")
    expect(findTime('Book an appointment for tomorrow.')).toBeUndefined()
    expect(findTime('on the 5th')).toBeUndefined()
  })
  test('normalize', () => {
    expect(normalize('Yes, go ahead!')).toBe('yes go ahead')
  })
})
