import { afterEach, describe, expect, test } from 'bun:test'
import { encodeText } from '../modem/encode'
import { pcm16ToBase64 } from '../../audio/pcm'
import type { ViolationRule } from './event-log'
import { FakeBot, afterStart, type FakeBotOptions } from './fake-bot'
import { VaicSimulator, type VaicSimulatorOptions } from './simulator'

const T = 10_000
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


const audio16k = (text = 'hi') => pcm16ToBase64(encodeText(text, 16000))

async function expectViolation(sim: VaicSimulator, rule: ViolationRule): Promise<void> {
  const v = await sim.waitFor(() => sim.violations.find((x) => x.rule === rule), T, `a ${rule} violation`)
  expect(v.detail.length).toBeGreaterThan(0)
  expect(() => sim.assertNoViolations()).toThrow(rule)
}

describe('play-stream rules', () => {
  test('chunk before start', async () => {
    const { sim } = setup(afterStart((s) => s.send({ type: 'playStream.chunk', streamId: '1', audioChunk: audio16k() })))
    await sim.startCall()
    await expectViolation(sim, 'chunk-before-start')
    expect(sim.violations[0]!.message).toMatchObject({ type: 'playStream.chunk', streamId: '1' })
  })

  test('chunk after stop', async () => {
    const { sim } = setup(
      afterStart(async (s) => {
        await s.play('ok', { streamId: '1' })
        s.send({ type: 'playStream.chunk', streamId: '1', audioChunk: audio16k() })
      }),
    )
    await sim.startCall()
    await expectViolation(sim, 'chunk-before-start')
    expect(sim.violations[0]!.detail).toContain('after its playStream.stop')
  })

  test('chunk streamId does not match the open stream', async () => {
    const { sim } = setup(
      afterStart((s) => {
        s.send({ type: 'playStream.start', streamId: '1', mediaFormat: 'raw/lpcm16' })
        s.send({ type: 'playStream.chunk', streamId: '2', audioChunk: audio16k() })
      }),
    )
    await sim.startCall()
    await expectViolation(sim, 'stream-id-mismatch')
  })

  test('stop streamId does not match the open stream', async () => {
    const { sim } = setup(
      afterStart((s) => {
        s.send({ type: 'playStream.start', streamId: '1', mediaFormat: 'raw/lpcm16' })
        s.send({ type: 'playStream.stop', streamId: '7' })
      }),
    )
    await sim.startCall()
    await expectViolation(sim, 'stream-id-mismatch')
  })

  test('two streams open at once', async () => {
    const { sim } = setup(
      afterStart((s) => {
        s.send({ type: 'playStream.start', streamId: '1', mediaFormat: 'raw/lpcm16' })
        s.send({ type: 'playStream.start', streamId: '2', mediaFormat: 'raw/lpcm16' })
      }),
    )
    await sim.startCall()
    await expectViolation(sim, 'two-streams-open')
  })

  test('a streamId reused in the same conversation', async () => {
    const { sim } = setup(
      afterStart(async (s) => {
        await s.play('one', { streamId: 'a' })
        await s.play('two', { streamId: 'a' })
      }),
    )
    await sim.startCall()
    await expectViolation(sim, 'stream-id-reused')
    // Both streams are still recorded and heard separately.
    await sim.waitForBotSaid('two', T)
    expect(sim.streams.map((s) => [s.id, s.text])).toEqual([
      ['a', 'one'],
      ['a', 'two'],
    ])
  })

  test('a play format that was not offered', async () => {
    const { sim } = setup(afterStart((s) => s.play('hi', { format: 'raw/lpcm16_8' })))
    await sim.startCall()
    await expectViolation(sim, 'format-not-offered')
  })

  test('an accepted format that was not offered', async () => {
    const { sim } = setup({ chooseFormat: () => 'raw/lpcm16_8' })
    const r = await sim.startCall()
    expect(r.ok).toBe(false)
    await expectViolation(sim, 'format-not-offered')
  })

  test('odd PCM byte count and bad base64', async () => {
    const { sim } = setup(
      afterStart((s) => {
        s.send({ type: 'playStream.start', streamId: '1', mediaFormat: 'raw/lpcm16' })
        s.send({ type: 'playStream.chunk', streamId: '1', audioChunk: Buffer.from([1, 2, 3]).toString('base64') })
        s.send({ type: 'playStream.chunk', streamId: '1', audioChunk: 'not base64!' })
        s.send({ type: 'playStream.chunk', streamId: '1', audioChunk: '' })
      }),
    )
    await sim.startCall()
    await sim.waitFor(() => sim.violations.filter((v) => v.rule === 'bad-audio').length === 3, T)
  })
})

describe('message rules', () => {
  test('the bot sends session.end', async () => {
    const { sim } = setup(afterStart((s) => s.send({ type: 'session.end', reasonCode: 'bot-disconnected' })))
    await sim.startCall()
    await expectViolation(sim, 'bot-session-end')
  })

  test('invalid JSON', async () => {
    const { sim } = setup(afterStart((s) => s.sendRaw('{"type":"playStream.start",')))
    await sim.startCall()
    await expectViolation(sim, 'invalid-json')
    expect(sim.violations[0]!.message).toBe('{"type":"playStream.start",')
  })

  test('unknown message type', async () => {
    const { sim } = setup(afterStart((s) => s.send({ type: 'playStream.mark.set', streamId: '1' })))
    await sim.startCall()
    await expectViolation(sim, 'unknown-type')
  })

  test('binary frame', async () => {
    const { sim } = setup(afterStart((s) => s.sendRaw(new Uint8Array([0, 1, 2, 3]))))
    await sim.startCall()
    await expectViolation(sim, 'binary-frame')
  })

  test('schema failures: missing confidence, extra field, bad transfer target, too many DTMF digits', async () => {
    const { sim } = setup(
      afterStart((s) => {
        s.send({ type: 'userStream.speech.recognition', alternatives: [{ text: 'hi' }] })
        s.send({ type: 'userStream.speech.started', volume: 3 })
        s.send({ type: 'activities', activities: [{ type: 'event', name: 'transfer', activityParams: { transferTarget: '+18005550100' } }] })
        s.send({ type: 'activities', activities: [{ type: 'event', name: 'sendDtmf', activityParams: { dtmfDigits: '123456789012345678901' } }] })
      }),
    )
    await sim.startCall()
    await sim.waitFor(() => sim.violations.length >= 4, T)
    expect(sim.violations.map((v) => v.rule)).toEqual(['schema', 'schema', 'activity', 'activity'])
    expect(sim.ended).toBeUndefined() // the malformed transfer was not acted on
  })

  test('config with a wrongly typed known parameter', async () => {
    const { sim } = setup({ config: { bargeIn: 'yes' } })
    await sim.startCall()
    await expectViolation(sim, 'activity')
  })

  test('unknown bot events are warnings, not violations', async () => {
    const { sim } = setup(afterStart((s) => s.send({ type: 'activities', activities: [{ type: 'event', name: 'doMagic' }] })))
    await sim.startCall()
    await sim.waitFor(() => sim.warnings.find((w) => w.type === 'unknown-event'), T)
    sim.assertNoViolations()
  })

  test('a conversationId that is not this call', async () => {
    const { sim } = setup(afterStart((s) => s.send({ type: 'userStream.speech.started', conversationId: 'someone-else' })))
    await sim.startCall()
    await expectViolation(sim, 'conversation-id-mismatch')
  })

  test('play audio before session.accepted', async () => {
    const { sim } = setup({
      onMessage: (msg, s) => {
        if (msg.type !== 'session.initiate') return false
        s.send({ type: 'playStream.start', streamId: '1', mediaFormat: 'raw/lpcm16' })
        return false
      },
    })
    await sim.startCall()
    await expectViolation(sim, 'out-of-order')
  })

  test('unsolicited userStream.started', async () => {
    const { sim } = setup(afterStart((s) => s.send({ type: 'userStream.started' })), { autoUserStream: false })
    await sim.startCall()
    await expectViolation(sim, 'unsolicited')
  })
})

describe('user stream rules', () => {
  test('no userStream.started: a timeout violation and no chunk is ever sent', async () => {
    const { fake, sim } = setup({ onMessage: (msg) => msg.type === 'userStream.start' }, { replyTimeoutMs: 300, autoUserStream: false })
    await sim.startCall()
    const said = await sim.say('hello')
    expect(said.complete).toBe(false)
    await expectViolation(sim, 'timeout')
    expect(sim.violations[0]!.detail).toContain('userStream.started')
    expect(fake.last.types()).not.toContain('userStream.chunk')
  })

  test('no userStream.stopped: a timeout violation', async () => {
    const { sim } = setup({ onMessage: (msg) => msg.type === 'userStream.stop' }, { replyTimeoutMs: 300 })
    await sim.startCall()
    expect(await sim.stopUserStream()).toBe(false)
    await expectViolation(sim, 'timeout')
  })

  test('no session.accepted: a timeout violation', async () => {
    const { sim } = setup({ onMessage: (msg) => msg.type === 'session.initiate' }, { replyTimeoutMs: 300 })
    const r = await sim.startCall()
    expect(r.ok).toBe(false)
    await expectViolation(sim, 'timeout')
    expect(sim.ended?.by).toBe('no-answer')
  })

  test('the bot closing the socket mid-call is a violation', async () => {
    const { sim } = setup(afterStart((s) => s.close(1000, 'bye')))
    await sim.startCall()
    await expectViolation(sim, 'bot-closed')
    expect(sim.ended).toMatchObject({ by: 'bot-closed', closeCode: 1000 })
  })
})
