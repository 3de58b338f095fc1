import { describe, expect, test } from 'bun:test'
import { applyTaskEvent, cancelTask, inputTask, restoreTask, startTask } from './task-steps'
import { createTaskRegistry, type AnyTaskDefinition } from './task-definition'
import { at, ENV, NOW } from './task-test-kit'
import { bookAppointment } from './tasks/book-appointment'
import { DEFAULT_TASKS, defaultRegistry } from './tasks/registry'

describe('task steps (what the runtime calls)', () => {
  test('start: validates the arguments, returns the initial snapshot, the start event and its effects', () => {
    const r = startTask(bookAppointment, { date: 'tomorrow' }, ENV)
    if (!r.ok || r.initial === undefined) throw new Error('did not start')
    expect(r.initial).toMatchObject({ machine: 'book_appointment', version: 1, state: 'idle', seq: 0 })
    expect(r.event as unknown).toEqual({ type: 'start', at: NOW, date: 'tomorrow' })
    expect(r.snapshot.state).toBe('collectingTime')
    expect(r.effects).toEqual([{ kind: 'ask', text: 'What time would you like?', need: ['time'] }])
    expect(startTask(bookAppointment, { date: 3 }, ENV)).toEqual({ ok: false, error: 'bad book_appointment arguments: /date: Expected string' })
    expect(startTask(bookAppointment, { when: 'now' }, ENV).ok).toBe(false)
  })
  test('input: validated against the task’s own fields', () => {
    const r = startTask(bookAppointment, { date: 'tomorrow' }, ENV)
    if (!r.ok) throw new Error(r.error)
    const next = inputTask(bookAppointment, r.snapshot, { time: '10 AM' }, NOW + 1)
    expect(next).toMatchObject({ ok: true, handled: true, event: { type: 'input', at: NOW + 1, time: '10 AM' } })
    expect(inputTask(bookAppointment, r.snapshot, { confirm: 'yes' }, NOW + 1).ok).toBe(false)
    expect(inputTask(bookAppointment, r.snapshot, { email: 'ann@example.com' }, NOW + 1).ok).toBe(false)
  })
  test('result events: checked against the event schema; unhandled ones reported', () => {
    const r = startTask(bookAppointment, { date: 'tomorrow', time: '10' }, ENV)
    if (!r.ok) throw new Error(r.error)
    expect(applyTaskEvent(bookAppointment, r.snapshot, { type: 'availability', free: 'yes', at: NOW })).toMatchObject({ ok: false })
    expect(applyTaskEvent(bookAppointment, r.snapshot, { type: 'appointments', list: [], at: NOW })).toMatchObject({ ok: false })
    expect(applyTaskEvent(bookAppointment, r.snapshot, { type: 'booked', appointmentId: 'A', at: NOW })).toMatchObject({ ok: true, handled: false })
    const ok = applyTaskEvent(bookAppointment, r.snapshot, { type: 'availability', free: true, alternatives: [], at: NOW })
    expect(ok).toMatchObject({ ok: true, handled: true, effects: [{ kind: 'ask', text: 'Book for tomorrow at 10 AM?' }] })
  })
  test('cancel and restore', () => {
    const r = startTask(bookAppointment, {}, ENV)
    if (!r.ok) throw new Error(r.error)
    const c = cancelTask(bookAppointment, r.snapshot, NOW)
    expect(c).toMatchObject({ ok: true, handled: true, snapshot: { state: 'cancelled' } })
    expect(restoreTask(bookAppointment, JSON.parse(JSON.stringify(r.snapshot)))).toEqual({ ok: true, snapshot: r.snapshot })
    expect(restoreTask(bookAppointment, { ...r.snapshot, context: { settings: {} } }).ok).toBe(false)
  })
  test('a snapshot resumed the next day describes itself relative to that day', () => {
    const r = startTask(bookAppointment, { date: 'tomorrow', time: '10' }, ENV)
    if (!r.ok) throw new Error(r.error)
    const f = applyTaskEvent(bookAppointment, r.snapshot, { type: 'availability', free: true, alternatives: [], at: NOW })
    if (!f.ok) throw new Error(f.error)
    const restored = restoreTask(bookAppointment, JSON.parse(JSON.stringify(f.snapshot)))
    if (!restored.ok) throw new Error(restored.error)
    const erased: AnyTaskDefinition = bookAppointment
    expect(erased.describe(restored.snapshot, at('2026-12-01', '08:00'))).toEqual({
      summary: 'booking an appointment for today at 10 AM',
      status: 'open',
      pending: { ask: 'Book for today at 10 AM?', need: ['confirm'] },
    })
  })
})

describe('registry', () => {
  test('the default tasks, by kind', () => {
    const r = defaultRegistry()
    expect(r.tasks.map((t) => t.kind)).toEqual(['book_appointment', 'cancel_appointment', 'reschedule_appointment', 'check_availability', 'leave_message'])
    expect(r.get('leave_message')?.title).toBe('taking a message')
    expect(r.get('nope')).toBeUndefined()
  })
  test('every task is well formed: tool schemas are JSON Schema objects, kind = machine id, a start is handled', () => {
    for (const t of DEFAULT_TASKS) {
      expect(t.machine.id).toBe(t.kind)
      expect(JSON.parse(JSON.stringify(t.startArgs))).toMatchObject({ type: 'object' })
      expect(JSON.parse(JSON.stringify(t.inputArgs))).toMatchObject({ type: 'object' })
      expect(t.description.length).toBeGreaterThan(20)
      const start = startTask(t, t.kind === 'check_availability' ? { date: 'tomorrow' } : {}, ENV)
      expect(start).toMatchObject({ ok: true, handled: true })
    }
  })
  test('duplicate kinds are refused at boot', () => {
    expect(() => createTaskRegistry([bookAppointment, bookAppointment])).toThrow('duplicate task kind "book_appointment"')
  })
})
