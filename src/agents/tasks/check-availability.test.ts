import { describe, expect, test } from 'bun:test'
import { at, ignored, initial, NOW, says, start, step } from '../task-test-kit'
import { checkAvailability as def, type AvailabilityEvent } from './check-availability'

const later = NOW + 60_000
const input = (f: { date?: string; time?: string }) => def.input(f, later)
const answer = (free: boolean, alternatives: number[] = []): AvailabilityEvent => ({ type: 'availability', free, alternatives, at: later })

describe('check_availability: a time', () => {
  const c = start(def, { date: 'tomorrow', time: '10 AM' })
  test('start with a time checks that slot', () => {
    expect(c.snapshot.state).toBe('checkingSlot')
    expect(c.effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-12-01', '10:00'), minutes: 30 }])
    expect(def.describe(c.snapshot, NOW)).toEqual({ summary: 'checking availability for tomorrow at 10 AM', status: 'open' })
  })
  test('free', () => {
    const r = step(def, c, answer(true), 'answered')
    expect(r.effects).toEqual([
      { kind: 'say', text: '10 AM tomorrow is available.' },
      { kind: 'done', summary: '10 AM tomorrow is available' },
    ])
    expect(def.describe(r.snapshot, later)).toEqual({ summary: 'checking availability for tomorrow at 10 AM', status: 'done' })
    ignored(def, r, def.cancelEvent(later))
  })
  test('taken, with and without alternatives', () => {
    expect(says(step(def, c, answer(false, [at('2026-12-01', '10:30'), at('2026-12-01', '09:30')]), 'answered').effects)).toEqual([
      '10 AM tomorrow is taken; the nearest free times are 9:30 AM and 10:30 AM.',
    ])
    expect(says(step(def, c, answer(false, [at('2026-12-02', '09:00')]), 'answered').effects)).toEqual([
      '10 AM tomorrow is taken; the nearest free time is on Wednesday, December 2 at 9 AM.',
    ])
    expect(says(step(def, c, answer(false), 'answered').effects)).toEqual(['10 AM tomorrow is taken, and nothing nearby is free.'])
  })
  test('error → failed; cancel; input ignored', () => {
    const f = step(def, c, { type: 'domain_error', reason: 'x', at: later }, 'failed')
    expect(f.effects[1]).toEqual({ kind: 'failed', reason: 'x' })
    expect(def.describe(f.snapshot, later).status).toBe('failed')
    const x = step(def, c, def.cancelEvent(later), 'cancelled')
    expect(says(x.effects)).toEqual(["Okay, I've stopped checking."])
    expect(def.describe(x.snapshot, later).status).toBe('cancelled')
    ignored(def, c, input({ time: '11' }))
  })
})

describe('check_availability: a day', () => {
  const d = start(def, { date: 'tomorrow' })
  test('start with a day checks its first slot', () => {
    expect(d.snapshot.state).toBe('checkingDay')
    expect(d.effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-12-01', '09:00'), minutes: 30 }])
    expect(def.describe(d.snapshot, NOW).summary).toBe('checking availability for tomorrow')
  })
  test("today's first slot is the next one ahead", () => {
    expect(start(def, { date: 'today' }).effects).toEqual([{ kind: 'check_availability', startsAt: at('2026-11-30', '09:30'), minutes: 30 }])
  })
  test('free: the first slot and the next free ones that day', () => {
    const alts = [at('2026-12-01', '09:30'), at('2026-12-01', '10:30'), at('2026-12-01', '11:00')]
    expect(step(def, d, answer(true, alts), 'answered').effects).toEqual([
      { kind: 'say', text: 'Tomorrow I have 9 AM, 9:30 AM and 10:30 AM free.' },
      { kind: 'done', summary: 'Tomorrow I have 9 AM, 9:30 AM and 10:30 AM free' },
    ])
  })
  test('first slot taken: the free ones that day', () => {
    expect(says(step(def, d, answer(false, [at('2026-12-01', '15:00'), at('2026-12-02', '09:00')]), 'answered').effects)).toEqual([
      'Tomorrow I have 3 PM free.',
    ])
  })
  test('fully booked: the next free time, or nothing', () => {
    expect(says(step(def, d, answer(false, [at('2026-12-02', '09:00')]), 'answered').effects)).toEqual([
      'Tomorrow is fully booked; the next free time is on Wednesday, December 2 at 9 AM.',
    ])
    expect(says(step(def, d, answer(false), 'answered').effects)).toEqual(['Tomorrow is fully booked.'])
  })
  test('error → failed; cancel', () => {
    step(def, d, { type: 'domain_error', reason: 'x', at: later }, 'failed')
    step(def, d, def.cancelEvent(later), 'cancelled')
  })
})

describe('check_availability: asking again', () => {
  test('a closed day → which other day; then a day → checked', () => {
    const r = start(def, { date: 'sunday' })
    expect(r.snapshot.state).toBe('collectingDate')
    expect(r.effects).toEqual([{ kind: 'ask', text: "We're closed on Sundays. Which other day would suit you?", need: ['date'] }])
    expect(def.describe(r.snapshot, NOW).pending).toEqual({ ask: 'Which day would you like me to check?', need: ['date'] })
    step(def, r, input({ date: 'monday' }), 'checkingDay')
    step(def, r, input({ date: 'monday', time: '10' }), 'checkingSlot')
    step(def, r, input({ date: 'gibberish' }), 'collectingDate')
    expect(says(step(def, r, input({}), 'collectingDate').effects)).toEqual(['Which day would you like me to check?'])
    step(def, r, def.cancelEvent(later), 'cancelled')
  })
  test('a time outside hours → the hours, and the time again', () => {
    const r = start(def, { date: 'tomorrow', time: '8 pm' })
    expect(r.snapshot.state).toBe('collectingTime')
    expect(says(r.effects)).toEqual(["On Tuesdays we're open from 9 AM to 5 PM. What time would suit you?"])
    expect(def.describe(r.snapshot, NOW).pending).toEqual({ ask: 'What time would you like?', need: ['time'] })
    step(def, r, input({ time: '4 pm' }), 'checkingSlot')
    step(def, r, input({ time: 'later' }), 'collectingTime')
    step(def, r, input({}), 'collectingTime')
    step(def, r, def.cancelEvent(later), 'cancelled')
  })
  test('cancel before the start', () => {
    step(def, initial(def, { date: 'tomorrow' }), def.cancelEvent(NOW), 'cancelled')
  })
})
