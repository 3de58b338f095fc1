/**
 * Tool arguments as a confused (or hostile) model could send them, through the task runtime the call session uses
 * (`TaskRuntime.call(name, argsJson)` on an in-memory store), fast-check with a fixed seed: every tool, random text,
 * random JSON shapes, the right field names with the wrong types, big strings, deep nesting, real and made-up
 * task ids. Proves: the answer is always a JSON object string (never a throw or a rejection); a refusal carries an
 * `error` and a helpful `message`; a refused call persists nothing (not a task, not a journal line, not an effect);
 * an accepted start persists exactly one task.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { rowCounts } from './kit'
import { checkToolCall, FIELDS, runtime, toolCases, value } from './tools-fuzz'

describe('tool arguments through the task runtime', () => {
  test('any tool, any arguments: a JSON answer, a helpful refusal, nothing persisted when refused', async () => {
    await fc.assert(
      fc.asyncProperty(toolCases, ([[name, args], withTask]) => checkToolCall(name, args, withTask)),
      { seed: 31_337, numRuns: 400 },
    )
  }, 60_000)

  test('task_input aimed at the live task with random fields never throws and refuses what the task does not take', async () => {
    const { rt, store } = await runtime()
    try {
      const started = JSON.parse(await rt.call('book_appointment', '{"date":"tomorrow"}')) as { task_id: string }
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 4 }), async (fields) => {
          const before = await rowCounts(store.sql)
          const output = await rt.call('task_input', JSON.stringify({ ...fields, task_id: started.task_id }))
          const o = JSON.parse(output) as { error?: unknown; message?: unknown }
          if (o.error !== undefined) {
            expect(typeof o.message).toBe('string')
            expect(await rowCounts(store.sql)).toEqual(before)
          }
          return true
        }),
        { seed: 99, numRuns: 200 },
      )
      // The task is still in a state of its machine afterwards.
      const row = (await store.tasks.get(started.task_id))
      expect(row).toBeDefined()
      expect(['collectingTime', 'collectingDate', 'confirming', 'booked', 'cancelled', 'failed']).toContain(row?.state ?? '')
    } finally {
      rt.stop()
      await store.close()
    }
  }, 60_000)
})
