/**
 * The write queue's ordering and retry logic, with the clock in the test's hands (no timers, no database): writes in
 * order one at a time, an unavailable database retried with a bounded backoff while the writes behind wait, other
 * failures alone, offered writes bounded, abandon at shutdown; the error classification for both engines; health.
 */
import { describe, expect, test } from 'bun:test'
import { backoffMs, DEFAULT_RETRY, WriteQueue, type WriteQueueState } from './write-queue'
import { isUnavailable, StoreUnavailable } from './unavailable'
import { StoreHealth } from './store-health'
import { UniqueViolation } from './sql'

/** A clock the test advances: each sleep is recorded and resolved by `tick`. */
function manualClock() {
  const sleeps: { ms: number; resolve: () => void }[] = []
  return {
    sleeps,
    sleep: (ms: number) => new Promise<void>((resolve) => sleeps.push({ ms, resolve })),
    /** Resolves the oldest pending sleep and lets the queue run. */
    async tick() {
      const s = sleeps.shift()
      if (!s) throw new Error('nobody is sleeping')
      s.resolve()
      await flush()
    },
  }
}
const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}
const down = () => Object.assign(new Error('Failed to connect'), { code: 'ERR_POSTGRES_CONNECTION_REFUSED' })

describe('backoff', () => {
  test('exponential from firstMs, capped at maxMs', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(DEFAULT_RETRY, a))).toEqual([100, 200, 400, 800, 1600, 2000, 2000])
    expect(backoffMs({ firstMs: 50, maxMs: 120, factor: 3 }, 2)).toBe(120)
  })
})

describe('WriteQueue', () => {
  test('writes run in the order they were queued, one at a time', async () => {
    const q = new WriteQueue()
    const log: string[] = []
    let running = 0
    let most = 0
    const write = (name: string, ms: number) =>
      q.run(name, async () => {
        running++
        most = Math.max(most, running)
        log.push(`start ${name}`)
        await Bun.sleep(ms)
        log.push(`end ${name}`)
        running--
        return name
      })
    const results = await Promise.all([write('a', 5), write('b', 0), write('c', 1)])
    expect(results).toEqual(['a', 'b', 'c'])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    expect(most).toBe(1)
  })

  test('an unavailable database: the head write is retried with the backoff, later writes wait, order kept', async () => {
    const clock = manualClock()
    const states: WriteQueueState[] = []
    const q = new WriteQueue({ sleep: clock.sleep, onState: (s) => states.push(s) })
    let up = false
    const attempts: number[] = []
    const done: string[] = []
    const step = q.run('step', async (attempt) => {
      attempts.push(attempt)
      if (!up) throw down()
      return 'committed'
    })
    void step.then((v) => done.push(v))
    const line = q.run('line', async () => 'line written')
    void line.then((v) => done.push(v))
    await flush()
    expect(q.retrying).toBe(true)
    expect(states).toEqual(['retrying'])
    // Four failures: waits of 100, 200, 400, 800 ms; the line behind has not run.
    for (let i = 0; i < 3; i++) await clock.tick()
    expect(clock.sleeps.map((s) => s.ms)).toEqual([800])
    expect(done).toEqual([])
    expect(q.pending).toBe(2)
    up = true
    await clock.tick()
    await line
    expect(done).toEqual(['committed', 'line written'])
    expect(attempts).toEqual([0, 1, 2, 3, 4])
    expect(states).toEqual(['retrying', 'ok'])
    expect(q.retrying).toBe(false)
  })

  test('the wait between attempts stays bounded however long the outage lasts', async () => {
    const clock = manualClock()
    const q = new WriteQueue({ sleep: clock.sleep })
    let fails = 12
    const w = q.run('step', async () => {
      if (fails-- > 0) throw down()
      return 1
    })
    await flush()
    const waits: number[] = []
    while (clock.sleeps.length > 0) {
      waits.push(clock.sleeps[0]!.ms)
      await clock.tick()
    }
    expect(await w).toBe(1)
    expect(waits).toHaveLength(12)
    expect(Math.max(...waits)).toBe(DEFAULT_RETRY.maxMs)
  })

  test('a write that fails for another reason fails alone, at once; the next goes on', async () => {
    const clock = manualClock()
    const q = new WriteQueue({ sleep: clock.sleep })
    const bad = q.run('dup', async () => {
      throw new UniqueViolation('appointments_slot')
    })
    const next = q.run('next', async () => 'ok')
    await expect(bad).rejects.toBeInstanceOf(UniqueViolation)
    expect(await next).toBe('ok')
    expect(clock.sleeps).toHaveLength(0)
  })

  test('offered writes are bounded and their failures reported, never thrown; run() is never dropped', async () => {
    const clock = manualClock()
    const lost: string[] = []
    const q = new WriteQueue({ sleep: clock.sleep, maxQueued: 2, onLost: (label, why) => lost.push(`${label}:${why}`) })
    let up = false
    const step = q.run('step', async () => {
      if (!up) throw down()
      return 'step'
    })
    await flush()
    expect(q.offer('line1', async () => undefined)).toBe(true)
    expect(q.offer('line2', async () => undefined)).toBe(false)
    const step2 = q.run('step2', async () => 'step2')
    expect(q.offer('bad', async () => Promise.reject(new Error('bug')))).toBe(false)
    expect(lost).toEqual(['line2:dropped', 'bad:dropped'])
    up = true
    await clock.tick()
    expect(await step).toBe('step')
    expect(await step2).toBe('step2')
    await q.idle()
    expect(q.offer('bad2', async () => Promise.reject(new Error('bug')))).toBe(true)
    await q.idle()
    expect(lost).toEqual(['line2:dropped', 'bad:dropped', 'bad2:failed'])
  })

  test('abandon (shutdown during an outage): the waiting writes reject as unavailable, nothing retries after', async () => {
    const clock = manualClock()
    const q = new WriteQueue({ sleep: clock.sleep })
    let calls = 0
    const head = q.run('step', async () => {
      calls++
      throw down()
    })
    const behind = q.run('line', async () => 'never').catch((err: unknown) => err)
    const headErr = head.catch((err: unknown) => err)
    await flush()
    q.abandon()
    expect(await headErr).toBeInstanceOf(StoreUnavailable)
    expect(await behind).toBeInstanceOf(StoreUnavailable)
    await expect(q.run('later', async () => 1)).rejects.toBeInstanceOf(StoreUnavailable)
    expect(calls).toBe(1)
    await q.idle()
  })
})

describe('isUnavailable', () => {
  test("PostgreSQL's and SQLite's outages are; constraint violations, bugs and other peers' socket errors are not", () => {
    const e = (fields: Record<string, unknown>) => Object.assign(new Error('x'), fields)
    for (const yes of [
      e({ code: 'ERR_POSTGRES_CONNECTION_REFUSED' }),
      e({ code: 'ERR_POSTGRES_CONNECTION_CLOSED' }),
      e({ code: 'ERR_POSTGRES_SERVER_ERROR', errno: '57P01' }),
      e({ code: 'ERR_POSTGRES_SERVER_ERROR', errno: '08006' }),
      e({ code: 'ERR_POSTGRES_SERVER_ERROR', errno: '25006' }),
      e({ code: 'ERR_POSTGRES_SERVER_ERROR', errno: '40001' }),
      e({ code: 'SQLITE_BUSY' }),
      e({ code: 'SQLITE_FULL' }),
      e({ code: 'SQLITE_IOERR_WRITE' }),
      new StoreUnavailable(),
    ])
      expect(isUnavailable(yes)).toBe(true)
    for (const no of [
      e({ code: 'ERR_POSTGRES_SERVER_ERROR', errno: '23505' }),
      e({ code: 'SQLITE_CONSTRAINT_UNIQUE' }),
      new UniqueViolation('x'),
      e({ code: 'ECONNREFUSED' }),
      new Error('plain'),
      'text',
      null,
    ])
      expect(isUnavailable(no)).toBe(false)
  })
})

describe('StoreHealth', () => {
  test('unavailable while any writer fails; ok once every one got through or is gone', () => {
    let t = 1000
    const h = new StoreHealth(() => t)
    const changes: boolean[] = []
    h.onChange((ok) => changes.push(ok))
    const a = {}
    const b = {}
    h.report(a, false)
    t = 1500
    h.report(b, false)
    t = 2000
    expect(h.status()).toEqual({ status: 'unavailable', failing: 2, sinceMs: 1000 })
    h.report(a, true)
    expect(h.ok).toBe(false)
    h.forget(b)
    expect(h.status()).toEqual({ status: 'ok', failing: 0 })
    expect(changes).toEqual([false, true])
  })
})
