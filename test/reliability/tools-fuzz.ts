/**
 * @module test/reliability/tools-fuzz
 * Tool calls as a confused or hostile model could make them (fast-check arbitraries over every tool: plausible
 * arguments, text that is not JSON, JSON of any shape, wrong types, big strings, deep nesting, real and made-up task
 * ids) and the check of one call through a fresh task runtime on an in-memory store. Shared by the fuzz test and the
 * soak.
 */
import fc from 'fast-check'
import { TaskRuntime } from '../../src/agents/runtime'
import { runtimeDeps } from '../../src/agents/runtime-test-kit'
import { defaultRegistry } from '../../src/agents/tasks/registry'
import { parseBusinessHours } from '../../src/config/business-hours'
import { createLogger } from '../../src/ops/log'
import { Store } from '../../src/store/store'
import { rowCounts } from './kit'

const registry = defaultRegistry()
const START_TOOLS = registry.tasks.map((t) => t.kind)
const TOOLS = [...START_TOOLS, 'task_input', 'task_cancel', 'resume_task', 'end_call', 'transfer_call', '', 'book_appointment ', '__proto__', 'constructor']
export const FIELDS = ['date', 'time', 'confirm', 'name', 'message', 'callback_number', 'current_date', 'current_time', 'task_id', 'choice', 'appointment_id', '__proto__']
const NOW = Date.UTC(2026, 0, 12, 9, 0) // a Monday, 09:00 UTC
const HOURS = (() => {
  const r = parseBusinessHours('Mon-Sun 08:00-20:00')
  if (!r.ok) throw new Error(r.error)
  return r.hours
})()

export async function runtime(): Promise<{ rt: TaskRuntime; store: Store }> {
  const store = await Store.open(':memory:')
  await store.calls.create({ id: 'call-fz', conversationId: 'conv-fz', direction: 'inbound', caller: '+14155550400', botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: NOW })
  const rt = new TaskRuntime(runtimeDeps(store, 'call-fz', { caller: '+14155550400', registry, log: createLogger({ level: 'silent' }), now: () => NOW, hours: HOURS }))
  return { rt, store }
}

const REAL = '__REAL_TASK__'

export const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('tomorrow', '10 AM', 'yes', 'continue', 'start_over', 'next Tuesday at half past two', '25:99', '', ' ', 'Anne', '+14155550123'),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('v'), { maxKeys: 4 }),
  ),
})).v

const words = fc.oneof(fc.constantFrom('tomorrow', 'Friday', 'next Tuesday', '10 AM', 'half past two', '7 PM', 'midnight', 'December 3', 'Anne', 'call me back', '+14155550123', ''), fc.string({ maxLength: 20 }))
const FIELD_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  confirm: fc.oneof(fc.boolean(), fc.constant('yes')),
  choice: fc.constantFrom('continue', 'start_over', 'maybe'),
  task_id: fc.constantFrom(REAL, REAL, 'T1-zzzz'),
}

/** The fields a tool takes, so that plausible arguments often get past its schema and into the task. */
function ownFields(name: string): string[] {
  const props = (s: unknown) => Object.keys((s as { properties?: object }).properties ?? {})
  const def = registry.get(name)
  if (def) return props(def.startArgs)
  if (name === 'task_input') return ['task_id', ...new Set(registry.tasks.flatMap((t) => props(t.inputArgs)))]
  if (name === 'task_cancel') return ['task_id']
  if (name === 'resume_task') return ['task_id', 'choice']
  return FIELDS
}

/** Objects a model would plausibly send to `name`: its own fields, mostly the right types, arbitrary words. */
const plausible = (name: string) =>
  fc.record(Object.fromEntries(ownFields(name).filter((k) => k !== '__proto__').map((k) => [k, Object.hasOwn(FIELD_VALUES, k) ? (FIELD_VALUES[k] ?? words) : words])), { requiredKeys: [] }).map((o) => JSON.stringify(o))

/** Argument texts: plausible ones, not JSON, JSON of any shape, plausible objects with wrong values, big and deep ones. */
const argsJson = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    plausible(name),
    plausible(name),
    plausible(name),
    fc.string({ maxLength: 60 }),
    value.map((v) => JSON.stringify(v) ?? ''),
    fc
      .tuple(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 }), fc.constantFrom(REAL, REAL, 'T99-nope', '', 42))
      .map(([o, id]) => JSON.stringify({ ...o, task_id: id })),
    fc.tuple(fc.constantFrom(...FIELDS), fc.integer({ min: 1000, max: 20_000 })).map(([k, n]) => JSON.stringify({ [k]: 'ten am '.repeat(n / 7) })),
    fc.integer({ min: 10, max: 5000 }).map((d) => `{"date":${'['.repeat(d)}"tomorrow"${']'.repeat(d)}}`),
    fc.constantFrom('{}', '[]', 'null', '"tomorrow"', '{"date":"tomorrow"', '{"date":"tomorrow"}}', '\u0000', '{"__proto__":{"date":"tomorrow"}}'),
  )

export async function checkToolCall(name: string, template: string, withTask: boolean): Promise<boolean> {
  const { rt, store } = await runtime()
  try {
    // Half the runs have a live task to aim task_input / task_cancel / resume_task at.
    let args = template
    if (withTask) {
      const started = JSON.parse(await rt.call('book_appointment', '{"date":"tomorrow"}')) as { task_id: string }
      args = template.replaceAll(REAL, started.task_id)
    }
    const before = await rowCounts(store.sql)
    let output: string
    try {
      output = await rt.call(name, args)
    } catch (err) {
      throw new Error(`${name}(${args.slice(0, 80)}) threw: ${String(err)}`)
    }
    const parsed: unknown = JSON.parse(output)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`not a JSON object: ${output.slice(0, 200)}`)
    const o = parsed as { error?: unknown; message?: unknown; task_id?: unknown; status?: unknown }
    const after = await rowCounts(store.sql)
    if (o.error !== undefined) {
      if (typeof o.message !== 'string' || o.message.length < 10) throw new Error(`refusal without a helpful message: ${output.slice(0, 200)}`)
      if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`${name} refused but persisted: ${JSON.stringify(before)} → ${JSON.stringify(after)}`)
    } else if (START_TOOLS.includes(name)) {
      if (after.tasks !== (before.tasks ?? 0) + 1) throw new Error(`${name} accepted (${output.slice(0, 120)}) but tasks ${before.tasks} → ${after.tasks}`)
    }
    return true
  } finally {
    rt.stop()
    await store.close()
  }
}

/** A tool, its arguments and whether a live task exists to aim them at. */
export const toolCases: fc.Arbitrary<[[string, string], boolean]> = fc.tuple(
  fc.constantFrom(...TOOLS).chain((name) => fc.tuple(fc.constant(name), argsJson(name))),
  fc.boolean(),
)
