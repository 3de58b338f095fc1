/**
 * @module agents/task-definition
 * The contract every task implements: one file per task holds its machine, its schemas and its definition, and the
 * registry lists them. The runtime only ever sees `AnyTaskDefinition`, so adding a task touches no call-path code.
 */
import type { TSchema } from '@sinclair/typebox'
import type { WeekHours } from '../config/business-hours'
import type { Business, DeclaredTask } from '../config/business/business'
import type { Effect } from './effects'
import { stateMeta, type EventBase, type Machine, type Snapshot } from '../fsm/fsm'
import type { Migrations } from '../fsm/snapshot'

/** What a task may read when it starts; it copies what it needs into its context. */
export type TaskEnv = {
  readonly now: number
  readonly tz: string
  readonly hours: WeekHours
  readonly slotMinutes: number
  /** The call's business (services, staff, exceptions, booking rules) when it comes from a business file. */
  readonly business?: Business
  /** The caller's number (E.164) when the phone leg knows it. */
  readonly caller?: string
}

export type TaskStatus = 'open' | 'done' | 'failed' | 'cancelled'

export type PendingQuestion = { readonly ask: string; readonly need: readonly string[] }

/**
 * What each state of a task's table declares about itself: whether the task is still open, and the question the
 * state waits on (rebuilt from the context, so a resumed call re-asks it without the stale reason).
 */
export type TaskStateMeta<C> = {
  readonly status: TaskStatus
  /** Method syntax keeps `C` bivariant, so a concrete task erases to `TaskStateMeta<unknown>`. */
  pending?(ctx: Readonly<C>, now: number): PendingQuestion
}

export type TaskMachine<S extends string, C, E extends EventBase> = Machine<S, C, E, Effect, TaskStateMeta<C>>

export type TaskDescription = {
  /** 'booking an appointment for tomorrow at 10 AM': only what is known; follows 'We were …' on resume. */
  readonly summary: string
  /** The question the task is waiting on, re-asked on resume; absent while it waits for the runtime. */
  readonly pending?: PendingQuestion
  readonly status: TaskStatus
}

export interface TaskDefinition<S extends string, C, E extends EventBase> {
  /** The start tool's name, e.g. 'book_appointment'. */
  readonly kind: string
  /** 'booking an appointment' (used in 'We were booking an appointment …'). */
  readonly title: string
  /** What the drop SMS calls the request: 'Your appointment request was saved.' */
  readonly noun: string
  /** True for tasks that only inform (availability): their result is not repeated in the call's closing line. */
  readonly informational?: boolean
  /** A task declared in the business file: where and how its `webhook` effect submits. */
  readonly declared?: DeclaredTask
  /** Tool description shown to the model. */
  readonly description: string
  /** TypeBox schema of the start tool's arguments. */
  readonly startArgs: TSchema
  /** TypeBox schema of the fields this task accepts through the generic task_input tool. */
  readonly inputArgs: TSchema
  readonly machine: TaskMachine<S, C, E>
  readonly contextSchema: TSchema
  readonly eventSchema: TSchema
  readonly migrations?: Migrations
  /** Initial context and the first event (already validated `args`); the runtime runs that event at once. */
  start(args: unknown, env: TaskEnv): { context: C; event: E }
  /** Turns task_input fields (already validated against `inputArgs`) into an event. */
  input(fields: unknown, now: number): E
  cancelEvent(now: number): E
  /** 'booking an appointment for tomorrow at 10 AM': only what is known. */
  summary(snapshot: Snapshot<S, C>, now: number): string
  /**
   * The caller's own words this task keeps (a left message, a name), by field. They are data: the bot never says them
   * on its own and they never go into instructions — the runtime refuses a line of this task that contains one — and
   * the model gets them quoted in the tool output while the task waits for the caller to confirm them.
   */
  callerWords?(context: C): Readonly<Record<string, string | null>>
  /** The summary plus the state's metadata (built by `defineTask` from the table, never written by hand). */
  describe(snapshot: Snapshot<S, C>, now: number): TaskDescription
}

/**
 * A definition with its types erased, as the registry and the runtime hold it. Method syntax in `TaskDefinition` and in
 * the engine's `Transition` keeps parameters bivariant, which is what lets every concrete task be assigned to this.
 */
export type AnyTaskDefinition = TaskDefinition<string, unknown, EventBase>

/**
 * `export const myTask = defineTask({ … })` checks the definition against its machine and adds `describe`, which reads
 * the status and the pending question from the state's metadata in the table.
 */
export function defineTask<S extends string, C, E extends EventBase>(def: Omit<TaskDefinition<S, C, E>, 'describe'>): TaskDefinition<S, C, E> {
  return { ...def, describe: (snapshot, now) => describeTask(def.machine, def.summary(snapshot, now), snapshot, now) }
}

export function describeTask<S extends string, C, E extends EventBase>(m: TaskMachine<S, C, E>, summary: string, snapshot: Snapshot<S, C>, now: number): TaskDescription {
  const meta = stateMeta(m, snapshot.state)
  // A restored snapshot's state was checked against the table, so a missing node is a bug: report it as failed.
  if (meta === undefined) return { summary, status: 'failed' }
  const pending = meta.pending?.(snapshot.context, now)
  return { summary, status: meta.status, ...(pending ? { pending } : {}) }
}

export type TaskRegistry = {
  readonly tasks: readonly AnyTaskDefinition[]
  get(kind: string): AnyTaskDefinition | undefined
}

/** Throws on a duplicate kind or machine id: that is a programming error, found at boot. */
export function createTaskRegistry(tasks: readonly AnyTaskDefinition[]): TaskRegistry {
  const byKind = new Map<string, AnyTaskDefinition>()
  const ids = new Set<string>()
  for (const t of tasks) {
    if (byKind.has(t.kind)) throw new Error(`duplicate task kind ${JSON.stringify(t.kind)}`)
    if (ids.has(t.machine.id)) throw new Error(`duplicate machine id ${JSON.stringify(t.machine.id)}`)
    byKind.set(t.kind, t)
    ids.add(t.machine.id)
  }
  return { tasks, get: (kind) => byKind.get(kind) }
}
