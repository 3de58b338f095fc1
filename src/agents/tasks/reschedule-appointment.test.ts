import { describe, expect, test } from 'bun:test'
import { at, ignored, initial, NOW, says, start, step } from '../task-test-kit'
import { rescheduleAppointment as def, type RescheduleEvent } from './reschedule-appointment'

const later = NOW + 60_000
const A = { id: 'A', startsAt: at('2026-12-01', '10:00'), minutes: 30 }
const B = { id: 'B', startsAt: at('2026-12-04', '14:00'), minutes: 30 }
const list = (...l: (typeof A)[]): RescheduleEvent => ({ type: 'appointments', list: l, at: later })
const input = (f: { date?: string; time?: string; confirm?: boolean }, now = later) => def.input(f, now)
const free: RescheduleEvent = { type: 'availability', free: true, alternatives: [], at: later }
const wed11 = at('2026-12-02', '11:00')

/** One appointment (tomorrow at 10), moved to Wednesday at 11, waiting for the yes. */
function toConfirming() {
  const c = step(def, start(def, { date: 'wednesday', time: '11 AM' }), list(A), 'checking')
  return step(def, c, free, 'confirming')
}

describe('reschedule_appointment', () => {
  test('idle: start looks up; cancel', () => {
    const r = start(def, { current_date: 'tomorrow', date: 'friday' })
    expect(r.snapshot.state).toBe('finding')
    expect(r.effects).toEqual([{ kind: 'find_appointments' }])
    expect(r.snapshot.context.wanted).toEqual({ date: 'friday', time: null })
    expect(says(step(def, initial(def, {}), def.cancelEvent(NOW), 'kept').effects)).toEqual(["Okay, I'll leave your appointment as it is."])
  })

  describe('finding', () => {
    test('none → failed', () => {
      expect(step(def, start(def, {}), list(), 'failed').effects[1]).toEqual({ kind: 'failed', reason: 'no upcoming appointments' })
    })
    test('one, nothing else said → what day', () => {
      expect(step(def, start(def, {}), list(A), 'collectingDate').effects).toEqual([
        { kind: 'ask', text: 'Your appointment is tomorrow at 10 AM. What day would you like to move it to?', need: ['date'] },
      ])
    })
    test('one, new day said at the start → what time', () => {
      expect(says(step(def, start(def, { date: 'friday' }), list(A), 'collectingTime').effects)).toEqual([
        'Your appointment is tomorrow at 10 AM. What time would you like?',
      ])
    })
    test('one, new day and time said → checked at once', () => {
      expect(step(def, start(def, { date: 'wednesday', time: '11 AM' }), list(A), 'checking').effects).toEqual([
        { kind: 'check_availability', startsAt: wed11, minutes: 30 },
      ])
    })
    test('several, the start said which → that one', () => {
      const r = step(def, start(def, { current_date: 'friday' }), list(A, B), 'collectingDate')
      expect(r.snapshot.context.chosen).toEqual(B)
    })
    test('several → which one (saying so when the hint matched none)', () => {
      expect(says(step(def, start(def, {}), list(A, B), 'choosing').effects)).toEqual([
        'You have appointments tomorrow at 10 AM and on Friday, December 4 at 2 PM. Which one should I move?',
      ])
      expect(says(step(def, start(def, { current_date: 'monday' }), list(A, B), 'choosing').effects)[0]).toStartWith(
        "I couldn't find an appointment then.",
      )
    })
    test('error → failed; cancel', () => {
      step(def, start(def, {}), { type: 'domain_error', reason: 'x', at: later }, 'failed')
      step(def, start(def, {}), def.cancelEvent(later), 'kept')
    })
  })

  describe('choosing', () => {
    const c = step(def, start(def, {}), list(A, B), 'choosing')
    const cw = step(def, start(def, { date: 'wednesday', time: '11' }), list(A, B), 'choosing')
    const cd = step(def, start(def, { date: 'wednesday' }), list(A, B), 'choosing')
    test('picked → the new slot questions, using what was said at the start', () => {
      expect(step(def, c, input({ date: 'friday' }), 'collectingDate').snapshot.context.chosen).toEqual(B)
      expect(step(def, cd, input({ time: '10 AM' }), 'collectingTime').snapshot.context.wanted).toEqual({ date: null, time: null })
      expect(step(def, cw, input({ date: 'tomorrow' }), 'checking').effects[0]).toMatchObject({ startsAt: wed11 })
    })
    test('no match → asked again; nothing said → asked again; cancel', () => {
      step(def, c, input({ date: 'monday' }), 'choosing')
      step(def, c, input({}), 'choosing')
      step(def, c, def.cancelEvent(later), 'kept')
    })
  })

  describe('collecting the new slot', () => {
    const d = step(def, start(def, {}), list(A), 'collectingDate')
    const t = step(def, d, input({ date: 'wednesday' }), 'collectingTime')
    test('collectingDate: day and time → check; day → time; bad → again; nothing → again; cancel', () => {
      step(def, d, input({ date: 'wednesday', time: '11' }), 'checking')
      step(def, d, input({ date: 'sunday' }), 'collectingDate')
      expect(says(step(def, d, input({}), 'collectingDate').effects)).toEqual(['What day would you like to move it to?'])
      step(def, d, def.cancelEvent(later), 'kept')
    })
    test('collectingTime: time → check; bad → again; nothing → again; cancel', () => {
      step(def, t, input({ time: '11' }), 'checking')
      step(def, t, input({ time: '7 pm' }), 'collectingTime')
      expect(says(step(def, t, input({}), 'collectingTime').effects)).toEqual(['What time would you like?'])
      step(def, t, def.cancelEvent(later), 'kept')
    })
    test('the slot it already has is refused', () => {
      expect(says(step(def, d, input({ date: 'tomorrow', time: '10 AM' }), 'collectingTime').effects)).toEqual([
        "That's already when your appointment is. What time would suit you?",
      ])
    })
  })

  describe('checking', () => {
    const c = step(def, start(def, { date: 'wednesday', time: '11 AM' }), list(A), 'checking')
    test('free → confirm, naming both', () => {
      expect(step(def, c, free, 'confirming').effects).toEqual([
        { kind: 'ask', text: 'Move your appointment from tomorrow at 10 AM to Wednesday, December 2 at 11 AM?', need: ['confirm'] },
      ])
    })
    test('taken → alternatives', () => {
      const r = step(def, c, { type: 'availability', free: false, alternatives: [at('2026-12-02', '11:30')], at: later }, 'collectingTime')
      expect(says(r.effects)).toEqual(['Sorry, Wednesday, December 2 at 11 AM is taken. I can offer 11:30 AM. Which would suit you?'])
    })
    test('error → failed; cancel; input ignored', () => {
      step(def, c, { type: 'domain_error', reason: 'x', at: later }, 'failed')
      step(def, c, def.cancelEvent(later), 'kept')
      ignored(def, c, input({ time: '1 pm' }))
    })
  })

  describe('confirming', () => {
    const f = toConfirming()
    test('yes → move', () => {
      expect(step(def, f, input({ confirm: true }), 'moving').effects).toEqual([
        { kind: 'move_appointment', appointmentId: 'A', startsAt: wed11, minutes: 30 },
      ])
    })
    test('yes after the slot passed → the time again', () => {
      expect(says(step(def, f, input({ confirm: true }, at('2026-12-02', '12:00')), 'collectingTime').effects)).toEqual([
        'That time has passed in the meantime. What time would suit you?',
      ])
    })
    test('another time → checked; no → another time; nothing → again; cancel', () => {
      step(def, f, input({ time: '1 pm' }), 'checking')
      step(def, f, input({ time: '9 pm' }), 'collectingTime')
      step(def, f, input({ date: 'sunday' }), 'collectingDate')
      expect(says(step(def, f, input({ confirm: false }), 'collectingTime').effects)).toEqual(['No problem. What time would suit you?'])
      step(def, f, input({}), 'confirming')
      step(def, f, def.cancelEvent(later), 'kept')
    })
  })

  describe('moving', () => {
    const m = step(def, toConfirming(), input({ confirm: true }), 'moving')
    test('moved → say and done', () => {
      expect(step(def, m, { type: 'appointment_moved', at: later }, 'moved').effects).toEqual([
        { kind: 'say', text: 'Done. Your appointment is now on Wednesday, December 2 at 11 AM.' },
        { kind: 'done', summary: 'Your appointment has been moved to Wednesday, December 2 at 11 AM' },
      ])
    })
    test('taken in the meantime → alternatives; error → failed; no cancel while the move is out', () => {
      step(def, m, { type: 'slot_taken', alternatives: [], at: later }, 'collectingTime')
      step(def, m, { type: 'domain_error', reason: 'x', at: later }, 'failed')
      ignored(def, m, def.cancelEvent(later))
    })
  })

  test('describe', () => {
    expect(def.describe(start(def, {}).snapshot, NOW)).toEqual({ summary: 'moving an appointment', status: 'open' })
    const f = toConfirming()
    expect(def.describe(f.snapshot, later)).toEqual({
      summary: 'moving your appointment tomorrow at 10 AM to Wednesday, December 2 at 11 AM',
      status: 'open',
      pending: { ask: 'Move your appointment from tomorrow at 10 AM to Wednesday, December 2 at 11 AM?', need: ['confirm'] },
    })
    const c = step(def, start(def, {}), list(A, B), 'choosing')
    expect(def.describe(c.snapshot, later).pending?.need).toEqual(['date', 'time'])
    const d = step(def, start(def, {}), list(A), 'collectingDate')
    expect(def.describe(d.snapshot, later).pending).toEqual({ ask: 'What day would you like to move it to?', need: ['date'] })
    const t = step(def, d, input({ date: 'friday' }), 'collectingTime')
    expect(def.describe(t.snapshot, later).pending).toEqual({ ask: 'What time would you like?', need: ['time'] })
    const m = step(def, step(def, f, input({ confirm: true }), 'moving'), { type: 'appointment_moved', at: later }, 'moved')
    expect(def.describe(m.snapshot, later).status).toBe('done')
    expect(def.describe(step(def, f, def.cancelEvent(later), 'kept').snapshot, later).status).toBe('cancelled')
    expect(def.describe(step(def, start(def, {}), list(), 'failed').snapshot, later).status).toBe('failed')
  })
})
