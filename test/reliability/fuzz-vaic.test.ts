/**
 * Hostile VoiceAI Connect input against the real server (startWorld), on real sockets, with a fixed seed: random
 * JSON, mutated Bot API messages, strings just under MAX_FRAME_BYTES, deep nesting, invalid base64, odd-length PCM,
 * out-of-order sequences and binary frames — while a normal call runs on another socket. Proves: the process keeps
 * serving (the concurrent call and one started afterwards both work), the bot answers only with well-formed protocol
 * messages and never echoes what it was sent, no unhandled rejection, memory stays bounded, and refused input leaves
 * nothing in SQLite (call rows exist only for sockets that got `session.accepted`). Frames over the limit close the
 * socket with 1009; unauthenticated upgrades get 401 and leave no state.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startWorld, WORLD_SECRETS, type World } from '../../src/sim/world'
import { BOOKING_ENV, pool, rawSocket, rowCounts, rssAfterGcMb, upgradeStatus, waitUntil, watchProcessErrors } from './kit'
import { playSocket, socketPlan } from './vaic-fuzz'

const SEED = 20_251_124
let world: World
let watch: ReturnType<typeof watchProcessErrors>

beforeAll(async () => {
  watch = watchProcessErrors()
  world = await startWorld({ env: { ...BOOKING_ENV, DROP_GRACE_SECONDS: '0.3' }, logLevel: 'warn' })
})
afterAll(async () => {
  await world.stop()
  watch.dispose()
})

const wsUrl = () => `${world.server.wsUrl}/audiocodes`

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${world.server.url}/metrics`)).text()
  let total = 0
  for (const line of text.split('\n')) if (line.startsWith(name)) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0
  return total
}

/** A normal caller: greeted, asks to book, is asked to confirm. */
async function normalCall(caller: string): Promise<void> {
  const call = world.call({ caller, supportedMediaFormats: ['raw/lpcm16_24'] })
  try {
    const r = await call.startCall()
    expect(r.ok).toBe(true)
    await call.waitForBotSaid('how can i help', 15_000)
    await call.waitForPlaybackIdle(15_000)
    await call.say('Book an appointment for tomorrow at 10 AM.')
    await call.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
    await call.hangup()
    call.assertNoViolations()
  } finally {
    call.dispose()
  }
}

describe('hostile VoiceAI Connect input', () => {
  test('fuzzed frames on 16 sockets beside a live call: protocol-only answers, no echo, no crash, no rows for refused sessions', async () => {
    const rssBefore = rssAfterGcMb()
    const invalidBefore = await metric('fastagent_vaic_invalid_messages_total')
    const options = { seed: SEED, sockets: 16, framesPerSocket: 40, maxFrameBytes: world.config.MAX_FRAME_BYTES }
    // The control call runs while the fuzz is on: the process must keep serving everyone else.
    const control = normalCall('+14155550001')
    // Each socket's frames are made when it plays and dropped after, so the RSS figure is mostly the server's.
    const outcomes = await pool(Array.from({ length: options.sockets }, (_, i) => i), 8, (i) => playSocket(wsUrl(), WORLD_SECRETS.botToken, socketPlan(options, i)))
    await control

    const problems = outcomes.flatMap((o) => o.problems.map((p) => `${o.id}: ${p}`))
    expect(problems).toEqual([])
    expect(outcomes.reduce((n, o) => n + o.sent, 0)).toBeGreaterThan(600)
    expect(await metric('fastagent_vaic_invalid_messages_total')).toBeGreaterThan(invalidBefore + 100)

    // Every fuzz socket is closed: their calls (if any) end after the drop grace; nothing stays live.
    await waitUntil(() => world.server.conversations.size === 0 && world.server.calls.live === 0, 10_000, 'all fuzzed calls to end')

    // Call rows only for sockets that sent a well-formed session.initiate (one each at most, and one for every socket
    // that saw session.accepted); none for any id a socket without one sent. A socket may close before it reads
    // session.accepted, so the server's count can exceed what the fuzzer saw, never the other way round.
    const rows = (await world.server.store.sql.all(`SELECT conversation_id, state FROM calls WHERE caller IS NOT '+14155550001'`)) as { conversation_id: string; state: string }[]
    const ids = rows.map((r) => r.conversation_id)
    const strangers = outcomes.filter((o) => !o.inCall)
    const callers = outcomes.filter((o) => o.inCall)
    expect(strangers.length).toBeGreaterThan(0)
    expect(strangers.filter((o) => o.accepted).map((o) => o.id)).toEqual([])
    expect(ids.filter((id) => strangers.some((o) => o.sentIds.has(id)))).toEqual([])
    for (const o of callers) {
      const n = ids.filter((id) => id === o.id).length
      expect(n).toBeLessThanOrEqual(1)
      if (o.accepted) expect(n).toBe(1)
    }
    expect(ids.filter((id) => !callers.some((o) => o.id === id))).toEqual([])
    expect(rows.every((r) => r.state === 'ended')).toBe(true)
    const accepted = callers.filter((o) => o.accepted)
    expect(accepted.length).toBeGreaterThan(0)

    // After the storm, a new call works end to end.
    await normalCall('+14155550002')
    expect(watch.errors).toEqual([])
    const growth = rssAfterGcMb() - rssBefore
    console.log(`fuzz: ${outcomes.reduce((n, o) => n + o.sent, 0)} frames on ${outcomes.length} sockets, ${accepted.length} sessions accepted, RSS growth ${growth.toFixed(1)} MiB`)
    expect(growth).toBeLessThan(150)
  }, 90_000)

  test('frames over MAX_FRAME_BYTES (text, binary, 1 MB, 10 MB) close the socket with 1009; the server keeps serving', async () => {
    const max = world.config.MAX_FRAME_BYTES
    const cases: (string | Uint8Array)[] = ['x'.repeat(max + 1), new Uint8Array(max + 1000), '{"type":"activities","x":"' + 'y'.repeat(1 << 20) + '"}', new Uint8Array(10 << 20)]
    for (const frame of cases) {
      const s = await rawSocket(wsUrl(), WORLD_SECRETS.botToken)
      if (frame instanceof Uint8Array || !frame.startsWith('{')) {
        // One frame inside a live session too: the limit holds mid-call.
        s.send(JSON.stringify({ type: 'session.initiate', conversationId: `big-${frame.length}`, caller: '+14155550003', supportedMediaFormats: ['raw/mulaw'] }))
        await s.waitFor((m) => m.type === 'session.accepted', 5000, 'session.accepted')
      }
      s.send(frame)
      expect((await s.waitClosed(5000)).code).toBe(1009)
      expect(s.frames.filter((f) => typeof f.data !== 'string' || f.data.length > 2000)).toEqual([])
    }
    await waitUntil(() => world.server.conversations.size === 0, 10_000, 'the oversized calls to end')
    await normalCall('+14155550004')
    expect(watch.errors).toEqual([])
  }, 60_000)

  test('unauthenticated upgrades and probes get 401 and leave no state', async () => {
    await waitUntil(() => world.server.conversations.size === 0, 10_000, 'earlier calls to end')
    // Earlier calls' endings and their follow-up SMS are written asynchronously: let them land first.
    await world.server.calls.idle()
    await world.server.outbox.idle()
    await Bun.sleep(200)
    await world.server.outbox.idle()
    const before = await rowCounts(world.server.store.sql)
    const refusedBefore = await metric('fastagent_vaic_refused_total{reason="unauthorized"}')
    const bad: Record<string, string>[] = [
      {},
      { Authorization: '' },
      { Authorization: 'Bearer' },
      { Authorization: 'Bearer ' },
      { Authorization: `Bearer ${WORLD_SECRETS.botToken}x` },
      { Authorization: `Bearer ${WORLD_SECRETS.botToken.slice(0, -1)}` },
      { Authorization: `bearer${WORLD_SECRETS.botToken}` },
      { Authorization: `Basic ${btoa(`user:${WORLD_SECRETS.botToken}`)}` },
      { Authorization: `Bearer ${'A'.repeat(5000)}` },
      { Authorization: `Bearer ${WORLD_SECRETS.openaiKey}` },
      { Authorization: 'Bearer \u00ff\u00fe' },
    ]
    for (const headers of bad) expect(await upgradeStatus(wsUrl(), headers)).toBe(401)
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${world.server.url}/audiocodes`, { method, headers: { Authorization: 'Bearer nope' } })
      expect(res.status).toBe(401)
      expect(await res.text()).not.toContain('nope')
    }
    // Bun's WebSocket client: refused, never opened.
    const s = await rawSocket(wsUrl(), 'wrong-token')
    expect(s.opened).toBe(false)

    expect(world.server.conversations.size).toBe(0)
    expect(await rowCounts(world.server.store.sql)).toEqual(before)
    expect(await metric('fastagent_vaic_refused_total{reason="unauthorized"}')).toBeGreaterThanOrEqual(refusedBefore + bad.length + 2)
    // The right token still works.
    expect(await upgradeStatus(wsUrl(), { Authorization: `Bearer ${WORLD_SECRETS.botToken}` })).toBe(101)
  }, 30_000)
})
