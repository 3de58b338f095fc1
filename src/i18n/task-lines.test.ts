/**
 * The other tasks in German and Spanish, through their real tables: cancel, reschedule, availability and leave a
 * message ask, confirm, refuse and summarise in the call's language, slot problems and re-asks included, and what
 * the welcome back and the drop SMS call each task comes from the pack.
 */
import { describe, expect, test } from 'bun:test'
import { at, ENV, NOW, NY, says, start, step } from '../agents/task-test-kit'
import { cancelAppointment as cancel, type CancelEvent } from '../agents/tasks/cancel-appointment'
import { rescheduleAppointment as reschedule, type RescheduleEvent } from '../agents/tasks/reschedule-appointment'
import { checkAvailability as availability, type AvailabilityEvent } from '../agents/tasks/check-availability'
import { leaveMessage as message, type MessageEvent } from '../agents/tasks/leave-message'
import { bookAppointment as book, type BookEvent } from '../agents/tasks/book-appointment'
import { DEFAULT_TASKS } from '../agents/tasks/registry'
import { parseBusinessText } from '../config/business/load'
import type { Business } from '../config/business/business'
import type { TaskEnv } from '../agents/task-definition'
import { LANGUAGES } from './languages'
import { PACKS, taskWordsIn } from './packs'
import { calendarSmsText } from '../calendar/calendar-outbox'

const business = (language: 'de' | 'es'): Business => {
  const r = parseBusinessText(`business: { name: Praxis Weber, timezone: ${NY}, language: ${language} }\nhours: { mon-fri: "09:00-17:00" }\n`, 'p.yaml', 'p')
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.business
}
const env = (language: 'de' | 'es'): TaskEnv => ({ ...ENV, business: business(language) })
const later = NOW + 60_000
const A = { id: 'A', startsAt: at('2026-12-01', '10:00'), minutes: 30 }
const B = { id: 'B', startsAt: at('2026-12-04', '14:00'), minutes: 30 }

describe('cancel in German and Spanish', () => {
  test('German: which one, confirm, cancelled, summary', () => {
    const f = start(cancel, {}, env('de'))
    const c = step(cancel, f, { type: 'appointments', list: [A, B], at: later } as CancelEvent, 'choosing')
    expect(says(c.effects)).toEqual(['Sie haben Termine morgen um 10 Uhr und am Freitag, 4. Dezember um 14 Uhr. Welchen soll ich absagen?'])
    const k = step(cancel, c, cancel.input({ date: 'morgen' }, later) as CancelEvent, 'confirming')
    expect(says(k.effects)).toEqual(['Soll ich Ihren Termin morgen um 10 Uhr absagen?'])
    const d = step(cancel, step(cancel, k, cancel.input({ confirm: true }, later) as CancelEvent, 'cancelling'), { type: 'appointment_cancelled', at: later }, 'cancelled')
    expect(says(d.effects)).toEqual(['Ihr Termin morgen um 10 Uhr ist abgesagt.'])
    expect(cancel.summary(d.snapshot, later)).toBe('die Absage Ihres Termins morgen um 10 Uhr')
  })
  test('Spanish: nothing found; a weekday reads "del viernes"', () => {
    const f = start(cancel, {}, env('es'))
    expect(says(step(cancel, f, { type: 'appointments', list: [], at: later } as CancelEvent, 'failed').effects)).toEqual(['No he encontrado ninguna cita próxima para su número.'])
    const k = step(cancel, f, { type: 'appointments', list: [B], at: later } as CancelEvent, 'confirming')
    expect(says(k.effects)).toEqual(['¿Cancelo su cita del viernes, 4 de diciembre a las 14?'])
  })
})

describe('reschedule in German and Spanish', () => {
  test('German: found, a closed day refused in German, then moved', () => {
    const f = start(reschedule, { date: 'Sonntag' }, env('de'))
    const c = step(reschedule, f, { type: 'appointments', list: [A], at: later } as RescheduleEvent, 'collectingDate')
    expect(says(c.effects)).toEqual(['Ihr Termin ist morgen um 10 Uhr. Sonntags haben wir geschlossen. Welcher andere Tag passt Ihnen?'])
    const t = step(reschedule, c, reschedule.input({ date: 'übermorgen', time: '15 Uhr' }, later) as RescheduleEvent, 'checking')
    const k = step(reschedule, t, { type: 'availability', free: true, alternatives: [], at: later }, 'confirming')
    expect(says(k.effects)).toEqual(['Soll ich Ihren Termin von morgen um 10 Uhr auf Mittwoch, 2. Dezember um 15 Uhr verschieben?'])
  })
  test('Spanish: a taken slot offers alternatives in Spanish', () => {
    const f = start(reschedule, { date: 'pasado mañana', time: 'a las 11' }, env('es'))
    const t = step(reschedule, f, { type: 'appointments', list: [A], at: later } as RescheduleEvent, 'checking')
    const r = step(reschedule, t, { type: 'availability', free: false, alternatives: [at('2026-12-02', '11:30'), at('2026-12-02', '12:00')], at: later }, 'collectingTime')
    expect(says(r.effects)).toEqual(['Lo siento, miércoles, 2 de diciembre a las 11 ya está ocupado. Puedo ofrecerle las 11:30 o las 12. ¿Cuál le viene bien?'])
  })
})

describe('availability and messages in German and Spanish', () => {
  test('German: a day answer lists free times; Spanish: a free slot', () => {
    const d = start(availability, { date: 'morgen' }, env('de'))
    const a = step(availability, d, { type: 'availability', free: true, alternatives: [at('2026-12-01', '09:30'), at('2026-12-01', '10:00')], at: later } as AvailabilityEvent, 'answered')
    expect(says(a.effects)).toEqual(['Morgen habe ich 9 Uhr, 9:30 Uhr und 10 Uhr frei.'])
    const s = start(availability, { date: 'mañana', time: 'a las 10' }, env('es'))
    expect(says(step(availability, s, { type: 'availability', free: true, alternatives: [], at: later } as AvailabilityEvent, 'answered').effects)).toEqual(['Mañana a las 10 está libre.'])
  })
  test('a message in Spanish: questions, a bad number, the read-back, saved', () => {
    const r = start(message, {}, env('es'))
    expect(says(r.effects)).toEqual(['¿Me dice su nombre, por favor?'])
    const n = step(message, r, message.input({ name: 'Ana', message: 'Llámenme', callback_number: '12' }, later) as MessageEvent, 'collecting')
    expect(says(n.effects)).toEqual(['Eso no parece un número de teléfono. ¿A qué número le devolvemos la llamada?'])
    const k = step(message, n, message.input({ callback_number: '+34 600 123 456' }, later) as MessageEvent, 'confirming')
    expect(says(k.effects)).toEqual(['Tengo su nombre y su mensaje. Le devolveremos la llamada al +34 600 123 456. ¿Lo paso?'])
    expect(message.summary(k.snapshot, later)).toBe('tomando un mensaje')
  })
  test('German booking refusals: not understood, taken, declined', () => {
    const r = start(book, { date: 'irgendwann' }, env('de'))
    expect(says(r.effects)).toEqual(['Ich habe nicht verstanden, welchen Tag Sie meinen. Welcher Tag passt Ihnen?'])
    const c = start(book, { date: 'morgen', time: '10 Uhr' }, env('de'))
    const t = step(book, c, { type: 'availability', free: false, alternatives: [at('2026-12-01', '10:30')], at: later }, 'collectingTime')
    expect(says(t.effects)).toEqual(['Leider ist morgen um 10 Uhr schon vergeben. Ich kann Ihnen 10:30 Uhr anbieten. Was passt Ihnen?'])
    const f = step(book, step(book, t, book.input({ time: '10:30' }, later) as BookEvent, 'checking'), { type: 'availability', free: true, alternatives: [], at: later }, 'confirming')
    expect(says(step(book, f, book.input({ confirm: false }, later) as BookEvent, 'collectingTime').effects)).toEqual(['Kein Problem. Welche Uhrzeit passt Ihnen?'])
    expect(book.summary(f.snapshot, later)).toBe('eine Terminbuchung für morgen um 10:30 Uhr')
  })
})

test('every shipped task has its title and noun in every pack', () => {
  for (const l of LANGUAGES) {
    for (const def of DEFAULT_TASKS) {
      const w = taskWordsIn(l, def.kind, { title: '', noun: '' })
      expect(w.title.length, `${l}.${def.kind}`).toBeGreaterThan(0)
      expect(w.noun.length, `${l}.${def.kind}`).toBeGreaterThan(0)
    }
    // The English pack holds the definitions' own words.
    if (l === 'en') for (const def of DEFAULT_TASKS) expect(taskWordsIn(l, def.kind, { title: '', noun: '' })).toEqual({ title: def.title, noun: def.noun })
  }
  expect(taskWordsIn('de', 'pay_invoice', { title: 'paying an invoice', noun: 'payment' }).title).toBe('paying an invoice')
  expect(Object.keys(PACKS.de.slots).sort()).toEqual(Object.keys(PACKS.en.slots).sort())
})

test("the calendar's texts about a held booking are in the business's language", () => {
  expect(calendarSmsText.confirmed('morgen um 10 Uhr', 'Praxis Weber', 'de')).toBe('Praxis Weber: Ihr Termin morgen um 10 Uhr ist bestätigt.')
  expect(calendarSmsText.lost('mañana a las 10', 'Clínica Sol', 'es')).toStartWith('Clínica Sol: lo sentimos, no hemos podido confirmar su cita mañana a las 10;')
  expect(calendarSmsText.confirmed('tomorrow at 10 AM', 'Clinic')).toBe('Clinic: your appointment tomorrow at 10 AM is confirmed.')
})
