/**
 * The warm Realtime session pool (REALTIME_POOL_SIZE), through the real server and the emulator: a call takes a
 * session that was connected and configured before it arrived (the emulator's log shows no connect and no
 * session.update in the call before its first response), the pool refills after use, after a failure and before a
 * session gets old, never holds more than its size, is emptied on drain, and size 0 is the old path.
 *
 * The server's clock is shifted to the start of a minute: the instructions carry the time to the minute, and a
 * minute turning between warm-up and the call would (rightly) add a session.update on take.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import type { RealtimeSession } from '../../src/sim/realtime'
import { startWorld, WORLD_SECRETS, type World, type WorldOptions } from '../../src/sim/world'
import { untilAskedForTime } from '../kit/call-steps'
import { itemsBeforeFirstResponse } from '../kit/model-inputs'

let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00' }
/** The server's clock minus the real one: a second into a minute at start; a test may move it on. */
let shift = 0

async function poolWorld(size: number, o: WorldOptions = {}): Promise<World> {
  shift = -(Date.now() % 60_000) + 1000
  world = await startWorld({ ...o, env: { ...HOURS, REALTIME_POOL_SIZE: String(size), ...o.env }, server: { now: () => Date.now() + shift, ...o.server } })
  return world
}

/** The instructions of every session.update a session received after `since` (Date.now()). */
function updatesSince(s: RealtimeSession, since: number): string[] {
  return s.received
    .filter((r) => r.event.type === 'session.update' && r.at >= since)
    .map((r) => String(((r.event.raw as { session?: { instructions?: unknown } }).session?.instructions ?? '')))
}

function pool(w: World) {
  const p = w.server.pool
  if (!p) throw new Error('no pool')
  return p
}

/** The emulator sessions the pool holds right now: open, and never asked for a response. */
function waiting(w: World): RealtimeSession[] {
  return w.emulator.sessions.filter((s) => !s.closed && !s.received.some((r) => r.event.type === 'response.create'))
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await Bun.sleep(10)
  }
}

const metric = (w: World, line: string) => w.server.registry.render().split('\n').includes(line)

describe('warm session pool', () => {
  test('a call takes a warm session: its first response has no connect and no session.update before it in the call; the pool refills', async () => {
    const w = await poolWorld(2)
    await until('two warm sessions', () => pool(w).ready === 2)
    expect(w.emulator.sessions).toHaveLength(2)
    const warm = [...w.emulator.sessions]
    const callStart = Date.now()
    const call = w.call({ caller: '+14155550141' })
    await call.startCall()
    await call.waitForBotSaid('how can i help', 15_000)
    // The call was served by one of the two sessions that existed before it started.
    const served = w.emulator.sessions.filter((s) => s.received.some((r) => r.event.type === 'response.create'))
    expect(served).toHaveLength(1)
    const s = served[0]!
    expect(warm).toContain(s)
    const connection = w.emulator.connections.find((c) => c.session === s)
    expect(connection?.at).toBeLessThan(callStart)
    const firstCreate = s.received.findIndex((r) => r.event.type === 'response.create')
    const before = s.received.slice(0, firstCreate)
    expect(before.filter((r) => r.event.type === 'session.update').length).toBeGreaterThanOrEqual(1)
    for (const r of before.filter((r) => r.event.type === 'session.update')) expect(r.at).toBeLessThan(callStart)
    // It was configured for this call: the business's instructions and the call's format.
    expect(s.config.instructions).toContain('FastAgent Clinic')
    expect(s.config.audio.output.format).toEqual({ type: 'audio/pcm', rate: 24000 })
    // The pool refills behind it, and never holds more than its size.
    await until('refilled', () => pool(w).ready === 2)
    expect(waiting(w)).toHaveLength(2)
    expect(w.emulator.sessions).toHaveLength(3)
    expect(metric(w, 'fastagent_realtime_pool_takes_total{result="hit"} 1')).toBe(true)
    expect(metric(w, 'fastagent_realtime_pool_ready 2')).toBe(true)
    await call.hangup()
    call.assertNoViolations()
  }, 60_000)

  test('a call of another kind (μ-law) misses and connects its own; the pool warms for both kinds; the next of each hits', async () => {
    const w = await poolWorld(2)
    await until('two warm sessions', () => pool(w).ready === 2)
    const first = w.call({ caller: '+14155550142', supportedMediaFormats: ['raw/mulaw'] })
    await first.startCall()
    await first.waitForBotSaid('how can i help', 15_000)
    expect(metric(w, 'fastagent_realtime_pool_takes_total{result="miss"} 1')).toBe(true)
    // One PCM session made room for a μ-law one.
    const kinds = () => waiting(w).map((s) => s.config.audio.input.format.type).sort()
    await until('both kinds warm', () => pool(w).ready === 2 && kinds().join() === 'audio/pcm,audio/pcmu')
    const calls = [first]
    for (const [i, format] of (['raw/mulaw', 'raw/lpcm16_24'] as const).entries()) {
      const c = w.call({ caller: `+1415555015${i}`, supportedMediaFormats: [format] })
      calls.push(c)
      await c.startCall()
      await c.waitForBotSaid('how can i help', 15_000)
      await until('refilled', () => pool(w).ready === 2)
    }
    expect(metric(w, 'fastagent_realtime_pool_takes_total{result="hit"} 2')).toBe(true)
    expect(metric(w, 'fastagent_realtime_pool_takes_total{result="miss"} 1')).toBe(true)
    for (const c of calls) {
      await c.hangup()
      c.assertNoViolations()
    }
  }, 60_000)

  test('a warm session that fails or closes is replaced, not handed out; the pool never exceeds its size', async () => {
    const w = await poolWorld(2)
    await until('two warm sessions', () => pool(w).ready === 2)
    const [a, b] = w.emulator.sessions
    let most = 0
    const watch = setInterval(() => {
      most = Math.max(most, waiting(w).length, pool(w).held)
    }, 2)
    try {
      w.emulator.dropSocket(a!.id)
      w.emulator.injectError('server_error', 'The server had an error while processing your request.', b!.id)
      await until('both replaced', () => pool(w).ready === 2 && !w.emulator.sessions.slice(0, 2).some((s) => waiting(w).includes(s)) && waiting(w).length === 2)
      expect(b!.closed).toBe(true)
      const call = w.call({ caller: '+14155550144' })
      await call.startCall()
      await call.waitForBotSaid('how can i help', 15_000)
      const served = w.emulator.sessions.filter((s) => s.received.some((r) => r.event.type === 'response.create'))
      expect(served).toHaveLength(1)
      expect([a, b]).not.toContain(served[0])
      await until('refilled', () => pool(w).ready === 2)
      await call.hangup()
      call.assertNoViolations()
    } finally {
      clearInterval(watch)
    }
    expect(most).toBeLessThanOrEqual(2)
    expect(metric(w, 'fastagent_realtime_pool_replaced_total{reason="closed"} 1')).toBe(true)
    expect(metric(w, 'fastagent_realtime_pool_replaced_total{reason="failed"} 1')).toBe(true)
  }, 60_000)

  test('waiting sessions are replaced before they get old (half the rotation age)', async () => {
    // SESSION_ROTATE_MINUTES=0.05: 3 s rotation, so a warm session is replaced after 1.5 s.
    const w = await poolWorld(1, { env: { SESSION_ROTATE_MINUTES: '0.05' } })
    await until('one warm session', () => pool(w).ready === 1)
    const first = w.emulator.sessions[0]!
    await until('replaced', () => first.closed && pool(w).ready === 1 && w.emulator.sessions.length >= 2, 15_000)
    expect(first.closeInfo?.code).toBe(1000)
    expect(waiting(w).length).toBeLessThanOrEqual(1)
    expect(w.server.registry.render()).toContain('fastagent_realtime_pool_replaced_total{reason="expired"}')
  }, 30_000)

  test('drain (SIGTERM) empties the pool and opens nothing more, while a live call goes on', async () => {
    const w = await poolWorld(2, { env: { DRAIN_TIMEOUT_SECONDS: '1' } })
    await until('two warm sessions', () => pool(w).ready === 2)
    const call = w.call({ caller: '+14155550145' })
    await call.startCall()
    await call.waitForBotSaid('how can i help', 15_000)
    await until('refilled', () => pool(w).ready === 2)
    const count = w.emulator.sessions.length
    const stopping = w.server.shutdown('SIGTERM')
    // The waiting sessions are closed at once (by us, 1000), before the drain of the live call is over.
    await until('pool emptied', () => pool(w).held === 0 && waiting(w).length === 0)
    for (const s of w.emulator.sessions) if (!s.received.some((r) => r.event.type === 'response.create')) expect(s.closeInfo?.code).toBe(1000)
    await call.hangup()
    await stopping
    expect(w.emulator.sessions).toHaveLength(count)
  }, 60_000)

  test('REALTIME_POOL_SIZE=0: nothing is warmed; the call connects and configures its own session, as before', async () => {
    const w = await poolWorld(0)
    expect(w.server.pool).toBeUndefined()
    await Bun.sleep(100)
    expect(w.emulator.sessions).toHaveLength(0)
    const callStart = Date.now()
    const call = w.call({ caller: '+14155550146' })
    await call.startCall()
    await call.waitForBotSaid('how can i help', 15_000)
    expect(w.emulator.sessions).toHaveLength(1)
    const s = w.emulator.sessions[0]!
    expect(w.emulator.connections[0]?.at).toBeGreaterThanOrEqual(callStart)
    const types = s.received.map((r) => r.event.type)
    expect(types.indexOf('session.update')).toBeLessThan(types.indexOf('response.create'))
    expect(w.server.registry.render()).not.toContain('fastagent_realtime_pool')
    await call.hangup()
  }, 60_000)

  test('waiting sessions keep the time in their instructions current: a minute turning re-sends them', async () => {
    const w = await poolWorld(2)
    await until('two warm sessions', () => pool(w).ready === 2)
    const since = Date.now()
    shift += 60_000
    const warm = waiting(w)
    expect(warm).toHaveLength(2)
    await until('both refreshed', () => warm.every((s) => updatesSince(s, since).length === 1), 5000)
    const [before] = w.emulator.sessions[0]!.received.filter((r) => r.event.type === 'session.update').map((r) => JSON.stringify(r.event.raw))
    const after = updatesSince(warm[0]!, since)[0]!
    expect(after).toMatch(/It is now .* \(UTC\)\./)
    expect(before).not.toContain(after.match(/It is now [^(]*/)?.[0] ?? 'unmatched')
    // Nothing else changed, so nothing else is re-sent.
    await Bun.sleep(1200)
    for (const s of warm) expect(updatesSince(s, since)).toHaveLength(1)
  }, 30_000)

  test('a resumed call on a warm session: its open task goes out with one session.update before its first response, not awaited', async () => {
    const caller = '+14155550147'
    const w = await poolWorld(2, { env: { DROP_GRACE_SECONDS: '0.5', BUSINESS_TIMEZONE: 'UTC' } })
    await until('two warm sessions', () => pool(w).ready === 2)
    const first = await untilAskedForTime(w.call({ caller }))
    await first.hangup()
    await w.twilio.waitForMessages(1, 10_000)
    await until('refilled', () => pool(w).ready === 2)
    const warm = waiting(w)
    // Nothing the warm sessions send gets through any more: a call that waited for session.updated would never ask
    // for its first response.
    for (const x of warm) w.emulator.stall(60_000, x.id)
    const callStart = Date.now()
    const back = w.call({ caller })
    await back.startCall()
    const s = await w.emulator.waitFor(() => warm.find((x) => x.received.some((r) => r.event.type === 'response.create')), 15_000, 'the greeting asked for')
    const inCall = s!.received.filter((r) => r.at >= callStart)
    const firstCreate = inCall.findIndex((r) => r.event.type === 'response.create')
    const updates = inCall.slice(0, firstCreate).filter((r) => r.event.type === 'session.update')
    expect(updates).toHaveLength(1)
    expect(updatesSince(s!, callStart)[0]).toContain('book_appointment')
    // The open task's status note went in too, before the greeting.
    expect(itemsBeforeFirstResponse(s!).some((i) => i.role === 'system' && /book_appointment/.test(i.text))).toBe(true)
    expect(metric(w, 'fastagent_realtime_pool_takes_total{result="hit"} 2')).toBe(true)
    await back.hangup()
  }, 90_000)

  test('the pool counts towards MAX_CONCURRENT_CALLS: live calls + warm sessions never exceed it', async () => {
    const w = await poolWorld(2, { env: { MAX_CONCURRENT_CALLS: '2' } })
    await until('two warm sessions', () => pool(w).ready === 2)
    const call = w.call({ caller: '+14155550148' })
    await call.startCall()
    await call.waitForBotSaid('how can i help', 15_000)
    // One call live, one warm session: no room for another.
    await Bun.sleep(1500)
    expect(pool(w).held).toBe(1)
    expect(w.emulator.sessions).toHaveLength(2)
    await call.hangup()
    await until('refilled once the call ended', () => pool(w).ready === 2)
    expect(w.emulator.sessions).toHaveLength(3)
  }, 60_000)

  test('a key the API refuses: the pool backs off instead of looping, and no log line carries the key', async () => {
    const lines: string[] = []
    const badKey = 'sk-not-the-emulators-key-4242'
    const w = await poolWorld(2, { env: { OPENAI_API_KEY: badKey }, logSink: (l) => lines.push(l) })
    await until('refused twice', () => w.emulator.connections.filter((c) => c.outcome === 'invalid_api_key').length >= 2)
    await Bun.sleep(1500)
    // Backoff 250 ms, 1 s, 5 s …: a handful of attempts, not a loop.
    expect(w.emulator.connections.length).toBeLessThanOrEqual(8)
    expect(pool(w).ready).toBe(0)
    expect(lines.some((l) => l.includes('realtime.pool_'))).toBe(true)
    for (const l of lines) {
      expect(l).not.toContain(badKey)
      expect(l).not.toContain(WORLD_SECRETS.openaiKey)
    }
  }, 30_000)
})
