import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { Lifecycle } from '../../ops/lifecycle'
import { memoryLogger } from '../../ops/log'
import { MetricsRegistry } from '../../ops/metrics'
import { audiocodesEndpoint, ConversationRegistry, type CallAcceptor, type IncomingCall } from './endpoint'
import { telephonyMetrics } from './metrics'
import type { LegEnd, PhoneLegHandler } from './phone-leg'

const TOKEN = 'test-token-123456'

type Recorded = { calls: IncomingCall[]; events: string[]; ends: LegEnd[] }

function recordingAcceptor(rec: Recorded, reject?: string, acceptMs = 0): CallAcceptor {
  return {
    async accept(call) {
      // Accepting reads and writes the store: frames keep arriving meanwhile.
      if (acceptMs > 0) await Bun.sleep(acceptMs)
      if (reject) return { ok: false, reason: reject }
      rec.calls.push(call)
      const h: PhoneLegHandler = {
        accepted: () => rec.events.push('accepted'),
        start: (p) => rec.events.push(`start:${JSON.stringify(p)}`),
        audio: (b) => rec.events.push(`audio:${b}`),
        userStream: (a) => rec.events.push(`userStream:${a}`),
        dtmf: (d) => rec.events.push(`dtmf:${d}`),
        noUserInput: (n) => rec.events.push(`noUserInput:${n}`),
        playFinished: (s) => rec.events.push(`playFinished:${s}`),
        transferStatus: (s) => rec.events.push(`transferStatus:${s.status}`),
        activity: (a) => rec.events.push(`activity:${a.name}`),
        connectionLost: () => rec.events.push('lost'),
        resumed: () => rec.events.push('resumed'),
        ended: (e) => rec.ends.push(e),
      }
      return { ok: true, handler: h }
    },
  }
}

type Harness = { url: string; http: string; rec: Recorded; registry: MetricsRegistry; conversations: ConversationRegistry; lifecycle: Lifecycle; stop(): Promise<void>; logs: string[] }

async function start(opts: { graceMs?: number; maxCalls?: number; rate?: number; reject?: string; overloaded?: () => boolean; now?: () => number; acceptMs?: number } = {}): Promise<Harness> {
  const rec: Recorded = { calls: [], events: [], ends: [] }
  const registry = new MetricsRegistry()
  const conversations = new ConversationRegistry()
  const lifecycle = new Lifecycle()
  lifecycle.markReady()
  const { log, lines } = memoryLogger('debug')
  const app = new Elysia({ websocket: { maxPayloadLength: 64 * 1024 } })
    .use(
      audiocodesEndpoint({
        token: TOKEN,
        graceMs: opts.graceMs ?? 200,
        maxCalls: opts.maxCalls ?? 10,
        authFailuresPerMinute: opts.rate ?? 1000,
        ...(opts.now ? { now: opts.now } : {}),
        overloaded: opts.overloaded ?? (() => false),
        lifecycle,
        log,
        metrics: telephonyMetrics(registry, () => conversations.size),
        acceptor: recordingAcceptor(rec, opts.reject, opts.acceptMs),
        registry: conversations,
      }),
    )
    .listen({ port: 0, hostname: '127.0.0.1', reusePort: false })
  const port = app.server?.port
  return {
    url: `ws://127.0.0.1:${port}/audiocodes`,
    http: `http://127.0.0.1:${port}/audiocodes`,
    rec,
    registry,
    conversations,
    lifecycle,
    logs: lines,
    stop: async () => {
      await app.stop(true)
    },
  }
}

/** A raw client: every frame it receives, in order. */
async function connect(url: string, token: string | undefined = TOKEN) {
  const ws = new WebSocket(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
  const frames: unknown[] = []
  let closed: { code: number; reason: string } | undefined
  ws.onmessage = (e) => frames.push(JSON.parse(String(e.data)))
  ws.onclose = (e) => (closed = { code: e.code, reason: e.reason })
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve()
    ws.onerror = () => reject(new Error('connect failed'))
  })
  const waitFor = async (pred: (f: Record<string, unknown>) => boolean, ms = 3000) => {
    const until = Date.now() + ms
    for (;;) {
      const f = frames.find((x) => pred(x as Record<string, unknown>))
      if (f) return f as Record<string, unknown>
      if (Date.now() > until) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`)
      await Bun.sleep(5)
    }
  }
  return {
    ws,
    frames,
    send: (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    waitFor,
    closed: () => closed,
    waitClosed: async (ms = 3000) => {
      const until = Date.now() + ms
      while (!closed) {
        if (Date.now() > until) throw new Error('not closed')
        await Bun.sleep(5)
      }
      return closed
    },
  }
}

const initiate = (id: string, formats: string[] = ['raw/lpcm16', 'raw/mulaw', 'raw/lpcm16_24'], caller = '+14155550123') => ({
  type: 'session.initiate',
  conversationId: id,
  botName: 'fastagent',
  caller,
  expectAudioMessages: true,
  supportedMediaFormats: formats,
})

async function upgradeStatus(url: string, token?: string): Promise<number> {
  const res = await fetch(url.replace('ws://', 'http://'), {
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  })
  return res.status
}

let h: Harness
beforeEach(async () => {
  h = await start()
})
afterEach(async () => {
  await h.stop()
})

describe('auth and admission', () => {
  test('no token, a wrong token, or another scheme: 401 before any socket or state, token never logged', async () => {
    expect(await upgradeStatus(h.url)).toBe(401)
    expect(await upgradeStatus(h.url, 'wrong-token-xyz')).toBe(401)
    const basic = await fetch(h.http, { headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13', authorization: `Basic ${TOKEN}` } })
    expect(basic.status).toBe(401)
    expect(h.conversations.size).toBe(0)
    expect(h.rec.calls).toHaveLength(0)
    expect(h.logs.join('\n')).not.toContain('wrong-token-xyz')
    expect(h.registry.render()).toContain('fastagent_vaic_refused_total{reason="unauthorized"}')
  })

  test('HTTP validation probe needs auth and answers ac-bot-api', async () => {
    const ok = await fetch(h.http, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(await ok.json()).toEqual({ type: 'ac-bot-api', success: true })
    const okPost = await fetch(h.http, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(await okPost.json()).toEqual({ type: 'ac-bot-api', success: true })
    expect((await fetch(h.http)).status).toBe(401)
  })

  test('overloaded (event-loop lag): new calls refused with 503 until it recovers', async () => {
    await h.stop()
    let busy = true
    h = await start({ overloaded: () => busy })
    expect(await upgradeStatus(h.url, TOKEN)).toBe(503)
    expect(h.registry.render()).toContain('fastagent_vaic_refused_total{reason="overloaded"}')
    busy = false
    expect(await upgradeStatus(h.url, TOKEN)).toBe(101)
  })

  test('draining: 503 on upgrade', async () => {
    h.lifecycle.startDraining()
    expect(await upgradeStatus(h.url, TOKEN)).toBe(503)
  })

  test('failed authentications spend a per-IP budget (then 429, upgrade and validation alike); authorized upgrades do not', async () => {
    let t = 1_000_000
    await h.stop()
    h = await start({ rate: 3, now: () => t })
    expect(await upgradeStatus(h.url, 'wrong-token-1234')).toBe(401)
    expect((await fetch(h.http, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
    expect(await upgradeStatus(h.url)).toBe(401)
    expect(await upgradeStatus(h.url, 'wrong-token-1234')).toBe(429)
    expect((await fetch(h.http)).status).toBe(429)
    // The same address with the right token is still served: the budget is for failures only.
    expect(await upgradeStatus(h.url, TOKEN)).toBe(101)
    expect((await fetch(h.http, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    expect(h.registry.render()).toContain('fastagent_vaic_refused_total{reason="rate-limited"} 2')
    t += 60_001 // a minute later the budget is back
    expect(await upgradeStatus(h.url, 'wrong-token-1234')).toBe(401)
  })

  test('300 authorized calls in one minute from one address are all accepted (the clock stands still)', async () => {
    const t = 5_000_000
    await h.stop()
    h = await start({ rate: 120, maxCalls: 500, now: () => t })
    for (let i = 0; i < 300; i++) {
      const c = await connect(h.url)
      c.send(initiate(`conv-300-${i}`))
      await c.waitFor((f) => f.type === 'session.accepted', 10_000)
      c.ws.close()
    }
    expect(h.rec.calls).toHaveLength(300)
    expect(h.registry.render()).not.toContain('reason="rate-limited"')
  }, 120_000)

  test('authorized calls are bounded by MAX_CONCURRENT_CALLS instead: 503 above it', async () => {
    await h.stop()
    h = await start({ rate: 1, maxCalls: 2 })
    const a = await connect(h.url)
    a.send(initiate('cap-a'))
    await a.waitFor((f) => f.type === 'session.accepted')
    const b = await connect(h.url)
    b.send(initiate('cap-b'))
    await b.waitFor((f) => f.type === 'session.accepted')
    expect(await upgradeStatus(h.url, TOKEN)).toBe(503)
    expect(h.registry.render()).toContain('fastagent_vaic_refused_total{reason="capacity"} 1')
    a.ws.close()
    b.ws.close()
  })
})

describe('conversation', () => {
  test('connection.validate → connection.validated', async () => {
    const c = await connect(h.url)
    c.send({ type: 'connection.validate' })
    expect(await c.waitFor((f) => f.type === 'connection.validated')).toEqual({ type: 'connection.validated', success: true })
    expect(h.rec.calls).toHaveLength(0)
    c.ws.close()
  })

  test.each([
    [['raw/lpcm16', 'raw/mulaw', 'raw/lpcm16_24'], 'raw/lpcm16_24'],
    [['raw/lpcm16', 'raw/mulaw'], 'raw/mulaw'],
    [['raw/lpcm16_8', 'raw/lpcm16'], 'raw/lpcm16'],
    [['raw/lpcm16_8'], 'raw/lpcm16_8'],
    [['wav/lpcm16', 'wav/lpcm16_24'], 'wav/lpcm16_24'],
  ])('negotiates %p → %s', async (offered, chosen) => {
    const c = await connect(h.url)
    c.send(initiate(`conv-${chosen}`, offered))
    expect(await c.waitFor((f) => f.type === 'session.accepted')).toEqual({ type: 'session.accepted', mediaFormat: chosen })
    c.ws.close()
  })

  test('nothing usable offered → session.error with a reason, no call created', async () => {
    const c = await connect(h.url)
    c.send(initiate('conv-x', ['raw/opus', 'raw/g729']))
    const err = await c.waitFor((f) => f.type === 'session.error')
    expect(String(err.reason)).toContain('no supported media format')
    expect(h.rec.calls).toHaveLength(0)
    expect(h.conversations.size).toBe(0)
    c.ws.close()
  })

  test('a full call: start activity, user stream, DTMF, noUserInput, playFinished, transferStatus, session.end', async () => {
    const c = await connect(h.url + '?tenant=acme&lang=en')
    c.send(initiate('conv-1'))
    await c.waitFor((f) => f.type === 'session.accepted')
    const call = h.rec.calls[0]
    expect(call?.caller).toBe('+14155550123')
    expect(call?.options).toEqual({ tenant: 'acme', lang: 'en' })
    c.send({ type: 'activities', conversationId: 'conv-1', activities: [{ type: 'event', name: 'start', parameters: { callee: '+18005550100', callerDisplayName: 'Ann' } }] })
    c.send({ type: 'userStream.start', conversationId: 'conv-1' })
    await c.waitFor((f) => f.type === 'userStream.started')
    c.send({ type: 'userStream.chunk', conversationId: 'conv-1', audioChunk: 'AAAA' })
    c.send({ type: 'activities', conversationId: 'conv-1', activities: [{ type: 'event', name: 'dtmf', value: '1' }] })
    c.send({ type: 'activities', conversationId: 'conv-1', activities: [{ type: 'event', name: 'noUserInput', value: 2 }] })
    c.send({ type: 'activities', conversationId: 'conv-1', activities: [{ type: 'event', name: 'playFinished', value: { streamId: '3' } }] })
    c.send({ type: 'activities', conversationId: 'conv-1', activities: [{ type: 'event', name: 'transferStatus', value: { status: 'failed', reasonCode: '486' } }] })
    c.send({ type: 'userStream.stop', conversationId: 'conv-1' })
    await c.waitFor((f) => f.type === 'userStream.stopped')
    c.send({ type: 'session.end', conversationId: 'conv-1', reasonCode: 'client-disconnected', reason: 'Client Side' })
    await c.waitClosed()
    expect(h.rec.events).toEqual([
      'accepted',
      'start:{"callee":"+18005550100","callerDisplayName":"Ann"}',
      'userStream:true',
      'audio:AAAA',
      'dtmf:1',
      'noUserInput:2',
      'playFinished:3',
      'transferStatus:failed',
      'userStream:false',
    ])
    expect(h.rec.ends).toEqual([{ by: 'caller', reasonCode: 'client-disconnected', reason: 'Client Side' }])
    expect(h.conversations.size).toBe(0)
    // Every frame took the fast path (the raw frame, without Elysia's per-message parse and wrapper).
    expect(h.registry.render()).toContain('fastagent_vaic_slow_path_frames_total 0')
  })

  test('bad input is logged and counted, never echoed, and the call goes on', async () => {
    const c = await connect(h.url)
    c.send('not json at all')
    c.ws.send(new Uint8Array([1, 2, 3]))
    c.send({ type: 'userStream.chunk', conversationId: 'conv-2', audioChunk: 'AAAA' }) // before session.initiate
    c.send({ type: 'bogus.type', conversationId: 'conv-2' })
    c.send(initiate('conv-2'))
    await c.waitFor((f) => f.type === 'session.accepted')
    c.send(initiate('conv-2')) // a second initiate
    c.send({ type: 'userStream.chunk', conversationId: 'conv-2', audioChunk: 'AAAA' }) // before userStream.started
    c.send({ type: 'userStream.start', conversationId: 'conv-2' })
    await c.waitFor((f) => f.type === 'userStream.started')
    c.send({ type: 'userStream.chunk', conversationId: 'conv-2', audioChunk: 'not base64!' })
    c.send({ type: 'userStream.chunk', conversationId: 'other-conv', audioChunk: 'AAAA' })
    c.send({ type: 'userStream.chunk', audioChunk: 'AAAA' }) // no conversationId
    c.send({ type: 'userStream.chunk', conversationId: 'conv-2', audioChunk: 'BBBB', vendorField: { x: 1 } }) // extra fields are fine
    await Bun.sleep(100)
    expect(h.rec.events.filter((e) => e.startsWith('audio:'))).toEqual(['audio:BBBB'])
    // Only protocol answers came back: each unusable frame before acceptance got session.error (VAIC waits for an
    // answer), after it nothing; no reply echoes what was sent.
    expect(c.frames.map((f) => (f as { type: string }).type)).toEqual(['session.error', 'session.error', 'session.error', 'session.error', 'session.accepted', 'userStream.started'])
    const reasons = c.frames.slice(0, 4).map((f) => String((f as { reason: unknown }).reason))
    expect(reasons[0]).toContain('invalid-json')
    expect(reasons[1]).toContain('binary-frame')
    expect(reasons[2]).toContain('userStream.chunk before session.initiate')
    expect(reasons[3]).toContain('unknown-type')
    expect(JSON.stringify(c.frames)).not.toContain('bogus.type')
    const metrics = h.registry.render()
    for (const reason of ['invalid-json', 'binary-frame', 'unknown-type', 'out-of-order-userStream.chunk-before-session.initiate', 'out-of-order-second-session.initiate', 'chunk-before-userStream.started', 'invalid-userStream.chunk', 'conversationId-mismatch']) {
      expect(metrics).toContain(`reason="${reason}"`)
    }
    expect(h.logs.join('\n')).not.toContain('not base64!')
    c.ws.close()
  })

  test('frames above the size limit close the socket with 1009', async () => {
    const c = await connect(h.url)
    c.send({ type: 'connection.validate', pad: 'x'.repeat(100_000) })
    expect((await c.waitClosed()).code).toBe(1009)
  })

  test('session.initiate without supportedMediaFormats is accepted as raw/lpcm16 (what AudioCodes\' SDK assumes)', async () => {
    const c = await connect(h.url)
    c.send({ type: 'session.initiate', conversationId: 'conv-noformats', botName: 'fastagent', caller: '+14155550123', expectAudioMessages: true })
    expect(await c.waitFor((f) => f.type === 'session.accepted' || f.type === 'session.error')).toEqual({ type: 'session.accepted', mediaFormat: 'raw/lpcm16' })
    expect(h.rec.calls[0]?.offeredFormats).toEqual(['raw/lpcm16'])
    expect(h.rec.calls[0]?.leg.mediaFormat).toBe('raw/lpcm16')
    c.ws.close()
  })

  test('an unusable session.initiate gets session.error with a reason, never silence; no call is created', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'session.initiate', botName: 'fastagent', supportedMediaFormats: ['raw/mulaw'] }, 'invalid-session.initiate'],
      [{ type: 'session.initiate', conversationId: 'conv-e1', supportedMediaFormats: 'raw/mulaw' }, 'supportedMediaFormats'],
      [{ type: 'session.initiate', conversationId: 'conv-e2', supportedMediaFormats: [] }, 'no supported media format'],
      [{ type: 'session.initiate', conversationId: 'conv-e3', expectAudioMessages: false, supportedMediaFormats: ['raw/mulaw'] }, 'expectAudioMessages'],
      [{ type: 'userStream.start', conversationId: 'conv-e4' }, 'before session.initiate'],
    ]
    for (const [msg, why] of cases) {
      const c = await connect(h.url)
      c.send(msg)
      const err = await c.waitFor((f) => f.type === 'session.error' || f.type === 'session.accepted')
      expect(err.type).toBe('session.error')
      expect(String(err.reason)).toContain(why)
      c.ws.close()
    }
    expect(h.rec.calls).toHaveLength(0)
    expect(h.conversations.size).toBe(0)
    expect(h.registry.render()).toContain('fastagent_vaic_sessions_total{outcome="no-audio"} 1')
  })

  test('a flood before acceptance is answered a bounded number of times, then only counted', async () => {
    const c = await connect(h.url)
    for (let i = 0; i < 50; i++) c.send('garbage')
    c.send(initiate('conv-after-flood'))
    await c.waitFor((f) => f.type === 'session.accepted')
    expect(c.frames.filter((f) => (f as { type: string }).type === 'session.error')).toHaveLength(10)
    c.ws.close()
  })

  test('frames sent while the call is being accepted are handled after session.accepted, in order', async () => {
    await h.stop()
    h = await start({ acceptMs: 80 })
    const c = await connect(h.url)
    c.send(initiate('conv-slow'))
    c.send(initiate('conv-slow')) // a second initiate on this socket: out of order once the first is accepted
    const other = await connect(h.url)
    other.send(initiate('conv-slow')) // the same conversation on another socket while the first is being accepted
    c.send({ type: 'userStream.start', conversationId: 'conv-slow' })
    c.send({ type: 'userStream.chunk', conversationId: 'conv-slow', audioChunk: 'AAAA' })
    c.send({ type: 'activities', conversationId: 'conv-slow', activities: [{ type: 'event', name: 'dtmf', value: '5' }] })
    await c.waitFor((f) => f.type === 'userStream.started')
    await Bun.sleep(50)
    expect(c.frames.map((f) => (f as { type: string }).type)).toEqual(['session.accepted', 'userStream.started'])
    expect(other.frames).toEqual([{ type: 'session.error', conversationId: 'conv-slow', reason: 'conversation already active' }])
    expect(h.rec.calls).toHaveLength(1)
    expect(h.rec.events).toEqual(['accepted', 'userStream:true', 'audio:AAAA', 'dtmf:5'])
    expect(h.registry.render()).toContain('reason="out-of-order-second-session.initiate"')
    c.ws.close()
    other.ws.close()
  })

  test('the socket closing while the call is being accepted ends the call through the drop path', async () => {
    await h.stop()
    h = await start({ acceptMs: 80, graceMs: 50 })
    const c = await connect(h.url)
    c.send(initiate('conv-gone'))
    await Bun.sleep(10)
    c.ws.close()
    const until = Date.now() + 30_000
    while (h.rec.ends.length === 0 && Date.now() < until) await Bun.sleep(10)
    expect(h.rec.calls).toHaveLength(1)
    expect(h.rec.ends).toHaveLength(1)
    expect(h.conversations.size).toBe(0)
  })

  test('acceptor refusal → session.error', async () => {
    await h.stop()
    h = await start({ reject: 'closed for maintenance' })
    const c = await connect(h.url)
    c.send(initiate('conv-r'))
    expect((await c.waitFor((f) => f.type === 'session.error')).reason).toBe('closed for maintenance')
    expect(h.conversations.size).toBe(0)
    c.ws.close()
  })
})

describe('drop and resume', () => {
  test('socket drop then session.resume within grace re-attaches with the same format', async () => {
    const a = await connect(h.url)
    a.send(initiate('conv-d', ['raw/mulaw']))
    await a.waitFor((f) => f.type === 'session.accepted')
    a.ws.close(4000, 'network')
    await a.waitClosed()
    await Bun.sleep(20)
    expect(h.rec.events).toContain('lost')
    const b = await connect(h.url)
    b.send({ type: 'session.resume', conversationId: 'conv-d' })
    expect(await b.waitFor((f) => f.type === 'session.accepted')).toEqual({ type: 'session.accepted', mediaFormat: 'raw/mulaw' })
    await Bun.sleep(300) // past the grace period: the resume cancelled the drop
    expect(h.rec.events).toContain('resumed')
    expect(h.rec.ends).toHaveLength(0)
    b.send({ type: 'userStream.start', conversationId: 'conv-d' })
    await b.waitFor((f) => f.type === 'userStream.started')
    b.send({ type: 'session.end', conversationId: 'conv-d', reasonCode: 'client-disconnected' })
    await b.waitClosed()
    expect(h.rec.ends.map((e) => e.by)).toEqual(['caller'])
  })

  test('no resume within grace → ended as lost; a late resume is refused', async () => {
    const a = await connect(h.url)
    a.send(initiate('conv-l'))
    await a.waitFor((f) => f.type === 'session.accepted')
    a.ws.close(4000, 'network')
    await Bun.sleep(400)
    expect(h.rec.ends.map((e) => e.by)).toEqual(['lost'])
    const b = await connect(h.url)
    b.send({ type: 'session.resume', conversationId: 'conv-l' })
    expect(await b.waitFor((f) => f.type === 'session.error')).toEqual({ type: 'session.error', conversationId: 'conv-l', reason: 'conversation not found' })
    b.ws.close()
  })
})
