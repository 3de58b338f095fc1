/**
 * @module agents/task-steps
 * The runtime's four moves on a task, type-erased and validated: start it from tool arguments, feed it task_input
 * fields, feed it a result event, cancel it. Each returns the event it applied (to journal), the next snapshot and the
 * effects to execute, or an error for the model when the arguments do not fit the schema. Nothing here throws for bad
 * input, and nothing does I/O.
 */
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { Effect } from './effects'
import { initialSnapshot, transition, type EventBase, type Snapshot } from '../fsm/fsm'
import { restoreSnapshot, type RestoreResult } from '../fsm/snapshot'
import type { AnyTaskDefinition, TaskEnv } from './task-definition'

export type Step =
  | {
      readonly ok: true
      /** The event that was applied: append it to the journal (with `initial` for a start). */
      readonly event: EventBase
      readonly snapshot: Snapshot
      readonly effects: readonly Effect[]
      /** False when the task had nothing to do with the event in its current state (e.g. input while it waits). */
      readonly handled: boolean
    }
  | { readonly ok: false; readonly error: string }

export type StartStep = Step & { readonly initial?: Snapshot }

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()

function check(schema: TSchema, value: unknown): string | undefined {
  let c = compiled.get(schema)
  if (c === undefined) {
    c = TypeCompiler.Compile(schema)
    compiled.set(schema, c)
  }
  if (c.Check(value)) return undefined
  const e = c.Errors(value).First()
  return e === undefined ? 'invalid' : `${e.path || '/'}: ${e.message}`
}

function apply(def: AnyTaskDefinition, snapshot: Snapshot, event: EventBase): Step {
  const problem = check(def.eventSchema, event)
  if (problem !== undefined) return { ok: false, error: `bad ${def.kind} event: ${problem}` }
  const r = transition(def.machine, snapshot, event)
  return { ok: true, event, snapshot: r.snapshot, effects: r.effects, handled: r.handled }
}

/** Validates the start tool's arguments, builds the initial snapshot and applies the start event. */
export function startTask(def: AnyTaskDefinition, args: unknown, env: TaskEnv): StartStep {
  const problem = check(def.startArgs, args)
  if (problem !== undefined) return { ok: false, error: `bad ${def.kind} arguments: ${problem}` }
  const { context, event } = def.start(args, env)
  const initial = initialSnapshot(def.machine, context)
  const step = apply(def, initial, event)
  return step.ok ? { ...step, initial } : step
}

/** Validates task_input fields against the task's `inputArgs` and applies them. */
export function inputTask(def: AnyTaskDefinition, snapshot: Snapshot, fields: unknown, now: number): Step {
  const problem = check(def.inputArgs, fields)
  if (problem !== undefined) return { ok: false, error: `bad ${def.kind} input: ${problem}` }
  return apply(def, snapshot, def.input(fields, now))
}

/** Applies an event the runtime built (an effect's result, a timeout) after checking it against the event schema. */
export function applyTaskEvent(def: AnyTaskDefinition, snapshot: Snapshot, event: unknown): Step {
  const problem = check(def.eventSchema, event)
  if (problem !== undefined) return { ok: false, error: `bad ${def.kind} event: ${problem}` }
  return apply(def, snapshot, event as EventBase)
}

export function cancelTask(def: AnyTaskDefinition, snapshot: Snapshot, now: number): Step {
  return apply(def, snapshot, def.cancelEvent(now))
}

/** Restores a persisted snapshot of this task (shape, version and migrations, state, context schema). */
export function restoreTask(def: AnyTaskDefinition, json: unknown): RestoreResult<string, unknown> {
  return restoreSnapshot(def.machine, json, def.contextSchema, def.migrations)
}
