/**
 * The task runtime while the store is unavailable (SQLite busy here; the real PostgreSQL outage is
 * test/cluster/database-outage.test.ts): a step is acknowledged only once committed — the tool call is answered
 * "one moment", the caller is offered a text after the bounded wait, the step commits in order once the store is
 * back and its result follows as an update; a task finishing after the call ended texts its result from its own
 * transaction; a retry after a commit that went through but reported a failure does not write the step twice.
 */
import { expect, test } from 'bun:test'
import { Store } from '../store/store'
import type { TaskUpdate } from '../call/task-port'
import { WriteQueue } from '../store/write-queue'
import { TaskRuntime } from './runtime'
import { createCallRow, runtimeDeps } from './runtime-test-kit'

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
const json = (s: string) => JSON.parse(s) as Record<string, unknown>

async function setup() {
  const store = await Store.open(':memory:')
  await createCallRow(store, 'call-1')
  const updates: TaskUpdate[] = []
  const outage = { down: false, commits: 0, afterCommit: false }
  const commit = store.tasks.commit.bind(store.tasks)
  store.tasks.commit = (async (step: Parameters<typeof commit>[0], durable: boolean) => {
    if (outage.down) throw busy()
    await commit(step, durable)
    outage.commits++
    // The commit went through but the answer was lost (the connection died after COMMIT).
    if (outage.afterCommit) {
      outage.afterCommit = false
      throw busy()
    }
  }) as typeof store.tasks.commit
  const rt = new TaskRuntime(
    runtimeDeps(store, 'call-1', {
      writes: new WriteQueue({ policy: { firstMs: 5, maxMs: 20, factor: 2 } }),
      storeWaitMs: 400,
      onUpdate: (u) => updates.push(u),
      settleMs: 100,
    }),
  )
  const id = json(await rt.call('book_appointment', '{"date":"tomorrow"}')).task_id as string
  expect(json(await rt.call('task_input', JSON.stringify({ task_id: id, time: '10 AM' })))).toMatchObject({ need: ['confirm'] })
  return { rt, store, updates, outage, id }
}

const until = async (what: string, p: () => boolean) => {
  for (let i = 0; i < 500 && !p(); i++) await Bun.sleep(10)
  if (!p()) throw new Error(`timed out waiting for ${what}`)
}

test('store unavailable at the confirmation: "one moment", the offer after the bounded wait, then booked in order', async () => {
  const { rt, store, updates, outage, id } = await setup()
  const before = (await store.tasks.journal(id)).length
  outage.down = true
  const answer = json(await rt.call('task_input', JSON.stringify({ task_id: id, confirm: true })))
  expect(answer).toMatchObject({ task_id: id, status: 'saving', say: "One moment, please, I'm saving that." })
  expect(String(answer.note)).toContain('Do not tell the caller it is done')
  await until('the offer', () => updates.length > 0)
  expect(updates[0]?.say?.text).toContain("we'll text you as soon as it's saved")
  expect(json(updates[0]?.output ?? '{}')).toMatchObject({ status: 'saving' })
  // Nothing acknowledged, nothing saved.
  expect(await store.tasks.journal(id)).toHaveLength(before)
  expect(await store.appointments.upcomingFor('+14155550123', 0)).toHaveLength(0)
  outage.down = false
  await until('the result', () => updates.length > 1)
  expect(updates[1]?.say?.text).toBe('Appointment booked for tomorrow at 10 AM.')
  expect(await store.appointments.upcomingFor('+14155550123', 0)).toHaveLength(1)
  const journal = await store.tasks.journal(id)
  expect(journal.map((j) => j.seq)).toEqual(journal.map((_, i) => i + 1))
  expect(journal.slice(before).map((j) => (j.event as { type: string }).type)).toEqual(['input', 'booked'])
  // On the line, the caller is told: no text.
  expect(await store.sql.all(`SELECT id FROM outbox WHERE kind = 'sms'`)).toEqual([])
})

test('the call ends during the outage: the steps still commit when the store is back, and the result is texted once', async () => {
  const { rt, store, updates, outage, id } = await setup()
  outage.down = true
  expect(json(await rt.call('task_input', JSON.stringify({ task_id: id, confirm: true })))).toMatchObject({ status: 'saving' })
  rt.stop()
  let settled = false
  const settling = rt.settle(50).then(() => (settled = true))
  await Bun.sleep(300)
  // settle keeps waiting while the store is away: the call's outcome must see where the task ends.
  expect(settled).toBe(false)
  outage.down = false
  await settling
  expect(await store.tasks.get(id)).toMatchObject({ status: 'done' })
  const sms = await store.sql.all(`SELECT idem_key, payload FROM outbox WHERE kind = 'sms'`)
  expect(sms).toHaveLength(1)
  expect(String(sms[0]?.payload)).toContain('sorry for the wait on our call. Appointment booked for tomorrow at 10 AM.')
  expect(updates).toEqual([])
})

test('a commit that went through but reported a failure is found on the retry, not written twice', async () => {
  const { rt, store, outage, id } = await setup()
  const seq = (await store.tasks.get(id))?.seq ?? 0
  outage.afterCommit = true
  const answer = json(await rt.call('task_input', JSON.stringify({ task_id: id, confirm: true })))
  expect(answer).toMatchObject({ status: 'done', say: 'Appointment booked for tomorrow at 10 AM.' })
  const journal = await store.tasks.journal(id)
  expect(journal.map((j) => j.seq)).toEqual(journal.map((_, i) => i + 1))
  expect(await store.tasks.get(id)).toMatchObject({ seq: seq + 2, status: 'done' })
  expect(await store.appointments.upcomingFor('+14155550123', 0)).toHaveLength(1)
})
