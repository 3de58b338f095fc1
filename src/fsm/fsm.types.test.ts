/**
 * @module fsm/fsm.types.test
 * Compile-time guarantees of the engine, checked by `tsc --noEmit`: each `@ts-expect-error` line must be an error,
 * otherwise tsc reports the directive as unused. The runtime test only keeps `bun test` from rejecting an empty file.
 */
import { expect, test } from 'bun:test'
import { machine } from './fsm'

type Ctx = { attempts: number; phone?: string }
type Ev = { type: 'phone.given'; phone: string } | { type: 'confirm'; at: number }

const ok = machine<Ctx, Ev, string>()({
  id: 'types',
  version: 1,
  initial: 'collecting',
  states: {
    collecting: {
      on: {
        'phone.given': [
          { target: 'confirming', guard: (_c, e) => e.phone.startsWith('+'), assign: (c, e) => ({ ...c, phone: e.phone }) },
          { target: 'collecting', assign: (c) => ({ ...c, attempts: c.attempts + 1 }), effects: () => ['Sorry, which number?'] },
        ],
      },
    },
    confirming: { on: { confirm: { target: 'done', effects: (c, e) => [`${c.phone ?? ''} at ${e.at}`] } } },
    done: { final: true },
  },
})

machine<Ctx, Ev, string>()({
  id: 'typo',
  version: 1,
  initial: 'a',
  states: {
    // @ts-expect-error a misspelt target is not one of the state names
    a: { on: { confirm: { target: 'bb' } } },
    b: {},
  },
})

machine<Ctx, Ev, string>()({
  id: 'unknown-event',
  version: 1,
  initial: 'a',
  states: {
    // @ts-expect-error 'hangup' is not an event type of this machine
    a: { on: { hangup: { target: 'a' } } },
  },
})

machine<Ctx, Ev, string>()({
  id: 'narrowing',
  version: 1,
  initial: 'a',
  states: {
    a: {
      on: {
        // @ts-expect-error `phone` belongs to 'phone.given', not to the narrowed 'confirm' event
        confirm: { target: 'a', guard: (_c, e) => e.phone.length > 0 },
      },
    },
  },
})

machine<Ctx, Ev, string>()({
  id: 'assign',
  version: 1,
  initial: 'a',
  states: {
    a: {
      on: {
        // @ts-expect-error assign must return the context type (attempts is a number)
        confirm: { target: 'a', assign: (c) => ({ ...c, attempts: 'many' }) },
      },
    },
  },
})

machine<Ctx, Ev, string>()({
  id: 'initial',
  version: 1,
  // @ts-expect-error the initial state must be one of the state names
  initial: 'nowhere',
  states: { a: {} },
})

type Meta = { readonly label: string }

machine<Ctx, Ev, string, Meta>()({
  id: 'meta-required',
  version: 1,
  initial: 'a',
  states: {
    a: { meta: { label: 'A' } },
    // @ts-expect-error with a metadata type, every state declares its meta
    b: {},
  },
})

machine<Ctx, Ev, string>()({
  id: 'meta-forbidden',
  version: 1,
  initial: 'a',
  // @ts-expect-error without a metadata type, a state carries none
  states: { a: { meta: { label: 'A' } } },
})

test('the well-typed machine is a plain table', () => {
  expect(Object.keys(ok.states)).toEqual(['collecting', 'confirming', 'done'])
})
