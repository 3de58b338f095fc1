import { describe, expect, test } from 'bun:test'
import { at, ignored, initial, NOW, says, start, step } from '../task-test-kit'
import { cancelAppointment as def, type CancelEvent } from './cancel-appointment'

const later = NOW + 60_000
const A = { id: 'A', startsAt: at('2026-12-01', '10:00'), minutes: 30 }
const B = { id: 'B', startsAt: at('2026-12-04', '14:00'), minutes: 30 }
const PAST = { id: 'P', startsAt: at('2026-11-27', '10:00'), minutes: 30 }
const list = (...l: (typeof A)[]): CancelEvent => ({ type: 'appointments', list: l, at: later })
const input = (f: { date?: string; time?: string; confirm?: boolean }) => def.input(f, later)

describe('cancel_appointment', () => {
  test('idle: start looks the appointments up; cancel ends it', () => {
    const r = start(def, { date: 'tomorrow' })
    expect(r.snapshot.state).toBe('finding')
    expect(r.effects).toEqual([{ kind: 'find_appointments' }])
    expect(r.snapshot.context.hint).toEqual({ date: 'tomorrow', time: null })
    expect(says(step(def, initial(def, {}), def.cancelEvent(NOW), 'kept').effects)).toEqual(["Okay, I won't cancel anything."])
  })

  describe('finding', () => {
    const f = start(def, {})
    test('none upcoming (past ones do not count) → failed', () => {
      expect(step(def, f, list(PAST), 'failed').effects).toEqual([
        { kind: 'say', text: "I couldn't find any upcoming appointments for your number." },
        { kind: 'failed', reason: 'no upcoming appointments' },
      ])
    })
    test('one → confirm it', () => {
      expect(step(def, f, list(A, PAST), 'confirming').effects).toEqual([{ kind: 'ask', text: 'Cancel your appointment tomorrow at 10 AM?', need: ['confirm'] }])
    })
    test('several, and the start said which → confirm that one', () => {
      const r = step(def, start(def, { date: 'friday' }), list(A, B), 'confirming')
      expect(says(r.effects)).toEqual(['Cancel your appointment on Friday, December 4 at 2 PM?'])
    })
    test('several → which one', () => {
      expect(step(def, f, list(B, A), 'choosing').effects).toEqual([
        {
          kind: 'ask',
          text: 'You have appointments tomorrow at 10 AM and on Friday, December 4 at 2 PM. Which one should I cancel?',
          need: ['date', 'time'],
        },
      ])
    })
    test('several, and the start named none of them → which one, saying so', () => {
      expect(says(step(def, start(def, { date: 'wednesday' }), list(A, B), 'choosing').effects)).toEqual([
        "I couldn't find an appointment then. You have appointments tomorrow at 10 AM and on Friday, December 4 at 2 PM. Which one should I cancel?",
      ])
    })
    test('lookup error → failed; cancel', () => {
      expect(step(def, f, { type: 'domain_error', reason: 'x', at: later }, 'failed').effects[1]).toEqual({ kind: 'failed', reason: 'x' })
      step(def, f, def.cancelEvent(later), 'kept')
      ignored(def, f, input({ confirm: true }))
    })
  })

  describe('choosing', () => {
    const c = step(def, start(def, {}), list(A, B), 'choosing')
    test('by day or by time → confirm', () => {
      expect(says(step(def, c, input({ date: 'tomorrow' }), 'confirming').effects)).toEqual(['Cancel your appointment tomorrow at 10 AM?'])
      expect(step(def, c, input({ time: '2 pm' }), 'confirming').snapshot.context.chosen).toEqual(B)
    })
    test('no match → asked again, saying so', () => {
      expect(says(step(def, c, input({ date: 'monday' }), 'choosing').effects)[0]).toStartWith("I couldn't find an appointment then.")
    })
    test('nothing said → asked again', () => {
      expect(says(step(def, c, input({ confirm: true }), 'choosing').effects)[0]).toStartWith('You have appointments')
      expect(def.describe(c.snapshot, later).pending?.need).toEqual(['date', 'time'])
    })
    test('cancel', () => {
      step(def, c, def.cancelEvent(later), 'kept')
    })
  })

  describe('confirming', () => {
    const one = step(def, start(def, {}), list(A), 'confirming')
    const two = step(def, step(def, start(def, {}), list(A, B), 'choosing'), input({ date: 'tomorrow' }), 'confirming')
    test('yes → cancel it', () => {
      expect(step(def, one, input({ confirm: true }), 'cancelling').effects).toEqual([{ kind: 'cancel_appointment', appointmentId: 'A' }])
    })
    test('naming the other appointment switches to it', () => {
      const r = step(def, two, input({ date: 'friday' }), 'confirming')
      expect(says(r.effects)).toEqual(['Cancel your appointment on Friday, December 4 at 2 PM?'])
      expect(step(def, r, input({ confirm: true }), 'cancelling').effects).toEqual([{ kind: 'cancel_appointment', appointmentId: 'B' }])
    })
    test('no, with several → which one', () => {
      const r = step(def, two, input({ confirm: false }), 'choosing')
      expect(r.snapshot.context.chosen).toBeNull()
    })
    test('no, with one → kept', () => {
      expect(says(step(def, one, input({ confirm: false }), 'kept').effects)).toEqual(['Okay, your appointment stays as it is.'])
    })
    test('nothing usable → asked again; cancel', () => {
      expect(says(step(def, one, input({}), 'confirming').effects)).toEqual(['Cancel your appointment tomorrow at 10 AM?'])
      step(def, one, def.cancelEvent(later), 'kept')
    })
  })

  describe('cancelling', () => {
    const c = step(def, step(def, start(def, {}), list(A), 'confirming'), input({ confirm: true }), 'cancelling')
    test('cancelled → say and done', () => {
      const r = step(def, c, { type: 'appointment_cancelled', at: later }, 'cancelled')
      expect(r.effects).toEqual([
        { kind: 'say', text: 'Your appointment tomorrow at 10 AM is cancelled.' },
        { kind: 'done', summary: 'Your appointment tomorrow at 10 AM has been cancelled' },
      ])
      ignored(def, r, def.cancelEvent(later))
    })
    test('error → failed', () => {
      expect(says(step(def, c, { type: 'domain_error', reason: 'gone', at: later }, 'failed').effects)).toEqual([
        "Sorry, I couldn't cancel that appointment just now. Please try again in a moment.",
      ])
    })
    test('the cancellation is out: a late cancel or input is not taken', () => {
      ignored(def, c, def.cancelEvent(later))
      ignored(def, c, input({ confirm: false }))
    })
  })

  test('describe', () => {
    const f = start(def, {})
    expect(def.describe(f.snapshot, NOW)).toEqual({ summary: 'cancelling an appointment', status: 'open' })
    const c = step(def, f, list(A), 'confirming')
    expect(def.describe(c.snapshot, later)).toEqual({
      summary: 'cancelling your appointment tomorrow at 10 AM',
      status: 'open',
      pending: { ask: 'Cancel your appointment tomorrow at 10 AM?', need: ['confirm'] },
    })
    const done = step(def, step(def, c, input({ confirm: true }), 'cancelling'), { type: 'appointment_cancelled', at: later }, 'cancelled')
    expect(def.describe(done.snapshot, later).status).toBe('done')
    expect(def.describe(step(def, c, input({ confirm: false }), 'kept').snapshot, later).status).toBe('cancelled')
    expect(def.describe(step(def, f, list(), 'failed').snapshot, later).status).toBe('failed')
  })
})
