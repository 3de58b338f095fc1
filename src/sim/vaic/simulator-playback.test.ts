import { afterEach, describe, expect, test } from 'bun:test'
import type { AcMediaFormat } from '../../audio/formats'
import { normalizeText } from '../modem/code'
import { FakeBot, afterStart, type FakeBotOptions, type Json } from './fake-bot'
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


const LONG = 'this is a rather long prompt that takes a few seconds to play to the caller'

/** Arrival time of the last chunk of a stream, from the log. */
function lastChunkAt(sim: VaicSimulator, streamId: string): number {
  const chunks = sim.log.filter((e) => e.dir === 'in' && e.type === 'playStream.chunk' && e.message?.streamId === streamId)
  return chunks.at(-1)!.t
}

describe('playback model', () => {
  test('heard time grows at 1x from the first chunk and is capped by the audio received', async () => {
    const { fake, sim } = setup(afterStart((s) => s.play('hello world', { streamId: '1', stop: false })))
    await sim.startCall()
    await sim.waitFor(() => sim.streams[0]?.durationMs === 11 * 40, T)
    const first = sim.streams[0]!.firstChunkAt!
    const last = lastChunkAt(sim, '1')
    // Bounds that hold whatever the machine speed: never ahead of the wall clock since the first chunk, never behind
    // it once all audio has arrived.
    await sim.waitFor(() => sim.now() - last > 100, T)
    const now = sim.now()
    const heard = sim.heardMs('1')
    expect(heard).toBeLessThanOrEqual(Math.min(440, sim.now() - first) + 0.001)
    expect(heard).toBeGreaterThanOrEqual(Math.min(440, now - last) - 0.001)
    // With everything received, playback advances exactly with the clock.
    const t1 = sim.now()
    const h1 = sim.heardMs('1')
    await Bun.sleep(50)
    const t2 = sim.now()
    const h2 = sim.heardMs('1')
    if (h2 < 440) expect(h2 - h1).toBeCloseTo(t2 - t1, 0)
    // Capped: once all 440 ms are heard the open stream plays nothing more, and it still counts as playing.
    await sim.waitFor(() => sim.heardMs('1') >= 440, T)
    await Bun.sleep(50)
    expect(sim.heardMs('1')).toBe(440)
    expect(sim.playing).toBe(true)
    fake.last.send({ type: 'playStream.stop', streamId: '1' })
    await sim.waitForPlaybackIdle(T)
    expect(sim.streams[0]).toMatchObject({ text: 'hello world', heardText: 'hello world', interrupted: false, open: false })
    sim.assertNoViolations()
  })

  test('streams play back to back', async () => {
    const { sim } = setup(
      afterStart(async (s) => {
        await s.play('first', { streamId: 'a' })
        await s.play('second', { streamId: 'b' })
      }),
    )
    await sim.startCall()
    await sim.waitForPlaybackIdle(T)
    const [a, b] = sim.streams
    expect(b!.finishedAt! - a!.finishedAt!).toBeGreaterThanOrEqual(b!.durationMs - 1)
    expect(a!.finishedAt! - a!.firstChunkAt!).toBeGreaterThanOrEqual(a!.durationMs - 1)
    sim.assertNoViolations()
  })

  test('barge-in discards the queued audio and records what had been heard', async () => {
    const { fake, sim } = setup(afterStart((s) => s.play(LONG, { streamId: '1', stop: false })))
    await sim.startCall()
    await sim.waitFor(() => sim.heardMs('1') >= 400, T)
    fake.last.send({ type: 'userStream.speech.started' })
    await sim.waitFor(() => sim.streams[0]?.interrupted, T)
    const cut = sim.streams[0]!
    expect(cut.interruptedBy).toBe('barge-in')
    expect(cut.heardMs).toBeGreaterThanOrEqual(400)
    expect(cut.heardMs).toBeLessThan(cut.durationMs)
    expect(cut.text).toBe(normalizeText(LONG))
    expect(cut.heardText.length).toBeGreaterThan(0)
    expect(normalizeText(LONG).startsWith(cut.heardText)).toBe(true)
    expect(cut.heardText.length).toBeLessThan(cut.text.length)
    await Bun.sleep(100)
    expect(sim.heardMs('1')).toBe(cut.heardMs) // nothing more is played
    expect(sim.playing).toBe(false)
    fake.last.send({ type: 'playStream.stop', streamId: '1' })
    await sim.waitForPlaybackIdle(T)
    sim.assertNoViolations()
  })

  test('a hypothesis also barges in; with barge-in off nothing is cut', async () => {
    const on = setup(afterStart((s) => s.play(LONG, { streamId: '1', stop: false })))
    await on.sim.startCall()
    await on.sim.waitFor(() => on.sim.heardMs('1') >= 100, T)
    on.fake.last.send({ type: 'userStream.speech.hypothesis', alternatives: [{ text: 'wait' }] })
    await on.sim.waitFor(() => on.sim.streams[0]?.interrupted, T)

    const off = setup(afterStart((s) => s.play('hello', { streamId: '1', stop: false })), { bargeIn: false, followConfigBargeIn: false })
    await off.sim.startCall()
    await off.sim.waitFor(() => off.sim.heardMs('1') >= 100, T)
    off.fake.last.send({ type: 'userStream.speech.started' })
    await off.sim.waitFor(() => off.sim.heardMs('1') >= 200, T)
    expect(off.sim.streams[0]!.interrupted).toBe(false)
  })

  test('playFinished is sent after the stream finished playing, only when the bot enabled it', async () => {
    const enabled = setup(afterStart((s) => s.play('hello', { streamId: '1' })))
    await enabled.sim.startCall()
    const sent = await enabled.sim.waitFor(() => enabled.fake.last.received.find((m) => m.type === 'activities' && (m.activities as Json[])[0]?.name === 'playFinished'), T)
    expect((sent.activities as Json[])[0]).toMatchObject({ type: 'event', name: 'playFinished', value: { streamId: '1' }, parameters: { streamId: '1' } })
    const s = enabled.sim.streams[0]!
    const at = enabled.sim.log.find((e) => e.dir === 'out' && e.type === 'activities' && JSON.stringify(e.message).includes('playFinished'))!.t
    expect(at).toBeGreaterThanOrEqual(s.firstChunkAt! + s.durationMs - 1)

    const disabled = setup(afterStart((s) => s.play('hello', { streamId: '1' }), { config: false }))
    await disabled.sim.startCall()
    await disabled.sim.waitForPlaybackIdle(T)
    expect(disabled.sim.log.some((e) => e.dir === 'out' && JSON.stringify(e.message ?? {}).includes('playFinished'))).toBe(false)
    const withoutIt = setup(afterStart((s) => s.play('hello', { streamId: '1' }), { config: { bargeIn: true, sendEventsToBot: ['noUserInput'] } }))
    await withoutIt.sim.startCall()
    await withoutIt.sim.waitForPlaybackIdle(T)
    expect(withoutIt.sim.log.some((e) => e.dir === 'out' && JSON.stringify(e.message ?? {}).includes('playFinished'))).toBe(false)
  })
})

describe('hearing the bot', () => {
  const formats: AcMediaFormat[] = ['raw/mulaw', 'raw/lpcm16', 'raw/lpcm16_8', 'raw/lpcm16_24', 'wav/lpcm16', 'wav/mulaw']
  test('decodes tone-modem audio in every format and rate, and keeps the PCM for WAV files', async () => {
    const { sim } = setup(
      afterStart(async (s) => {
        for (const [i, f] of formats.entries()) await s.play(`stream ${i} in ${f}`, { format: f, chunkMs: 20 + i * 10 })
      }),
      { supportedMediaFormats: formats },
    )
    await sim.startCall()
    await sim.waitForBotSaid(`stream ${formats.length - 1}`, T)
    expect(sim.streams.map((s) => s.text)).toEqual(formats.map((f, i) => normalizeText(`stream ${i} in ${f}`)))
    const wav24 = sim.streamAudio('4')!
    expect(wav24.rate).toBe(24000)
    const dir = `${process.env.TMPDIR ?? '/tmp'}/vaic-sim-${crypto.randomUUID()}`
    const paths = await sim.saveStreams(dir)
    expect(paths).toHaveLength(formats.length)
    const bytes = new Uint8Array(await Bun.file(paths[0]!).arrayBuffer())
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RIFF')
    sim.assertNoViolations()
  })
})

describe('endings', () => {
  test('bot hangup: session.end bot-disconnected; a goodbye still playing is cut', async () => {
    const { fake, sim } = setup(
      afterStart(async (s) => {
        await s.play(LONG)
        s.send({ type: 'activities', activities: [{ type: 'event', name: 'hangup', activityParams: { hangupReason: 'done' } }] })
      }),
    )
    await sim.startCall()
    const ended = await sim.waitForEnd(T)
    expect(ended).toMatchObject({ by: 'bot-hangup', reasonCode: 'bot-disconnected', reason: 'done' })
    const s = sim.streams[0]!
    expect(s.interruptedBy).toBe('hangup')
    expect(s.heardMs).toBeLessThan(s.durationMs)
    await sim.waitFor(() => fake.last.closed, T)
    expect(fake.last.received.at(-1)).toMatchObject({ type: 'session.end', reasonCode: 'bot-disconnected' })
    sim.assertNoViolations()
  })

  test('a polite bot hangs up after playFinished: the goodbye is heard in full', async () => {
    const { sim } = setup({
      greeting: 'goodbye',
      onMessage: (msg, s) => {
        if (msg.type === 'activities' && (msg.activities as Json[])[0]?.name === 'playFinished') {
          s.send({ type: 'activities', activities: [{ type: 'event', name: 'hangup' }] })
          return true
        }
        return false
      },
    })
    await sim.startCall()
    await sim.waitForEnd(T)
    expect(sim.streams[0]).toMatchObject({ text: 'goodbye', heardText: 'goodbye', interrupted: false })
    sim.assertNoViolations()
  })

  test('transfer: session.end transferred by default, or a transferStatus reply when configured', async () => {
    const transfer = { type: 'activities', activities: [{ type: 'event', name: 'transfer', activityParams: { transferTarget: 'tel:+18005550100', handoverReason: 'human', transferSipHeaders: [{ name: 'X-Case', value: '1' }] } }] }
    const a = setup(afterStart((s) => s.send(transfer)))
    await a.sim.startCall()
    expect(await a.sim.waitForEnd(T)).toMatchObject({ by: 'transfer', reasonCode: 'transferred' })
    a.sim.assertNoViolations()

    const b = setup(afterStart((s) => s.send(transfer)), { onTransfer: { status: 'failed', reasonCode: 'busy', reason: 'line busy' } })
    await b.sim.startCall()
    const reply = await b.sim.waitFor(() => b.fake.last.received.find((m) => m.type === 'activities' && (m.activities as Json[])[0]?.name === 'transferStatus'), T)
    expect((reply.activities as Json[])[0]).toMatchObject({ value: { status: 'failed', reasonCode: 'busy', reason: 'line busy' } })
    expect(b.sim.ended).toBeUndefined()
    b.sim.assertNoViolations()
  })

  test('caller hangup cuts what is playing', async () => {
    const { sim } = setup(afterStart((s) => s.play(LONG, { stop: false })))
    await sim.startCall()
    await sim.waitFor(() => sim.heardMs('1') > 100, T)
    await sim.hangup()
    expect(sim.streams[0]!.interruptedBy).toBe('hangup')
    expect(sim.ended?.by).toBe('caller')
    sim.assertNoViolations()
  })
})

describe('caller audio', () => {
  test('real time: chunks go out on absolute deadlines, never early', async () => {
    const { sim } = setup({ echo: false }, { realtime: true, idleSilence: false, chunkMs: 20 })
    await sim.startCall()
    const from = sim.log.length
    const r = await sim.say({ samples: new Int16Array(16000 / 2).fill(1000), rate: 16000 })
    expect(r).toEqual({ sentMs: 500, complete: true })
    const times = sim.log.slice(from).filter((e) => e.dir === 'out' && e.type === 'userStream.chunk').map((e) => e.t)
    expect(times).toHaveLength(25)
    for (const [k, t] of times.entries()) expect(t - times[0]!).toBeGreaterThanOrEqual(k * 20 - 2)
    sim.assertNoViolations()
  })

  test('chunks are in the accepted format (μ-law: 1 byte per sample, chunkMs long)', async () => {
    const { fake, sim } = setup({ echo: false }, { supportedMediaFormats: ['raw/mulaw'], chunkMs: 40 })
    await sim.startCall()
    await sim.say('abc') // 3 characters = 120 ms = 3 chunks of 40 ms
    const chunks = await sim.waitFor(() => {
      const c = fake.last.received.filter((m) => m.type === 'userStream.chunk')
      return c.length === 3 && c
    }, T)
    for (const c of chunks) expect(Buffer.from(String(c.audioChunk), 'base64').length).toBe(320)
  })

  test('barge-in off: the user stream stops for the bot turn and restarts after playback', async () => {
    const { fake, sim } = setup({ greeting: 'hi' }, { bargeIn: false, followConfigBargeIn: false })
    await sim.startCall()
    await sim.waitForBotSaid('hi', T)
    await sim.waitFor(() => sim.userStreamOpen && sim.log.filter((e) => e.type === 'userStream.start' && e.dir === 'out').length === 2, T)
    await sim.say('hello')
    await sim.silence(400)
    await sim.waitForBotSaid('you said hello', T)
    await sim.waitFor(() => sim.userStreamOpen && sim.log.filter((e) => e.type === 'userStream.start' && e.dir === 'out').length === 3, T)
    const control = fake.last.types().filter((t) => t === 'userStream.start' || t === 'userStream.stop')
    expect(control).toEqual(['userStream.start', 'userStream.stop', 'userStream.start', 'userStream.stop', 'userStream.start'])
    // No caller audio while the bot's answer played.
    const answer = sim.streams[1]!
    const during = sim.log.filter((e) => e.dir === 'out' && e.type === 'userStream.chunk' && e.t > answer.firstChunkAt! && e.t < answer.finishedAt!)
    expect(during).toEqual([])
    sim.assertNoViolations()
  })

  test('barge-in off: a caller who speaks during the prompt waits for its end', async () => {
    const { fake, sim } = setup(afterStart((s) => s.play('hold on please', { streamId: '1', stop: false }), { echo: false }), {
      bargeIn: false,
      followConfigBargeIn: false,
      autoUserStream: false,
    })
    await sim.startCall()
    await sim.waitFor(() => sim.heardMs('1') > 0, T)
    const said = sim.say('hi')
    await Bun.sleep(100)
    expect(fake.last.types()).not.toContain('userStream.start')
    fake.last.send({ type: 'playStream.stop', streamId: '1' })
    expect(await said).toMatchObject({ complete: true })
    const start = sim.log.find((e) => e.dir === 'out' && e.type === 'userStream.start')!
    expect(start.t).toBeGreaterThanOrEqual(sim.streams[0]!.finishedAt!)
    sim.assertNoViolations()
  })

  test('speaks a WAV file, resampled to the accepted format', async () => {
    const { writeWav } = await import('../../audio/wav')
    const { encodeText } = await import('../modem/encode')
    const { sim } = setup({}, { supportedMediaFormats: ['raw/lpcm16_24'] })
    await sim.startCall()
    await sim.say({ wav: writeWav(encodeText('from a file', 8000), 8000) })
    await sim.silence(400)
    await sim.waitForBotSaid('you said from a file', T)
    sim.assertNoViolations()
  })
})
