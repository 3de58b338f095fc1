import { describe, expect, test } from 'bun:test'
import { hoursIn, nowIn } from './hours-words'
import { packFor } from './packs'
import { describeBusinessHours, parseBusinessHours } from '../config/business-hours'

const week = (text: string) => {
  const r = parseBusinessHours(text)
  if (!r.ok) throw new Error(r.error)
  return r.hours
}

describe('opening hours and the date in the call language', () => {
  const w = week('Mon-Fri 09:00-12:30,14:00-18:00; Sat 10:00-14:00')
  test('weekday names from Intl, clock and joining words from the pack', () => {
    expect(hoursIn(w, packFor('en'))).toBe('Monday to Friday, 9 AM to 12:30 PM and 2 PM to 6 PM; Saturday, 10 AM to 2 PM')
    expect(hoursIn(w, packFor('de'))).toBe('Montag bis Freitag, 9 Uhr bis 12:30 Uhr und 14 Uhr bis 18 Uhr; Samstag, 10 Uhr bis 14 Uhr')
    expect(hoursIn(w, packFor('es'))).toBe('de lunes a viernes, de las 9 a las 12:30 y de las 14 a las 18; sábado, de las 10 a las 14')
    // English is what logs and config check print.
    expect(hoursIn(w, packFor('en'))).toBe(describeBusinessHours(w))
    expect(hoursIn(week('Sun 10:00-12:00'), packFor('de'))).toBe('Sonntag, 10 Uhr bis 12 Uhr')
    expect(hoursIn([[], [], [], [], [], [], []], packFor('es'))).toBe('cerrado')
  })

  test('the current date and time in the business zone, in the language', () => {
    const t = Date.UTC(2026, 11, 7, 8, 5) // Monday 7 December 2026, 09:05 in Berlin
    expect(nowIn(t, 'Europe/Berlin', packFor('de'))).toBe('Montag, 7. Dezember 2026 um 9:05')
    expect(nowIn(t, 'Europe/Madrid', packFor('es'))).toMatch(/^lunes, 7 de diciembre de 2026, 9:05$/)
    expect(nowIn(t, 'America/New_York', packFor('en'))).toBe('Monday, December 7, 2026 at 3:05 AM')
  })
})
