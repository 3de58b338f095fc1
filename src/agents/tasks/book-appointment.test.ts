import { describe, expect, test } from 'bun:test'
import { at, ignored, initial, NOW, says, start, step, type Run } from '../task-test-kit'
import { bookAppointment as def, type BookContext, type BookEvent } from './book-appointment'

type R = Run<Parameters<typeof def.describe>[0]['state'], BookContext>
const later = NOW + 60_000
const input = (fields: Omit<Extract<BookEvent, { type: 'input' }>, 'type' | 'at'>, now = later): BookEvent => def.input(fields, now)
const tomorrow10 = at('2026-12-01', '10:00')

/** The scenario up to the question 'Book for tomorrow at 10 AM?'. */
function toConfirming(): R {
  const r = start(def, { date: 'tomorrow' })
  const c = step(def, r, input({ time: '10 AM' }), 'checking')
  return step(def, c, { type: 'availability', free: true, alternatives: [], at: later }, 'confirming')
}

describe('book_appointment: the reference scenario', () => {
  test('tomorrow → what time → 10 AM → check → confirm → book → booked', () => {
    const r = start(def, { date: 'tomorrow' })
    expect(r.snapshot.state).toBe('collectingTime')
    expect(r.effects).toEqual([{ kind: 'ask', text: 'What time would you like?', need: ['time'] }])
    const c = step(def, r, input({ time: '10 AM' }), 'checking')
    expect(c.effects).toEqual([{ kind: 'check_availability', startsAt: tomorrow10, minutes: 30 }])
    const f = step(def, c, { type: 'availability', free: true, alternatives: [], at: later }, 'confirming')
    expect(f.effects).toEqual([{ kind: 'ask', text: 'Book for tomorrow at 10 AM?', need: ['confirm'] }])
    expect(def.describe(f.snapshot, later)).toEqual({
      summary: 'booking an appointment for tomorrow at 10 AM',
      status: 'open',
      pending: { ask: 'Book for tomorrow at 10 AM?', need: ['confirm'] },
    })
    const b = step(def, f, input({ confirm: true }), 'booking')
    expect(b.effects).toEqual([{ kind: 'book', startsAt: tomorrow10, minutes: 30 }])
    const done = step(def, b, { type: 'booked', appointmentId: 'A1', at: later }, 'booked')
    expect(done.effects).toEqual([
      { kind: 'say', text: 'Appointment booked for tomorrow at 10 AM.' },
      { kind: 'done', summary: 'Your appointment is confirmed for tomorrow at 10 AM' },
    ])
    expect(done.snapshot.context.appointmentId).toBe('A1')
    expect(def.describe(done.snapshot, later).status).toBe('done')
    expect(done.snapshot.seq).toBe(5)
  })
})

describe('book_appointment: idle', () => {
  test('start with day and time goes straight to the check', () => {
    const r = start(def, { date: 'tomorrow', time: '10' })
    expect(r.snapshot.state).toBe('checking')
    expect(r.effects).toEqual([{ kind: 'check_availability', startsAt: tomorrow10, minutes: 30 }])
  })
  test('start with nothing asks for the day', () => {
    const r = start(def, {})
    expect(r.snapshot.state).toBe('collectingDate')
    expect(r.effects).toEqual([{ kind: 'ask', text: 'What day would you like?', need: ['date'] }])
  })
  test('start on a closed day explains and asks for another day', () => {
    const r = start(def, { date: 'on sunday', time: '10 AM' })
    expect(r.snapshot.state).toBe('collectingDate')
    expect(says(r.effects)).toEqual(["We're closed on Sundays. Which other day would suit you?"])
    expect(r.snapshot.context.slot.minutes).toBe(600) // the time is kept for the next day
  })
  test('cancel before anything happened', () => {
    const c = step(def, initial(def, {}), def.cancelEvent(NOW), 'cancelled')
    expect(says(c.effects)).toEqual(["Okay, I've cancelled that booking request."])
  })
})

describe('book_appointment: collectingDate', () => {
  const r = start(def, {})
  test('a day and a time → checking', () => {
    expect(step(def, r, input({ date: 'tomorrow', time: '10 AM' }), 'checking').effects[0]).toMatchObject({ kind: 'check_availability' })
  })
  test('a day alone → what time', () => {
    expect(says(step(def, r, input({ date: 'next tuesday' }), 'collectingTime').effects)).toEqual(['What time would you like?'])
  })
  test('a day said in the time field with its time → checking', () => {
    expect(step(def, r, input({ time: 'tomorrow at 10' }), 'checking').effects).toEqual([{ kind: 'check_availability', startsAt: tomorrow10, minutes: 30 }])
  })
  test('a time alone is kept while the day is asked for', () => {
    const d = step(def, r, input({ time: '2 pm' }), 'collectingDate')
    expect(says(d.effects)).toEqual(['What day would you like?'])
    expect(step(def, d, input({ date: 'tomorrow' }), 'checking').effects[0]).toMatchObject({ startsAt: at('2026-12-01', '14:00') })
  })
  test('words that are no day → asked again with the reason', () => {
    expect(says(step(def, r, input({ date: 'whenever' }), 'collectingDate').effects)).toEqual([
      "I didn't catch which day you mean. Which day would suit you?",
    ])
  })
  test('a past day → asked again', () => {
    expect(says(step(def, r, input({ date: '2026-11-02' }), 'collectingDate').effects)).toEqual([
      "That's already in the past. Which other day would suit you?",
    ])
  })
  test('nothing usable → the same question', () => {
    expect(step(def, r, input({ confirm: true }), 'collectingDate').effects).toEqual([{ kind: 'ask', text: 'What day would you like?', need: ['date'] }])
  })
  test('cancel', () => {
    step(def, r, def.cancelEvent(later), 'cancelled')
  })
  test('results of effects it did not ask for are ignored', () => {
    ignored(def, r, { type: 'availability', free: true, alternatives: [], at: later })
    ignored(def, r, { type: 'booked', appointmentId: 'X', at: later })
  })
})

describe('book_appointment: collectingTime', () => {
  const r = start(def, { date: 'tomorrow' })
  test('a time → checking', () => {
    step(def, r, input({ time: 'half past two' }), 'checking')
  })
  test('outside hours → the hours of that day, and the question again', () => {
    expect(says(step(def, r, input({ time: '6 pm' }), 'collectingTime').effects)).toEqual([
      "On Tuesdays we're open from 9 AM to 5 PM. What time would suit you?",
    ])
  })
  test('off the grid → the nearest aligned time is offered', () => {
    expect(says(step(def, r, input({ time: '10:10' }), 'collectingTime').effects)).toEqual([
      'Appointments start every 30 minutes; the nearest is 10 AM. What time would suit you?',
    ])
  })
  test('not a time → asked again', () => {
    expect(says(step(def, r, input({ time: 'soonish' }), 'collectingTime').effects)).toEqual(["I didn't catch the time. What time would suit you?"])
  })
  test('another day on a closed day → back to the day', () => {
    step(def, r, input({ date: 'sunday' }), 'collectingDate')
  })
  test('nothing usable → the same question', () => {
    expect(says(step(def, r, input({}), 'collectingTime').effects)).toEqual(['What time would you like?'])
  })
  test('cancel', () => {
    step(def, r, def.cancelEvent(later), 'cancelled')
  })
})

describe('book_appointment: checking', () => {
  const c = step(def, start(def, { date: 'tomorrow' }), input({ time: '10 AM' }), 'checking')
  test('taken → up to three alternatives, in time order, and the time question again', () => {
    const alts = [at('2026-12-01', '10:30'), at('2026-12-01', '09:30'), at('2026-12-02', '09:00')]
    const t = step(def, c, { type: 'availability', free: false, alternatives: alts, at: later }, 'collectingTime')
    expect(t.effects).toEqual([
      {
        kind: 'ask',
        text: 'Sorry, tomorrow at 10 AM is taken. I can offer 9:30 AM, 10:30 AM or on Wednesday, December 2 at 9 AM. Which would suit you?',
        need: ['time'],
      },
    ])
    // the caller picks one by its time, even the one on another day
    expect(step(def, t, input({ time: '9 AM' }), 'checking').effects[0]).toMatchObject({ startsAt: at('2026-12-02', '09:00') })
    expect(step(def, t, input({ time: '10:30' }), 'checking').effects[0]).toMatchObject({ startsAt: at('2026-12-01', '10:30') })
    expect(def.describe(t.snapshot, later).pending?.ask).toBe('I can offer 9:30 AM, 10:30 AM or on Wednesday, December 2 at 9 AM. Which would suit you?')
  })
  test('taken with nothing nearby', () => {
    expect(says(step(def, c, { type: 'availability', free: false, alternatives: [], at: later }, 'collectingTime').effects)).toEqual([
      'Sorry, tomorrow at 10 AM is taken. What time would suit you?',
    ])
  })
  test('calendar error → failed', () => {
    expect(step(def, c, { type: 'domain_error', reason: 'db down', at: later }, 'failed').effects).toEqual([
      { kind: 'say', text: "Sorry, I couldn't check the calendar just now. Please try again in a moment." },
      { kind: 'failed', reason: 'db down' },
    ])
  })
  test('cancel', () => {
    step(def, c, def.cancelEvent(later), 'cancelled')
  })
  test('input while the check is out is not taken', () => {
    ignored(def, c, input({ time: '11 AM' }))
  })
})

describe('book_appointment: confirming', () => {
  const f = toConfirming()
  test('yes → book', () => {
    expect(step(def, f, input({ confirm: true }), 'booking').effects).toEqual([{ kind: 'book', startsAt: tomorrow10, minutes: 30 }])
  })
  test('yes, repeating the same time → book', () => {
    step(def, f, input({ confirm: true, time: '10 AM' }), 'booking')
  })
  test('yes after the slot passed (a call resumed the next day) → the time again', () => {
    const t = step(def, f, input({ confirm: true }, at('2026-12-01', '11:00')), 'collectingTime')
    expect(says(t.effects)).toEqual(['That time has passed in the meantime. What time would suit you?'])
  })
  test('a different time → checked again', () => {
    expect(step(def, f, input({ time: '11 AM' }), 'checking').effects[0]).toMatchObject({ startsAt: at('2026-12-01', '11:00') })
    step(def, f, input({ confirm: true, time: '11 AM' }), 'checking')
  })
  test('a different day keeps the time', () => {
    expect(step(def, f, input({ date: 'wednesday' }), 'checking').effects[0]).toMatchObject({ startsAt: at('2026-12-02', '10:00') })
  })
  test('a bad time or a closed day → asked again', () => {
    step(def, f, input({ time: '8 pm' }), 'collectingTime')
    step(def, f, input({ date: 'sunday' }), 'collectingDate')
  })
  test('no → another time', () => {
    const t = step(def, f, input({ confirm: false }), 'collectingTime')
    expect(says(t.effects)).toEqual(['No problem. What time would suit you?'])
    expect(t.snapshot.context.slot.date).toBe('2026-12-01')
  })
  test('nothing usable → the question again', () => {
    expect(step(def, f, input({}), 'confirming').effects).toEqual([{ kind: 'ask', text: 'Book for tomorrow at 10 AM?', need: ['confirm'] }])
  })
  test('cancel', () => {
    step(def, f, def.cancelEvent(later), 'cancelled')
  })
})

describe('book_appointment: booking', () => {
  const b = step(def, toConfirming(), input({ confirm: true }), 'booking')
  test('taken in the meantime (a race) → alternatives', () => {
    const t = step(def, b, { type: 'slot_taken', alternatives: [at('2026-12-01', '11:00')], at: later }, 'collectingTime')
    expect(says(t.effects)).toEqual(['Sorry, tomorrow at 10 AM is taken. I can offer 11 AM. Which would suit you?'])
    expect(t.snapshot.context.slot.startsAt).toBeNull()
  })
  test('error → failed', () => {
    expect(step(def, b, { type: 'domain_error', reason: 'x', at: later }, 'failed').effects[1]).toEqual({ kind: 'failed', reason: 'x' })
  })
  test('cancel while the booking is out → withdrawn, and undone if it lands', () => {
    const w = step(def, b, def.cancelEvent(later), 'withdrawing')
    expect(says(w.effects)).toEqual(["Okay, I've cancelled that booking request."])
    expect(def.describe(w.snapshot, later).status).toBe('cancelled')
    expect(step(def, w, { type: 'booked', appointmentId: 'A9', at: later }, 'cancelled').effects).toEqual([
      { kind: 'cancel_appointment', appointmentId: 'A9' },
    ])
    expect(step(def, w, { type: 'slot_taken', alternatives: [], at: later }, 'cancelled').effects).toEqual([])
    expect(step(def, w, { type: 'domain_error', reason: 'x', at: later }, 'cancelled').effects).toEqual([])
    ignored(def, w, input({ confirm: true }))
  })
  test('input while booking is not taken', () => {
    ignored(def, b, input({ confirm: true }))
  })
})

describe('book_appointment: final states and descriptions', () => {
  test('final states handle nothing', () => {
    const done = step(def, step(def, toConfirming(), input({ confirm: true }), 'booking'), { type: 'booked', appointmentId: 'A', at: later }, 'booked')
    ignored(def, done, def.cancelEvent(later))
    ignored(def, step(def, start(def, {}), def.cancelEvent(later), 'cancelled'), input({ date: 'tomorrow' }))
    const failed = step(def, start(def, { date: 'tomorrow', time: '10' }), { type: 'domain_error', reason: 'x', at: later }, 'failed')
    ignored(def, failed, def.cancelEvent(later))
    expect(def.describe(failed.snapshot, later)).toEqual({ summary: 'booking an appointment for tomorrow at 10 AM', status: 'failed' })
  })
  test('the summary says only what is known, relative to the time of asking', () => {
    expect(def.describe(initial(def, {}).snapshot, NOW)).toEqual({ summary: 'booking an appointment', status: 'open' })
    expect(def.describe(start(def, {}).snapshot, NOW)).toEqual({
      summary: 'booking an appointment',
      status: 'open',
      pending: { ask: 'What day would you like?', need: ['date'] },
    })
    const t = start(def, { date: 'on friday' })
    expect(def.describe(t.snapshot, NOW)).toEqual({
      summary: 'booking an appointment for Friday, December 4',
      status: 'open',
      pending: { ask: 'What time would you like?', need: ['time'] },
    })
    expect(def.describe(t.snapshot, at('2026-12-03', '12:00')).summary).toBe('booking an appointment for tomorrow')
    // the time said before the day is part of the summary once the day is known
    expect(def.describe(start(def, { date: 'tomorrow', time: '10' }).snapshot, NOW)).toEqual({
      summary: 'booking an appointment for tomorrow at 10 AM',
      status: 'open',
    })
    expect(def.describe(start(def, {}).snapshot, NOW).status).toBe('open')
    expect(def.describe(step(def, start(def, {}), def.cancelEvent(later), 'cancelled').snapshot, later).status).toBe('cancelled')
  })
})

describe("book_appointment: the caller's name, for the calendar entry only", () => {
  test('given with the first words or with the yes, it goes with the booking and is never said back', () => {
    const early = start(def, { date: 'tomorrow', name: '  Anna   Müller ' })
    const c = step(def, early, input({ time: '10 AM' }), 'checking')
    const f = step(def, c, { type: 'availability', free: true, alternatives: [], at: later }, 'confirming')
    const b = step(def, f, input({ confirm: true }), 'booking')
    expect(b.effects).toEqual([{ kind: 'book', startsAt: tomorrow10, minutes: 30, callerName: 'Anna Müller' }])
    for (const e of [...early.effects, ...c.effects, ...f.effects]) expect(JSON.stringify(e)).not.toContain('Anna')

    const late = step(def, toConfirming(), input({ confirm: true, name: "José O'Neil-Peña" }), 'booking')
    expect(late.effects).toEqual([{ kind: 'book', startsAt: tomorrow10, minutes: 30, callerName: "José O'Neil-Peña" }])
    // Without one, the booking carries none.
    expect(step(def, toConfirming(), input({ confirm: true }), 'booking').effects).toEqual([{ kind: 'book', startsAt: tomorrow10, minutes: 30 }])
  })
})
