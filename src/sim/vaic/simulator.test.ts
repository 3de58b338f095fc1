import { afterEach, describe, expect, test } from 'bun:test'
import { FakeBot, type FakeBotOptions } from './fake-bot'
import { VaicSimulator, connectionValidate, type VaicSimulatorOptions } from './simulator'
import { probeUpgrade, statusFromError } from './upgrade-probe'

const T = 15_000
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function setup(bot: FakeBotOptions = {}, sim: Partial<VaicSimulatorOptions> = {}) {
  const fake = new FakeBot({ token: 'secret', ...bot })
  const s = new VaicSimulator({ url: fake.url, token: 'secret', ...sim })
  cleanups.push(() => fake.stop(), () => s.dispose())
  return { fake, sim: s }
}

describe('VaicSimulator against a correct bot', () => {
  test('full call: negotiate, start event, greeting, caller turn, DTMF, hang-up — no violations', async () => {
    const { fake, sim } = setup({ greeting: 'hello, how can i help?' }, { realtime: false, query: { tenant: 'acme' } })
    const started = await sim.startCall()
    expect(started).toEqual({ ok: true, mediaFormat: 'raw/lpcm16' })
    expect(fake.last.url).toContain('tenant=acme')
    expect(fake.last.authorization).toBe('Bearer secret')

    const greeting = await sim.waitForBotSaid('how can i help', T)
    expect(greeting.text).toBe('hello, how can i help?')
    expect(greeting.format).toBe('raw/lpcm16')

    await sim.say('book a table for two')
    await sim.silence(400)
    const answer = await sim.waitForBotSaid('you said book a table for two', T)
    expect(answer.id).toBe('2')

    expect(sim.dtmf('12#')).toBe(true)
    await sim.waitForPlaybackIdle(T)
    await sim.hangup()
    expect(sim.ended).toMatchObject({ by: 'caller', reasonCode: 'client-disconnected', reason: 'Client Side' })

    const bot = fake.last
    await sim.waitFor(() => bot.closed, T)
    const types = bot.types()
    expect(types.slice(0, 3)).toEqual(['session.initiate', 'activities', 'userStream.start'])
    expect(types.at(-1)).toBe('session.end')
    const initiate = bot.received[0]!
    expect(initiate).toMatchObject({ botName: 'fastagent', caller: '+14155550123', expectAudioMessages: true, supportedMediaFormats: ['raw/lpcm16', 'raw/mulaw', 'raw/lpcm16_24'] })
    const start = (bot.received[1]!.activities as Record<string, unknown>[])[0]!
    expect(start).toMatchObject({ type: 'event', name: 'start', language: 'en-US', parameters: { caller: '+14155550123', vaigConversationId: sim.conversationId } })
    expect(typeof start.id).toBe('string')
    expect(typeof start.timestamp).toBe('string')
    // Every message of the call carries the conversationId.
    for (const m of bot.received) expect(m.conversationId).toBe(sim.conversationId)
    const events = bot.received.filter((m) => m.type === 'activities').flatMap((m) => m.activities as Record<string, unknown>[])
    expect(events.find((a) => a.name === 'DTMF')).toMatchObject({ value: '12#' })
    expect(events.filter((a) => a.name === 'playFinished').map((a) => a.value)).toEqual([{ streamId: '1' }, { streamId: '2' }])

    sim.assertNoViolations()
    expect(sim.warnings).toEqual([])
    const log = sim.formatLog()
    expect(log).toContain('→ session.initiate')
    expect(log).toContain('← session.accepted')
    expect(log).toMatch(/← playStream.chunk "1" ×\d+/)
    expect(log).toMatch(/→ userStream.chunk ×\d+/)
  }, 30_000)

  test('validation probe: connection.validate → connection.validated{success:true}', async () => {
    const { fake } = setup()
    const ok = await connectionValidate(fake.url, 'secret')
    expect(ok.ok).toBe(true)
    expect(ok.violations).toEqual([])
    expect(fake.last.received).toEqual([{ type: 'connection.validate' }])
  })

  test('a refused upgrade exposes the HTTP status (wrong token, no token)', async () => {
    const { fake } = setup()
    const wrong = await connectionValidate(fake.url, 'nope')
    expect(wrong).toMatchObject({ ok: false, status: 401 })
    const none = new VaicSimulator({ url: fake.url })
    cleanups.push(() => none.dispose())
    const r = await none.startCall()
    expect(r).toMatchObject({ ok: false, status: 401 })
    expect(fake.sessions).toHaveLength(0)
  })

  test('session.error is recorded with its reason and the call ends', async () => {
    const { sim } = setup({ chooseFormat: () => undefined })
    const r = await sim.startCall()
    expect(r).toEqual({ ok: false, reason: 'no common media format' })
    expect(sim.sessionError).toBe('no common media format')
    expect(sim.ended?.by).toBe('session-error')
    sim.assertNoViolations()
  })

  test('start event carries outbound metadata and custom parameters', async () => {
    const { fake, sim } = setup({}, { dialoutMetadata: { callbackFor: 'abc' }, startParameters: { 'X-Tenant': 't1' }, callee: '+15550001111', autoUserStream: false })
    await sim.startCall()
    await sim.waitFor(() => fake.last.received.length >= 2, T)
    const start = (fake.last.received[1]!.activities as Record<string, unknown>[])[0]!
    expect(start.parameters).toMatchObject({ callee: '+15550001111', dialoutMetadata: { callbackFor: 'abc' }, 'X-Tenant': 't1' })
    await sim.hangup()
    sim.assertNoViolations()
  })

  test('probeUpgrade returns the upgrade status; statusFromError reads Bun\'s message', async () => {
    const { fake } = setup()
    expect(await probeUpgrade(fake.url, 'nope')).toBe(401)
    expect(await probeUpgrade(fake.url)).toBe(401)
    expect(await probeUpgrade(fake.url, 'secret')).toBe(101)
    expect(await probeUpgrade('ws://127.0.0.1:1/audiocodes', 'x', 2000)).toBeUndefined()
    expect(statusFromError("WebSocket connection to 'ws://x' failed: Expected 101 status code: 503")).toBe(503)
    expect(statusFromError('ECONNREFUSED')).toBeUndefined()
  })

  test('DTMF and noUserInput are sent only when the bot enabled them (unless forced)', async () => {
    const { fake, sim } = setup({ config: { bargeIn: true } }, { autoUserStream: false })
    await sim.startCall()
    await sim.waitFor(() => sim.sessionParams.bargeIn === true, T)
    expect(sim.dtmf('5')).toBe(false)
    expect(sim.noUserInput(1)).toBe(false)
    expect(sim.dtmf('5', { force: true })).toBe(true)
    expect(sim.noUserInput(2, { force: true })).toBe(true)
    const events = await sim.waitFor(() => {
      const e = fake.last.received.filter((m) => m.type === 'activities').flatMap((m) => m.activities as Record<string, unknown>[])
      return e.length === 3 && e
    }, T)
    expect(events.slice(1).map((a) => [a.name, a.value])).toEqual([
      ['DTMF', '5'],
      ['noUserInput', 2],
    ])
    expect(sim.log.filter((e) => e.type === 'dtmf-suppressed' || e.type === 'event-suppressed')).toHaveLength(2)
    await sim.hangup()
    sim.assertNoViolations()
  })
})
