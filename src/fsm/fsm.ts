/**
 * @module fsm/fsm
 * The FSM engine: a machine is a transition *table* (state → event type → ordered transitions), and `transition` is a
 * pure, synchronous function from (snapshot, event) to (next snapshot, effects). Effects are plain data that a runtime
 * outside the engine executes; timers are effects too (deadlines in epoch ms), so nothing here touches a clock, a
 * socket or `setTimeout`. Snapshots are plain JSON, which is what makes a task survivable across a dropped call.
 * Each state may carry metadata of the machine's choosing (`meta`, typed by `M`): a task says per state whether it
 * is open and which question it waits on, so nothing outside the table has to switch over state names again.
 *
 * Lookups use own properties only: an event type such as `constructor` or `__proto__` is simply unhandled.
 *
 * @example
 * const door = machine<{ opens: number }, { type: 'open' } | { type: 'close' }, string>()({
 *   id: 'door', version: 1, initial: 'shut',
 *   states: {
 *     shut: { on: { open: { target: 'open', assign: (c) => ({ opens: c.opens + 1 }), effects: () => ['creak'] } } },
 *     open: { on: { close: { target: 'shut' } } },
 *   },
 * })
 * const { snapshot, effects } = transition(door, initialSnapshot(door, { opens: 0 }), { type: 'open' })
 */

export type EventBase = { readonly type: string }

/**
 * One edge of the table. Callbacks use method syntax on purpose: it keeps their parameters bivariant, so a concrete
 * machine can be stored as a type-erased `Machine<string, unknown, EventBase, X>` in a task registry.
 */
export type Transition<S extends string, C, E extends EventBase, X> = {
  /** `NoInfer`: the state names come from the keys of `states` only, so a misspelt target is a compile error. */
  readonly target: NoInfer<S>
  guard?(ctx: Readonly<C>, ev: E): boolean
  /** Pure context update; the returned value replaces the context. */
  assign?(ctx: Readonly<C>, ev: E): C
  /** Effects as data, computed from the context *after* `assign`. */
  effects?(ctx: Readonly<C>, ev: E): readonly X[]
}

/** A single transition, or an ordered list where the first one whose guard passes (or has none) wins. */
export type TransitionEntry<S extends string, C, E extends EventBase, X> =
  | Transition<S, C, E, X>
  | readonly Transition<S, C, E, X>[]

/** Per event type, the event is narrowed to its own member of the union; an unknown key is a compile error. */
export type On<S extends string, C, E extends EventBase, X> = {
  readonly [T in E['type']]?: TransitionEntry<S, C, Extract<E, { type: T }>, X>
}

/** With a metadata type, every state must declare its `meta`; without one (`M = undefined`), none may. */
export type MetaField<M> = [M] extends [undefined] ? { readonly meta?: undefined } : { readonly meta: M }

export type StateNode<S extends string, C, E extends EventBase, X, M = undefined> = {
  readonly on?: On<S, C, E, X>
  /** A final state handles no event: the task is over. */
  readonly final?: true
} & MetaField<M>

export type Machine<S extends string, C, E extends EventBase, X, M = undefined> = {
  readonly id: string
  /** Bump when the context shape or the state names change, and add a migration (see `restoreSnapshot`). */
  readonly version: number
  readonly initial: NoInfer<S>
  readonly states: { readonly [K in S]: StateNode<S, C, E, X, M> }
}

/** What gets persisted: plain JSON, behaviour lives in code. `seq` counts handled events. */
export type Snapshot<S extends string = string, C = unknown> = {
  readonly machine: string
  readonly version: number
  readonly state: S
  readonly context: C
  readonly seq: number
}

export type TransitionResult<S extends string, C, X> = {
  readonly snapshot: Snapshot<S, C>
  readonly effects: readonly X[]
  /** False when no transition matched (no entry, no passing guard, or a final state); the snapshot is then unchanged. */
  readonly handled: boolean
}

/** Curried so that C, E and X are given explicitly while the state names S are inferred from the keys of `states`. */
export const machine =
  <C, E extends EventBase, X = never, M = undefined>() =>
  <S extends string>(def: Machine<S, C, E, X, M>): Machine<S, C, E, X, M> =>
    def

export function initialSnapshot<S extends string, C, E extends EventBase, X, M>(m: Machine<S, C, E, X, M>, context: C): Snapshot<S, C> {
  return { machine: m.id, version: m.version, state: m.initial, context, seq: 0 }
}

/** The state's node, or undefined for a name the table does not define (own keys only, never `Object.prototype`). */
function nodeOf<S extends string, C, E extends EventBase, X, M>(m: Machine<S, C, E, X, M>, state: string): StateNode<S, C, E, X, M> | undefined {
  return Object.hasOwn(m.states, state) ? m.states[state as S] : undefined
}

export function isFinal<S extends string, C, E extends EventBase, X, M>(m: Machine<S, C, E, X, M>, state: S): boolean {
  return nodeOf(m, state)?.final === true
}

/** The metadata the table declares for `state` (undefined only for a state name the table does not have). */
export function stateMeta<S extends string, C, E extends EventBase, X, M>(m: Machine<S, C, E, X, M>, state: S): M | undefined {
  // Every state of a machine with metadata declares it (a compile-time rule, see `MetaField`).
  return nodeOf(m, state)?.meta as M | undefined
}

export function transition<S extends string, C, E extends EventBase, X, M>(
  m: Machine<S, C, E, X, M>,
  snap: Snapshot<S, C>,
  ev: E,
): TransitionResult<S, C, X> {
  const node = nodeOf(m, snap.state)
  if (node === undefined || node.final === true || node.on === undefined) return { snapshot: snap, effects: [], handled: false }
  // The table is keyed by event type, so the entry found for `ev.type` accepts exactly this event's member of E.
  // Own keys only: `constructor`, `__proto__` or `toString` must not find Object.prototype's members.
  const on = node.on as Partial<Record<string, TransitionEntry<S, C, E, X>>>
  const entry = typeof ev.type === 'string' && Object.hasOwn(on, ev.type) ? on[ev.type] : undefined
  const candidates: readonly Transition<S, C, E, X>[] = entry === undefined ? [] : isList(entry) ? entry : [entry]
  for (const t of candidates) {
    if (t.guard !== undefined && !t.guard(snap.context, ev)) continue
    const context = t.assign === undefined ? snap.context : t.assign(snap.context, ev)
    return {
      snapshot: { machine: snap.machine, version: snap.version, state: t.target, context, seq: snap.seq + 1 },
      effects: t.effects === undefined ? [] : t.effects(context, ev),
      handled: true,
    }
  }
  return { snapshot: snap, effects: [], handled: false }
}

function isList<S extends string, C, E extends EventBase, X>(
  entry: TransitionEntry<S, C, E, X>,
): entry is readonly Transition<S, C, E, X>[] {
  return Array.isArray(entry)
}
