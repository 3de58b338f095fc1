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

describe('phrases in German and Spanish', () => {
  test('German days and times, as said', () => {
    expect(findDate('Ich möchte einen Termin für morgen buchen.', 'de')).toBe('morgen')
    expect(findDate('Geht übermorgen?', 'de')).toBe('übermorgen')
    expect(findDate('am nächsten Freitag', 'de')).toBe('nächsten freitag')
    expect(findDate('Guten Morgens', 'de')).toBeUndefined()
    expect(findTime('Um 10 Uhr.', 'de')).toBe('um 10 uhr')
    expect(findTime('so gegen halb elf', 'de')).toBe('halb elf')
    expect(findTime('Ich möchte einen Termin für morgen buchen.', 'de')).toBeUndefined()
  })
  test('Spanish days and times, as said', () => {
    expect(findDate('Quiero reservar una cita para mañana.', 'es')).toBe('mañana')
    expect(findDate('pasado mañana, por favor', 'es')).toBe('pasado mañana')
    expect(findDate('el miércoles', 'es')).toBe('el miércoles')
    expect(findDate('a las 10 de la mañana', 'es')).toBeUndefined()
    expect(findTime('A las 10.', 'es')).toBe('a las 10')
    expect(findTime('a las diez y media de la mañana', 'es')).toBe('a las diez y media de la mañana')
    expect(findTime('Quiero reservar una cita para mañana.', 'es')).toBeUndefined()
    expect(normalize('¿Sí? ¡Claro!')).toBe('sí claro')
  })
})
