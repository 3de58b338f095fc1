import { afterEach, describe, expect, test } from 'bun:test'
import { FakeBot, type FakeBotOptions } from './fake-bot'
import { VaicSimulator, type VaicSimulatorOptions } from './simulator'

const T = 15_000
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function setup(bot: FakeBotOptions = {}, sim: Partial<VaicSimulatorOptions> = {}) {
  const fake = new FakeBot(bot)
  const s = new VaicSimulator({ url: fake.url, realtime: false, ...sim })
  cleanups.push(() => fake.stop(), () => s.dispose())
  return { fake, sim: s }
}

describe('drop and resume', () => {
  test('drop kills the socket without session.end; resume continues the same conversation', async () => {
    const { fake, sim } = setup({ greeting: 'welcome' })
    await sim.startCall()
    await sim.waitForBotSaid('welcome', T)
    const first = fake.last
    expect(await sim.drop()).toBe('terminate')
    expect(sim.ended).toMatchObject({ by: 'drop', dropMethod: 'terminate' })
    await sim.waitFor(() => first.closed, T)
    expect(first.types()).not.toContain('session.end')

    const r = await sim.resume()
    expect(r).toEqual({ ok: true, mediaFormat: 'raw/lpcm16' })
    expect(sim.ended).toBeUndefined()
    const second = fake.last
    expect(second).not.toBe(first)
    expect(second.received[0]).toEqual({ type: 'session.resume', conversationId: sim.conversationId })
    // The resumed call works: the user stream restarts and the bot answers on a new stream id.
    await sim.say('still there')
    await sim.silence(400)
    const answer = await sim.waitForBotSaid('you said still there', T)
    expect(answer.id).toBe('2')
    expect(answer.socket).toBe(2)
    await sim.hangup()
    sim.assertNoViolations()
    expect(sim.formatLog()).toContain('#2 → session.resume')
  })

  test('resume may repeat supportedMediaFormats', async () => {
    const { fake, sim } = setup()
    await sim.startCall()
    await sim.drop()
    await sim.resume({ withFormats: true })
    expect(fake.last.received[0]).toEqual({ type: 'session.resume', conversationId: sim.conversationId, supportedMediaFormats: ['raw/lpcm16', 'raw/mulaw', 'raw/lpcm16_24'] })
    sim.assertNoViolations()
  })

  test('a resume accepted with a different media format is a violation', async () => {
    const { sim } = setup({
      onMessage: (msg, s) => {
        if (msg.type !== 'session.resume') return false
        s.send({ type: 'session.accepted', mediaFormat: 'raw/mulaw' })
        return true
      },
    })
    await sim.startCall()
    await sim.drop()
    await sim.resume()
    expect(sim.violations.map((v) => v.rule)).toEqual(['resume-format-changed'])
    expect(sim.mediaFormat).toBe('raw/lpcm16') // the call keeps its format
  })

  test('a resume the bot does not know is recorded as session.error', async () => {
    const { fake, sim } = setup()
    await sim.startCall()
    await sim.drop()
    fake.conversations.clear()
    const r = await sim.resume()
    expect(r).toEqual({ ok: false, reason: 'conversation not found' })
    expect(sim.sessionError).toBe('conversation not found')
    expect(sim.ended?.by).toBe('session-error')
    sim.assertNoViolations()
  })

  test('a stream open when the socket drops is marked lost; what was received still plays', async () => {
    const { sim } = setup({
      onMessage: (msg, s) => {
        if (msg.type === 'activities' && JSON.stringify(msg).includes('"start"')) {
          s.handle(msg)
          void s.play('half a sentence', { streamId: '1', stop: false })
          return true
        }
        return false
      },
    })
    await sim.startCall()
    await sim.waitFor(() => sim.streams[0]?.text === 'half a sentence', T)
    await sim.drop()
    expect(sim.streams[0]).toMatchObject({ lost: true, open: false })
    await sim.waitForPlaybackIdle(T)
    expect(sim.streams[0]!.heardText).toBe('half a sentence')
  })
})
