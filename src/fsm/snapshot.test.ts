import { describe, expect, test } from 'bun:test'
import { Type } from '@sinclair/typebox'
import { initialSnapshot, machine, transition, type Snapshot } from './fsm'
import { restoreSnapshot } from './snapshot'

const Ctx = Type.Object({ count: Type.Integer(), name: Type.String() })
type Ctx = { count: number; name: string }
type Ev = { type: 'inc' }

const counter = machine<Ctx, Ev, never>()({
  id: 'counter',
  version: 3,
  initial: 'counting',
  states: { counting: { on: { inc: { target: 'counting', assign: (c) => ({ ...c, count: c.count + 1 }) } } }, stopped: { final: true } },
})

// v1 had `n`; v2 renamed it to `count`; v3 added `name`.
const migrations = {
  1: (s: Snapshot): Snapshot => {
    const { n, ...rest } = s.context as { n: number }
    return { ...s, context: { ...rest, count: n } }
  },
  2: (s: Snapshot): Snapshot => ({ ...s, context: { ...(s.context as object), name: 'unnamed' } }),
}

describe('restoreSnapshot', () => {
  test('a snapshot round-trips through JSON', () => {
    const s = transition(counter, initialSnapshot(counter, { count: 0, name: 'a' }), { type: 'inc' }).snapshot
    expect(restoreSnapshot(counter, JSON.parse(JSON.stringify(s)), Ctx)).toEqual({ ok: true, snapshot: s })
  })
  test('older versions are migrated in order, and the version is set by the engine', () => {
    const v1 = { machine: 'counter', version: 1, state: 'counting', context: { n: 4 }, seq: 7 }
    expect(restoreSnapshot(counter, v1, Ctx, migrations)).toEqual({
      ok: true,
      snapshot: { machine: 'counter', version: 3, state: 'counting', context: { count: 4, name: 'unnamed' }, seq: 7 },
    })
  })
  test.each([
    ['not an object', 'hello', 'not a snapshot'],
    ['missing fields', { machine: 'counter' }, 'not a snapshot'],
    ['negative seq', { machine: 'counter', version: 3, state: 'counting', context: {}, seq: -1 }, 'not a snapshot'],
    ['another machine', { machine: 'door', version: 3, state: 'counting', context: { count: 1, name: 'x' }, seq: 0 }, 'snapshot of machine "door"'],
    ['a newer version', { machine: 'counter', version: 4, state: 'counting', context: { count: 1, name: 'x' }, seq: 0 }, 'newer'],
    ['a missing migration', { machine: 'counter', version: 1, state: 'counting', context: { n: 1 }, seq: 0 }, 'no migration from version 1'],
    ['an unknown state', { machine: 'counter', version: 3, state: 'paused', context: { count: 1, name: 'x' }, seq: 0 }, 'unknown state "paused"'],
    ['a state inherited from Object', { machine: 'counter', version: 3, state: 'toString', context: { count: 1, name: 'x' }, seq: 0 }, 'unknown state'],
    ['a bad context', { machine: 'counter', version: 3, state: 'counting', context: { count: 'one', name: 'x' }, seq: 0 }, 'bad context: /count'],
  ] as const)('refuses %s', (_label, json, error) => {
    const r = restoreSnapshot(counter, json, Ctx, _label === 'a missing migration' ? {} : migrations)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(error)
  })
  test('a throwing or broken migration is an error, not a throw', () => {
    const v2 = { machine: 'counter', version: 2, state: 'counting', context: { count: 1 }, seq: 0 }
    const boom = restoreSnapshot(counter, v2, Ctx, { 2: () => { throw new Error('boom') } })
    expect(boom).toEqual({ ok: false, error: 'migration from version 2 failed: boom' })
    const broken = restoreSnapshot(counter, v2, Ctx, { 2: (s) => ({ ...s, seq: -5 }) })
    expect(broken).toEqual({ ok: false, error: 'migration from version 2 produced a bad snapshot' })
  })
})
