import { describe, expect, test } from 'bun:test'
import { initialSnapshot, isFinal, machine, stateMeta, transition } from './fsm'

type Ctx = { opens: number; log: string[] }
type Ev = { type: 'open'; by: string } | { type: 'close' } | { type: 'lock'; at: number } | { type: 'timeout'; id: string }
type Fx = { kind: 'say'; text: string } | { kind: 'timer'; id: string; at: number } | { kind: 'cancel_timer'; id: string }

const door = machine<Ctx, Ev, Fx>()({
  id: 'door',
  version: 1,
  initial: 'shut',
  states: {
    shut: {
      on: {
        open: [
          { target: 'shut', guard: (c) => c.opens >= 2, effects: () => [{ kind: 'say', text: 'worn out' }] },
          {
            target: 'open',
            assign: (c, e) => ({ opens: c.opens + 1, log: [...c.log, e.by] }),
            // effects see the context after assign
            effects: (c, e) => [{ kind: 'say', text: `${e.by} #${c.opens}` }],
          },
        ],
        lock: { target: 'locked' },
      },
    },
    open: {
      on: {
        close: { target: 'shut' },
        // an auto-close deadline is an effect, armed and fired by the runtime
        lock: { target: 'closing', effects: (_c, e) => [{ kind: 'timer', id: 'auto', at: e.at + 5000 }] },
      },
    },
    closing: { on: { timeout: { target: 'shut', guard: (_c, e) => e.id === 'auto' }, close: { target: 'shut', effects: () => [{ kind: 'cancel_timer', id: 'auto' }] } } },
    locked: { final: true },
  },
})

const s0 = initialSnapshot(door, { opens: 0, log: [] })

describe('transition', () => {
  test('the initial snapshot is plain JSON', () => {
    expect(s0).toEqual({ machine: 'door', version: 1, state: 'shut', context: { opens: 0, log: [] }, seq: 0 })
    expect(JSON.parse(JSON.stringify(s0))).toEqual(s0)
  })
  test('assign, then effects from the new context; seq counts handled events', () => {
    const r = transition(door, s0, { type: 'open', by: 'ann' })
    expect(r).toEqual({
      snapshot: { machine: 'door', version: 1, state: 'open', context: { opens: 1, log: ['ann'] }, seq: 1 },
      effects: [{ kind: 'say', text: 'ann #1' }],
      handled: true,
    })
    expect(s0.context.opens).toBe(0) // the input snapshot is untouched
  })
  test('the first transition whose guard passes wins', () => {
    const worn = { ...s0, context: { opens: 2, log: [] } }
    const r = transition(door, worn, { type: 'open', by: 'bo' })
    expect(r.snapshot.state).toBe('shut')
    expect(r.snapshot.seq).toBe(1)
    expect(r.effects).toEqual([{ kind: 'say', text: 'worn out' }])
  })
  test('no entry for the event: reported, snapshot unchanged', () => {
    const r = transition(door, s0, { type: 'close' })
    expect(r).toEqual({ snapshot: s0, effects: [], handled: false })
    expect(r.snapshot).toBe(s0)
  })
  test('no passing guard: reported, not thrown', () => {
    const closing = transition(door, transition(door, s0, { type: 'open', by: 'a' }).snapshot, { type: 'lock', at: 1000 })
    expect(closing.effects).toEqual([{ kind: 'timer', id: 'auto', at: 6000 }])
    expect(transition(door, closing.snapshot, { type: 'timeout', id: 'other' }).handled).toBe(false)
    expect(transition(door, closing.snapshot, { type: 'timeout', id: 'auto' }).snapshot.state).toBe('shut')
    expect(transition(door, closing.snapshot, { type: 'close' }).effects).toEqual([{ kind: 'cancel_timer', id: 'auto' }])
  })
  test('a final state handles nothing', () => {
    const locked = transition(door, s0, { type: 'lock', at: 0 }).snapshot
    expect(isFinal(door, locked.state)).toBe(true)
    expect(isFinal(door, 'shut')).toBe(false)
    expect(transition(door, locked, { type: 'open', by: 'x' })).toEqual({ snapshot: locked, effects: [], handled: false })
  })
  test('a state not in the table (a corrupted snapshot cast past the checks) is unhandled, not a crash', () => {
    const bad = { ...s0, state: 'gone' as 'shut' }
    expect(transition(door, bad, { type: 'close' }).handled).toBe(false)
  })
})

describe('lookups use own properties only', () => {
  // Events arrive from outside (tool calls, persisted journals): a type that names an Object.prototype member must be
  // an ordinary unknown event, neither a crash (calling a prototype function as a transition) nor a mutation.
  const hostile = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']
  test.each(hostile)('event type %p is unhandled and changes nothing', (type) => {
    const before = JSON.stringify(s0)
    const r = transition(door, s0, { type } as unknown as Ev)
    expect(r).toEqual({ snapshot: s0, effects: [], handled: false })
    expect(JSON.stringify(s0)).toBe(before)
    expect(Object.getPrototypeOf(door.states.shut.on)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
  test.each(hostile)('a snapshot in state %p is unhandled, not a crash', (state) => {
    const bad = { ...s0, state: state as 'shut' }
    expect(transition(door, bad, { type: 'close' }).handled).toBe(false)
    expect(isFinal(door, bad.state)).toBe(false)
    expect(stateMeta(door, bad.state)).toBeUndefined()
  })
  test('a non-string event type is unhandled', () => {
    expect(transition(door, s0, { type: 42 } as unknown as Ev).handled).toBe(false)
  })
})

describe('per-state metadata', () => {
  type Light = { type: 'flip' }
  const lamp = machine<{ flips: number }, Light, never, { readonly lit: boolean; label?(c: { flips: number }): string }>()({
    id: 'lamp',
    version: 1,
    initial: 'off',
    states: {
      off: { meta: { lit: false }, on: { flip: { target: 'on', assign: (c) => ({ flips: c.flips + 1 }) } } },
      on: { meta: { lit: true, label: (c) => `on after ${c.flips} flips` }, on: { flip: { target: 'off' } } },
    },
  })
  test('the table says what each state is; the caller reads it instead of switching over names', () => {
    const off = initialSnapshot(lamp, { flips: 0 })
    const on = transition(lamp, off, { type: 'flip' }).snapshot
    expect(stateMeta(lamp, off.state)).toEqual({ lit: false })
    expect(stateMeta(lamp, on.state)?.lit).toBe(true)
    expect(stateMeta(lamp, on.state)?.label?.(on.context)).toBe('on after 1 flips')
  })
  test('a machine without metadata has none', () => {
    expect(stateMeta(door, 'shut')).toBeUndefined()
  })
})
