/**
 * Failures stay inside their call (issue 13 item 12), at the runtime: two calls' runtimes share one store; a store
 * failure injected into one call's checkpoint, on the task-timer path and on a tool call, is caught, logged and
 * counted; that call's task is unchanged (the step was not saved), nothing rejects unhandled, and the other call's
 * task runs its timer and finishes.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Type } from '@sinclair/typebox'
import { parseBusinessHours } from '../config/business-hours'
import { memoryLogger } from '../ops/log'
import { Store } from '../store/store'
import type { TaskUpdate } from '../call/task-port'
import { machine } from '../fsm/fsm'
import { AtSchema, type Effect } from './effects'
import { createTaskRegistry, defineTask, type TaskStateMeta } from './task-definition'
import { createCallRow, runtimeDeps } from './runtime-test-kit'
import { TaskRuntime } from './runtime'

const hours = (() => {
  const r = parseBusinessHours('Mon-Sun 08:00-20:00')
  if (!r.ok) throw new Error(r.error)
  return r.hours
})()

/** A task that only waits for its timer: start → waiting (timer in 30 ms) → timeout → done. */
type Ctx = Record<string, never>
const Event = Type.Union([
  Type.Object({ type: Type.Literal('start'), at: AtSchema }),
  Type.Object({ type: Type.Literal('timeout'), id: Type.String(), at: AtSchema }),
  Type.Object({ type: Type.Literal('cancel'), at: AtSchema }),
])
type Ev = { type: 'start'; at: number } | { type: 'timeout'; id: string; at: number } | { type: 'cancel'; at: number }
const reminderMachine = machine<Ctx, Ev, Effect, TaskStateMeta<Ctx>>()({
  id: 'reminder',
  version: 1,
  initial: 'idle',
  states: {
    idle: { meta: { status: 'open' }, on: { start: { target: 'waiting', effects: (_c, e) => [{ kind: 'timer', id: 'wait', at: e.at + 30 }] } } },
    waiting: {
      meta: { status: 'open' },
      on: {
        timeout: { target: 'done', effects: () => [{ kind: 'say', text: 'Time is up.' }, { kind: 'done', summary: 'reminded' }] },
        cancel: { target: 'cancelled' },
      },
    },
    done: { final: true, meta: { status: 'done' } },
    cancelled: { final: true, meta: { status: 'cancelled' } },
  },
})
const reminder = defineTask<'idle' | 'waiting' | 'done' | 'cancelled', Ctx, Ev>({
  kind: 'start_reminder',
  title: 'a reminder',
  noun: 'reminder',
  description: 'test task with a timer',
  startArgs: Type.Object({}, { additionalProperties: false }),
  inputArgs: Type.Object({}, { additionalProperties: false }),
  machine: reminderMachine,
  contextSchema: Type.Object({}),
  eventSchema: Event,
  start: (_args, env) => ({ context: {}, event: { type: 'start', at: env.now } }),
  input: (_f, now) => ({ type: 'cancel', at: now }),
  cancelEvent: (now) => ({ type: 'cancel', at: now }),
  summary: () => 'a reminder',
})

const rejections: unknown[] = []
const onRejection = (r: unknown) => rejections.push(r)
beforeAll(() => process.on('unhandledRejection', onRejection))
afterAll(() => process.off('unhandledRejection', onRejection))

test('a store failure on one call’s timer step and tool call is contained; the other call’s timer completes', async () => {
  const store = await Store.open(':memory:')
  const registry = createTaskRegistry([reminder])
  const calls = await Promise.all(['call-a', 'call-b'].map(async (callId) => {
    await createCallRow(store, callId)
    const updates: TaskUpdate[] = []
    const failures: string[] = []
    const { log, lines } = memoryLogger('debug')
    const rt = new TaskRuntime(runtimeDeps(store, callId, { registry, log, hours, onUpdate: (u) => updates.push(u), onFailure: (where) => failures.push(where) }))
    return { callId, rt, updates, failures, lines }
  }))
  const [a, b] = calls as [(typeof calls)[0], (typeof calls)[0]]
  const started = await Promise.all(calls.map((c) => c.rt.call('start_reminder', '{}')))
  for (const s of started) expect(JSON.parse(s)).toMatchObject({ status: 'working' })

  // From now on every checkpoint of call A fails, as a broken disk or a lost database connection would.
  const commit = store.tasks.commit.bind(store.tasks)
  store.tasks.commit = ((c: Parameters<typeof commit>[0], durable: boolean) => {
    if (c.callId === a.callId) return Promise.reject(new Error('injected store failure'))
    return commit(c, durable)
  }) as typeof store.tasks.commit

  await Bun.sleep(300)
  // B's timer fired and its task finished; A's timer step failed, was recorded, and changed nothing.
  expect(b.updates).toHaveLength(1)
  expect(b.updates[0]?.say?.text).toContain('Time is up.')
  expect(b.rt.openTasks()).toHaveLength(0)
  expect(b.failures).toEqual([])
  expect(a.failures).toEqual(['task-step'])
  expect(a.lines.some((l) => l.includes('task.step_failed') && l.includes('injected store failure'))).toBe(true)
  expect(a.rt.openTasks()).toHaveLength(1)
  const rowA = (await store.tasks.openForCall(a.callId))[0]
  expect(rowA?.state).toBe('waiting')

  // A tool call on the broken call answers with an honest error output instead of rejecting.
  const cancel = JSON.parse(await a.rt.call('task_cancel', JSON.stringify({ task_id: rowA?.id })))
  expect(cancel).toMatchObject({ error: 'task_failed' })
  expect(a.failures).toEqual(['task-step', 'task-step'])
  await Bun.sleep(20)
  expect(rejections).toEqual([])
  await store.close()
})
