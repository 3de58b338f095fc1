/**
 * Personal data does not outlive RETENTION_DAYS, and none of it (nor any secret) reaches the logs.
 * Retention: a database seeded with old and recent rows of every kind the purge covers (transcripts, SMS bodies and
 * numbers, left messages, numbers and details on ended calls, callers on past appointments, callback numbers, SMS
 * outbox payloads, pending resumes past the window) is opened by a starting server, whose scheduled retention job
 * runs at start: the old personal data is gone, the recent rows are untouched. Both the default 30 days and a tiny
 * RETENTION_DAYS are checked. Logs: both reference scenarios run with every log line captured at debug level; no
 * full phone number, no secret of WORLD_SECRETS, no Authorization value and no notify-URL signature appears.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../../src/store/store'
import { startWorld, WORLD_SECRETS } from '../../src/sim/world'
import { bookingScenario, continuityScenario } from '../../src/sim/scenarios'
import { notifySignature } from '../../src/continuity/webhooks'
import { BOOKING_ENV } from './kit'

const DAY = 86_400_000
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** One of everything the purge covers, dated `at`, for caller `number`. */
async function seed(store: Store, label: string, number: string, at: number): Promise<void> {
  const callId = `call-${label}`
  await store.calls.create({ id: callId, conversationId: `conv-${label}`, direction: 'inbound', caller: number, botName: 'fastagent', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at })
  await store.calls.setDetails(callId, '+18005550100', { callerDisplayName: `Caller ${label}` }, at)
  await store.calls.end(callId, 'completed', null, at)
  await store.transcript.add(callId, 'caller', `my name is ${label} and my number is ${number}`, at)
  await store.sms.record({ direction: 'out', callId, number, body: `Hello ${label}`, status: 'delivered', at })
  await store.messages.save({ id: `msg-${label}`, caller: number, name: `Name ${label}`, message: `Please call ${label}`, callbackNumber: number, callId, at })
  // Each seed books its own resource: the seeds' half-hour slots may overlap in time (they are minutes apart).
  const booked = await store.appointments.book({ id: `appt-${label}`, caller: number, startsAt: at, minutes: 30, resource: `room-${label}`, callId, at })
  if (!booked.ok) throw new Error('seed booking refused')
  const cb = await store.callbacks.request(callId, number, at)
  if (!cb.ok) throw new Error('seed callback refused')
  await store.callbacks.setStatus(cb.id, 'completed', at)
  await store.outbox.enqueue({ idemKey: `sms:${label}`, kind: 'sms', payload: { to: number, body: `Hello ${label}`, callId }, callId, at })
  const row = await store.outbox.byKey(`sms:${label}`)
  if (row) await store.outbox.done(row.id, { sid: 'SMx' }, at)
  // A dropped call still waiting to be resumed.
  await store.calls.create({ id: `drop-${label}`, conversationId: `drop-conv-${label}`, direction: 'inbound', caller: number, botName: 'fastagent', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at })
  await store.calls.end(`drop-${label}`, 'lost', 'pending', at)
}

type Snapshot = {
  transcript: number
  callCaller: string | null
  callDetails: string | null
  sms: { body: string; number: string } | undefined
  message: number
  apptCaller: string | null
  callbackNumber: string | undefined
  outboxPayload: string | undefined
  resume: string | null
}

async function snapshot(store: Store, label: string): Promise<Snapshot> {
  const q = store.sql
  const callId = `call-${label}`
  const call = (await store.calls.get(callId))
  return {
    transcript: (await store.transcript.list(callId)).length,
    callCaller: call?.caller ?? null,
    callDetails: call?.details ?? null,
    sms: (await q.get('SELECT body, number FROM sms_messages WHERE call_id = $c', { c: callId })) as Snapshot['sms'],
    message: Number((await q.get('SELECT count(*) AS n FROM messages WHERE id = $id', { id: `msg-${label}` }))?.n),
    apptCaller: (await store.appointments.get(`appt-${label}`))?.caller ?? null,
    callbackNumber: (await store.callbacks.forCall(callId))[0]?.number,
    outboxPayload: (await store.outbox.byKey(`sms:${label}`))?.payload,
    resume: (await store.calls.get(`drop-${label}`))?.resume_status ?? null,
  }
}

async function startOn(dataDir: string, env: Record<string, string>, lines: string[]) {
  return startWorld({ dataDir, env: { ...BOOKING_ENV, ...env }, logSink: (l) => lines.push(l), logLevel: 'info' })
}

describe('retention', () => {
  test('the retention job at start purges personal data older than RETENTION_DAYS (30) and keeps the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-retention-'))
    dirs.push(dir)
    const store = await Store.open(join(dir, 'fastagent.db'))
    const now = Date.now()
    await seed(store, 'old', '+14155550701', now - 40 * DAY)
    await seed(store, 'recent', '+14155550702', now - 2 * DAY)
    await store.close()
    const lines: string[] = []
    const world = await startOn(dir, {}, lines)
    try {
      const s = world.server.store
      expect(await snapshot(s, 'old')).toEqual({
        transcript: 0,
        callCaller: null,
        callDetails: null,
        sms: { body: '[purged]', number: '[purged]' },
        message: 0,
        apptCaller: null,
        callbackNumber: '[purged]',
        outboxPayload: '{}',
        resume: 'expired',
      })
      const recent = await snapshot(s, 'recent')
      expect(recent).toMatchObject({ transcript: 1, callCaller: '+14155550702', sms: { body: 'Hello recent', number: '+14155550702' }, message: 1, callbackNumber: '+14155550702', resume: 'expired' })
      // Past appointments lose the caller's number only once older than the retention window.
      expect(recent.apptCaller).toBe('+14155550702')
      expect(recent.outboxPayload).toContain('+14155550702')
      const purged = lines.map((l) => JSON.parse(l) as { event: string; rows?: number }).find((e) => e.event === 'retention.purged')
      expect(purged?.rows).toBeGreaterThanOrEqual(7)
    } finally {
      await world.stop()
    }
  }, 30_000)

  test('a tiny RETENTION_DAYS (0.001 ≈ 86 s) is honoured: ten-minute-old rows go, one-second-old rows stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-retention-'))
    dirs.push(dir)
    const store = await Store.open(join(dir, 'fastagent.db'))
    const now = Date.now()
    await seed(store, 'tenmin', '+14155550703', now - 10 * 60_000)
    await seed(store, 'fresh', '+14155550704', now - 1000)
    await store.close()
    const world = await startOn(dir, { RETENTION_DAYS: '0.001', RESUME_WINDOW_HOURS: '1' }, [])
    try {
      expect(await snapshot(world.server.store, 'tenmin')).toMatchObject({ transcript: 0, callCaller: null, message: 0, sms: { body: '[purged]' }, resume: 'pending' })
      expect(await snapshot(world.server.store, 'fresh')).toMatchObject({ transcript: 1, callCaller: '+14155550704', message: 1, sms: { body: 'Hello fresh' }, resume: 'pending' })
    } finally {
      await world.stop()
    }
  }, 30_000)
})

describe('logs', () => {
  test('both reference scenarios: no full phone number, secret, Authorization value or notify signature in any log line', async () => {
    const lines: string[] = []
    const sink = (l: string) => lines.push(l)
    // Two worlds side by side (both scenarios book the same slot, so they cannot share a calendar).
    const [a, b] = await Promise.all([
      startWorld({ env: BOOKING_ENV, logSink: sink, logLevel: 'debug' }),
      startWorld({ env: { ...BOOKING_ENV, DROP_GRACE_SECONDS: '0.5' }, logSink: sink, logLevel: 'debug' }),
    ])
    try {
      const io = { step: () => undefined }
      await Promise.all([bookingScenario(a, io, { caller: '+14155550123' }), continuityScenario(b, io, { caller: '+14155550199' })])
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
    expect(lines.length).toBeGreaterThan(40)
    const log = lines.join('\n')
    const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64')
    const forbidden = [
      WORLD_SECRETS.botToken,
      WORLD_SECRETS.openaiKey,
      WORLD_SECRETS.twilioToken,
      WORLD_SECRETS.twilioSid,
      WORLD_SECRETS.acClientSecret,
      basic(WORLD_SECRETS.twilioSid, WORLD_SECRETS.twilioToken),
      basic(WORLD_SECRETS.acClientId, WORLD_SECRETS.acClientSecret),
      notifySignature(WORLD_SECRETS.botToken),
      // The callers, the sender, the business number VAIC reports as callee, the dial-out's caller id.
      '4155550123',
      '4155550199',
      '5005550006',
      '8005550100',
    ]
    const leaks = forbidden.filter((s) => log.includes(s))
    expect(leaks).toEqual([])
    // Any E.164 number at all, and any Authorization value.
    expect(log.match(/\+\d{7,}/g) ?? []).toEqual([])
    expect(log.match(/(?:Bearer|Basic) [A-Za-z0-9+/=_-]{6,}/g) ?? []).toEqual([])
    // The scan saw the interesting events (the SMS, the webhook, the dial-out), masked.
    for (const event of ['continuity.drop', 'sms.sent', 'webhook.sms', 'callback.dialing', 'vaic.session_accepted']) expect(log).toContain(`"event":"${event}"`)
  }, 120_000)
})
