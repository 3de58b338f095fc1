/**
 * The call's language end to end through the pure parts: the booking task asks, confirms and summarises in German and
 * Spanish, reads the caller's dates (chrono's locale, loaded on first use) and times in it, and the call lines come
 * from the pack with the business's overrides.
 */
import { describe, expect, test } from 'bun:test'
import { at, ENV, NOW, NY, says, start, step } from '../agents/task-test-kit'
import { bookAppointment as def, type BookEvent } from '../agents/tasks/book-appointment'
import { parseBusinessText } from '../config/business/load'
import type { Business } from '../config/business/business'
import { parseDate, parseTime } from '../agents/domain/when'
import { toEnglishTime } from './spoken-time'
import { callLinesFor, closingText, welcomeBackText } from './packs'

const business = (language: 'de' | 'es'): Business => {
  const r = parseBusinessText(`business: { name: Praxis Weber, timezone: ${NY}, language: ${language} }\nhours: { mon-sat: "09:00-17:00" }\n`, 'p.yaml', 'p')
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.business
}
const later = NOW + 60_000

describe('the booking task in German and Spanish', () => {
  test('German: morgen → Uhrzeit → 10 Uhr → bestätigen → gebucht', () => {
    const env = { ...ENV, business: business('de') }
    const r = start(def, { date: 'morgen' }, env)
    expect(r.snapshot.state).toBe('collectingTime')
    expect(says(r.effects)).toEqual(['Um wie viel Uhr möchten Sie kommen?'])
    const c = step(def, r, def.input({ time: 'um 10 Uhr' }, later) as BookEvent, 'checking')
    expect(c.effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-12-01', '10:00'), minutes: 30, serviceId: 'appointment' }])
    const f = step(def, c, { type: 'availability', free: true, alternatives: [], at: later }, 'confirming')
    expect(says(f.effects)).toEqual(['Soll ich den Termin für morgen um 10 Uhr buchen?'])
    const b = step(def, f, def.input({ confirm: true }, later) as BookEvent, 'booking')
    const d = step(def, b, { type: 'booked', appointmentId: 'A1', at: later }, 'booked')
    expect(says(d.effects)).toEqual(['Termin für morgen um 10 Uhr ist gebucht.'])
    expect(d.effects.find((e) => e.kind === 'done')).toEqual({ kind: 'done', summary: 'Ihr Termin ist für morgen um 10 Uhr bestätigt' })
  })

  test('Spanish: mañana a las 10 y media → confirmar → reservada', () => {
    const env = { ...ENV, business: business('es') }
    const r = start(def, { date: 'mañana', time: 'a las 10 y media' }, env)
    expect(r.effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-12-01', '10:30'), minutes: 30, serviceId: 'appointment' }])
    const f = step(def, r, { type: 'availability', free: true, alternatives: [], at: later }, 'confirming')
    expect(says(f.effects)).toEqual(['¿Reservo la cita para mañana a las 10:30?'])
  })

  test('dates in the call language: chrono de/es, weekday names spoken in it', () => {
    expect(parseDate('morgen', NOW, NY, undefined, 'de')).toEqual({ ok: true, date: '2026-12-01' })
    expect(parseDate('übermorgen', NOW, NY, undefined, 'de')).toMatchObject({ ok: true, date: '2026-12-02' })
    expect(parseDate('mañana', NOW, NY, undefined, 'es')).toEqual({ ok: true, date: '2026-12-01' })
    expect(parseDate('el viernes', NOW, NY, undefined, 'es')).toMatchObject({ ok: true, date: '2026-12-04' })
    expect(parseTime('halb 3', [{ from: 540, to: 1020 }], 'de')).toEqual({ ok: true, minutes: 14 * 60 + 30 })
    expect(parseTime('viertel nach 10', [{ from: 540, to: 1020 }], 'de')).toEqual({ ok: true, minutes: 10 * 60 + 15 })
    expect(parseTime('a las cuatro de la tarde', undefined, 'es')).toEqual({ ok: true, minutes: 16 * 60 })
    expect(toEnglishTime('10 Uhr abends', 'de')).toBe('10 pm')
  })
})

describe('call lines from the pack, with the business wording', () => {
  test('closing and welcome back in German; an override wins; {business} is filled', () => {
    const de = callLinesFor('de', 'Praxis Weber', { anything_else: 'Noch etwas?' })
    expect(de.greeting).toBe('Guten Tag, vielen Dank für Ihren Anruf bei Praxis Weber. Wie kann ich Ihnen helfen?')
    expect(de.anythingElse).toBe('Noch etwas?')
    expect(closingText(de, ['Ihr Termin ist für morgen um 10 Uhr bestätigt'])).toBe('Schön, dass ich helfen konnte. Ihr Termin ist für morgen um 10 Uhr bestätigt. Einen schönen Tag noch!')
    expect(welcomeBackText(callLinesFor('es', 'X', undefined), ['reservando una cita'], 'y')).toBe('¡Bienvenido de nuevo! Estábamos reservando una cita. ¿Quiere continuar o empezar de nuevo?')
    expect(callLinesFor('en', 'Clinic', undefined).closing).toBe('Thank you for calling Clinic. Have a great day!')
  })
})
