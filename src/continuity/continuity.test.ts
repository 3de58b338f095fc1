import { afterEach, describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { loadConfig } from '../config/load'
import type { Config } from '../config/schema'
import { memoryLogger } from '../ops/log'
import { MetricsRegistry } from '../ops/metrics'
import { Store } from '../store/store'
import { FakeTwilio } from '../sim/twilio/fake-twilio'
import { Continuity, continuityMetrics } from './continuity'
import { OutboxRunner } from './outbox-runner'
import { dialoutHandler, smsHandler } from './handlers'
import { twilioSender } from './sms-sender'
import { webhookRoutes } from './webhooks'
import { dialoutClient } from '../telephony/audiocodes/dialout-client'
import { FakeAudioCodesApi } from '../sim/audiocodes-api/fake-audiocodes-api'
import { fixedLine } from '../call/spoken-line'

const SID = 'AC' + 'f'.repeat(32)
const TOKEN = 'twilio-auth-token-1'
const FROM = '+15005550006'
const CALLER = '+14155550123'

function config(over: Record<string, string> = {}): Config {
  const r = loadConfig({ RESUME_WINDOW_HOURS: '24', ...over })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.config
}

const cleanup: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

async function world(opts: { twilio?: boolean; dialout?: boolean } = {}) {
  const store = await Store.open(':memory:')
  cleanup.push(() => store.close())
  const { log, lines } = memoryLogger('debug')
  const registry = new MetricsRegistry()
  const fake = new FakeTwilio({ accountSid: SID, authToken: TOKEN, fromNumber: FROM }).start()
  cleanup.push(() => fake.stop())
  const acApi = new FakeAudioCodesApi({ clientId: 'cid', clientSecret: 'csecret', bot: 'fastagent', ringMs: 10 }).start()
  cleanup.push(() => acApi.stop())
  const sender = opts.twilio === false ? undefined : twilioSender({ accountSid: SID, authToken: TOKEN, from: FROM, apiBaseUrl: fake.url })
  const client = opts.dialout ? dialoutClient({ baseUrl: acApi.url, clientId: 'cid', clientSecret: 'csecret', bot: 'fastagent', callerId: FROM }) : undefined
  let runner: OutboxRunner | undefined
  const continuity = new Continuity({
    config: config(),
    store,
    log,
    now: Date.now,
    metrics: continuityMetrics(registry),
    nounOf: (k) => (k === 'book_appointment' ? 'appointment' : 'request'),
    wake: () => runner?.wake(),
    dialoutEnabled: opts.dialout ?? false,
  })
  runner = new OutboxRunner({
    store,
    log,
    now: Date.now,
    backoffMs: 5,
    handlers: { sms: smsHandler({ store, sender, log, now: Date.now }), dialout: dialoutHandler({ store, client, log, now: Date.now }) },
  })
  cleanup.push(() => runner?.stop())
  const droppedCall = async (id = 'c1') => {
    await store.calls.create({ id, conversationId: `conv-${id}`, direction: 'inbound', caller: CALLER, botName: 'b', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: Date.now() })
    await continuity.callEnded({ callId: id, reason: 'lost', caller: CALLER, openTasks: [{ id: 'T1', kind: 'book_appointment', title: 'booking an appointment', summary: fixedLine('x') }], dropped: true })
  }
  return { store, fake, acApi, continuity, runner, lines, registry, droppedCall }
}

describe('drop → SMS', () => {
  test('a drop sends exactly one SMS with the configured wording; calling callEnded twice changes nothing', async () => {
    const w = await world({ dialout: true })
    await w.droppedCall()
    await w.continuity.callEnded({ callId: 'c1', reason: 'lost', caller: CALLER, openTasks: [{ id: 'T1', kind: 'book_appointment', title: 't', summary: fixedLine('s') }], dropped: true })
    await w.runner.idle()
    await Bun.sleep(50)
    await w.runner.idle()
    expect(w.fake.messages).toHaveLength(1)
    expect(w.fake.messages[0]?.to).toBe(CALLER)
    expect(w.fake.messages[0]?.body).toBe('Our call was disconnected. Your appointment request was saved. Reply CALL to continue where we left off.')
    expect((await w.store.calls.get('c1'))?.resume_status).toBe('pending')
    expect((await w.store.sms.forCall('c1'))[0]?.twilio_sid).toBe(w.fake.messages[0]?.sid ?? 'missing')
    expect(w.lines.join('\n')).not.toContain('4155550123')
  })

  test('Twilio 500 then 201: one SMS after a retry', async () => {
    const w = await world()
    w.fake.failNext(1, 500)
    await w.droppedCall()
    // The row is marked done after Twilio answered: wait for that, not for a fixed time (a loaded machine is slow).
    const until = Date.now() + 30_000
    while ((await w.store.outbox.byKey('sms:drop:c1'))?.status !== 'done' && Date.now() < until) await Bun.sleep(10)
    expect(w.fake.messages).toHaveLength(1)
    expect((await w.store.outbox.byKey('sms:drop:c1'))?.status).toBe('done')
    expect((await w.store.outbox.byKey('sms:drop:c1'))?.attempts).toBe(2)
  })

  test('a 4xx is final: no retry, row failed', async () => {
    const w = await world()
    w.fake.failNext(5, 400)
    await w.droppedCall()
    await w.runner.idle()
    await Bun.sleep(50)
    expect(w.fake.messages).toHaveLength(0)
    expect((await w.store.outbox.byKey('sms:drop:c1'))?.status).toBe('failed')
    expect(w.fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  test('a crash after Twilio accepted (attempt counted, not marked done): the retry finds it and does not resend', async () => {
    const w = await world({ dialout: true })
    await w.runner.stop()
    await w.droppedCall()
    const row = (await w.store.outbox.byKey('sms:drop:c1'))!
    // What the dead process did: counted the attempt, Twilio accepted the message, then the process died.
    await w.store.outbox.begin(row.id, Date.now())
    const sender = twilioSender({ accountSid: SID, authToken: TOKEN, from: FROM, apiBaseUrl: w.fake.url })
    const sent = await sender.send(CALLER, 'Our call was disconnected. Your appointment request was saved. Reply CALL to continue where we left off.')
    expect(sent.ok).toBe(true)
    const runner = new OutboxRunner({ store: w.store, log: memoryLogger().log, now: Date.now, handlers: { sms: smsHandler({ store: w.store, sender, log: memoryLogger().log, now: Date.now }) } })
    runner.start()
    await runner.idle()
    await runner.stop()
    expect(w.fake.messages).toHaveLength(1)
    expect((await w.store.outbox.byKey('sms:drop:c1'))?.status).toBe('done')
    expect((await w.store.outbox.byKey('sms:drop:c1'))?.result).toContain('reconciled')
  })

  test('without Twilio credentials the SMS is kept in the outbox and logged; opted-out numbers get nothing', async () => {
    const w = await world({ twilio: false })
    await w.droppedCall()
    await w.runner.idle()
    expect((await w.store.outbox.byKey('sms:drop:c1'))?.status).toBe('held')
    // No dial-out configured either: the SMS asks the caller to call back instead of replying CALL.
    expect(w.lines.some((l) => l.includes('sms.not_sent_no_provider') && l.includes('Call us back to continue'))).toBe(true)
    await w.store.sms.optOut(CALLER, Date.now())
    await w.droppedCall('c2')
    expect(await w.store.outbox.byKey('sms:drop:c2')).toBeUndefined()
  })

  test('a completed call (not a drop) schedules nothing', async () => {
    const w = await world()
    await w.store.calls.create({ id: 'ok', conversationId: 'conv-ok', direction: 'inbound', caller: CALLER, botName: 'b', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: 1 })
    await w.continuity.callEnded({ callId: 'ok', reason: 'completed', caller: CALLER, openTasks: [], dropped: false })
    expect(await w.store.outbox.forCall('ok')).toHaveLength(0)
    expect((await w.store.calls.get('ok'))?.resume_status).toBeNull()
  })
})

describe('inbound SMS webhook', () => {
  const PUBLIC = 'https://bot.example.com'
  /** The bot behind a proxy: Twilio signs the public URL, the request lands on the local port. */
  async function serve(w: Awaited<ReturnType<typeof world>>) {
    const app = new Elysia()
      .use(webhookRoutes({ authToken: TOKEN, publicBaseUrl: PUBLIC, notifySecret: 'n', continuity: w.continuity, store: w.store, log: memoryLogger().log, now: Date.now, rejected: w.registry.counter('rej', 'r', ['reason']) }))
      .listen({ port: 0, hostname: '127.0.0.1' })
    cleanup.push(async () => {
      await app.stop(true)
    })
    const local = `http://127.0.0.1:${app.server?.port}/twilio/sms`
    return (from: string, body: string, forge = false, signLocal = false) =>
      w.fake.reply(local, from, body, { signedUrl: signLocal ? local : `${PUBLIC}/twilio/sms`, forge })
  }

  test('a forged signature gets 403 and changes nothing', async () => {
    const w = await world({ dialout: true })
    await w.droppedCall()
    const reply = await serve(w)
    const r = await reply(CALLER, 'CALL', true)
    expect(r.status).toBe(403)
    expect(await w.store.callbacks.forCall('c1')).toHaveLength(0)
    expect((await w.store.sms.all()).filter((m) => m.direction === 'in')).toHaveLength(0)
    // Signed for the URL it landed on instead of the public one: refused too (the URL is part of the signature).
    expect((await reply(CALLER, 'CALL', false, true)).status).toBe(403)
    expect(await w.store.callbacks.forCall('c1')).toHaveLength(0)
  })

  test('CALL (any case, trimmed) → callback scheduled, TwiML "Calling you now", one dial-out', async () => {
    const w = await world({ dialout: true })
    await w.droppedCall()
    const reply = await serve(w)
    const r = await reply(CALLER, '  call ')
    expect(r.status).toBe(200)
    expect(r.twiml).toContain('<Message>Calling you now.</Message>')
    const dials = await w.acApi.waitForDials(1)
    expect(dials[0]?.body.target).toBe(`tel:${CALLER}`)
    expect(dials[0]?.body.metadata).toEqual({ fastagentCallId: 'c1', fastagentCallbackId: '1' })
    await w.runner.idle()
    const cb = (await w.store.callbacks.forCall('c1'))[0]
    expect(cb?.status).toBe('dialing')
    expect(cb?.conversation_id).toBe(dials[0]?.conversationId ?? 'x')
    // A second CALL while one is pending does not dial twice.
    const again = await reply(CALLER, 'CALL')
    expect(again.twiml).toContain('already calling')
    await Bun.sleep(50)
    expect(w.acApi.dials).toHaveLength(1)
    expect((await w.continuity.findResume(dials[0]!.conversationId, '+19999999999'))?.callId).toBe('c1')
  })

  test('other texts get help; STOP opts out; CALL with nothing to resume explains', async () => {
    const w = await world({ dialout: true })
    const reply = await serve(w)
    expect((await reply(CALLER, 'hello?')).twiml).toContain('Reply CALL')
    expect((await reply(CALLER, 'CALL')).twiml).toContain("couldn't find a call")
    await reply(CALLER, 'STOP')
    expect(await w.store.sms.isOptedOut(CALLER)).toBe(true)
    await reply(CALLER, 'START')
    expect(await w.store.sms.isOptedOut(CALLER)).toBe(false)
  })
})

describe('callbacks and crash recovery', () => {
  test('CALL is rate-limited per number: at most 3 callbacks an hour', async () => {
    const w = await world({ dialout: true })
    for (let i = 0; i < 4; i++) {
      await w.droppedCall(`d${i}`)
      const reply = await w.continuity.inboundSms(CALLER, 'CALL', undefined)
      if (i < 3) expect(reply).toBe('Calling you now.')
      else expect(reply).toContain('already tried to call you several times')
      // each callback completes before the next drop
      for (const cb of await w.store.callbacks.forCall(`d${i}`)) await w.store.callbacks.setStatus(cb.id, 'completed', Date.now())
    }
  })

  test('a dial-out the API refuses (4xx) marks the callback failed without retrying', async () => {
    const w = await world({ dialout: true })
    w.acApi.failNext(1, 400)
    await w.droppedCall()
    expect(await w.continuity.inboundSms(CALLER, 'CALL', undefined)).toBe('Calling you now.')
    const until = Date.now() + 30_000
    while ((await w.store.callbacks.forCall('c1'))[0]?.status === 'pending' && Date.now() < until) await Bun.sleep(10)
    expect((await w.store.callbacks.forCall('c1'))[0]?.status).toBe('failed')
    expect((await w.store.outbox.byKey('dialout:1'))?.status).toBe('failed')
  })

  test('calls left live by a dead process are dropped at the next start, once', async () => {
    const w = await world({ dialout: true })
    await w.store.calls.create({ id: 'live1', conversationId: 'conv-live1', direction: 'inbound', caller: CALLER, botName: 'b', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: Date.now() })
    await w.store.calls.create({ id: 'live2', conversationId: 'conv-live2', direction: 'inbound', caller: '+14155550777', botName: 'b', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: Date.now() })
    const open = async (id: string) => (id === 'live1' ? [{ id: 'T1', kind: 'book_appointment', title: 'booking an appointment', summary: fixedLine('s') }] : [])
    expect(await w.continuity.recoverCalls(await w.store.calls.takeOver('me', Date.now(), 'all'), open, 'test')).toBe(2)
    expect(await w.store.calls.get('live1')).toMatchObject({ state: 'ended', end_reason: 'crashed', resume_status: 'pending' })
    expect(await w.store.calls.get('live2')).toMatchObject({ state: 'ended', end_reason: 'crashed', resume_status: null })
    expect((await w.store.outbox.forCall('live1')).map((r) => r.kind)).toEqual(['sms'])
    expect(await w.store.outbox.forCall('live2')).toHaveLength(0)
    // A second start finds nothing live: no second SMS.
    expect(await w.continuity.recoverCalls(await w.store.calls.takeOver('me', Date.now(), 'all'), open, 'test')).toBe(0)
    // Declared dropped again anyway (a second sweeper with a stale list): the call is no longer live, nothing is sent.
    expect(await w.continuity.recoverCalls([(await w.store.calls.get('live1'))!], open, 'test')).toBe(1)
    expect(await w.store.outbox.forCall('live1')).toHaveLength(1)
  })
})
