/**
 * What a real VoiceAI Connect may do differently, each as an option of the simulator, against the real server:
 * a session.initiate without supportedMediaFormats (AudioCodes' SDK assumes raw/lpcm16), expectAudioMessages false
 * (refused with session.error, never silence), a user stream that goes on after session.resume without a new
 * userStream.start (or restarts), and barge-in triggered by speech.started or only by a hypothesis.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { untilAskedForTime } from '../kit/call-steps'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

describe('session.initiate variants', () => {
  test('without supportedMediaFormats: accepted as raw/lpcm16, and the call talks both ways', async () => {
    world = await startWorld({ env: HOURS })
    const call = world.call({ omitMediaFormats: true })
    expect(await call.startCall()).toEqual({ ok: true, mediaFormat: 'raw/lpcm16' })
    await call.waitForBotSaid('how can i help', 15_000)
    await call.waitForPlaybackIdle(15_000)
    await call.say('What are your opening hours?')
    await call.waitForBotSaid('monday to sunday', 15_000)
    call.assertNoViolations()
    await call.hangup()
  }, 60_000)

  test('expectAudioMessages false: session.error with the reason, no call row', async () => {
    world = await startWorld({ env: HOURS })
    const call = world.call({ expectAudioMessages: false })
    const r = await call.startCall()
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toContain('expectAudioMessages')
    expect(call.ended?.by).toBe('session-error')
    expect((await world.server.store.sql.get('SELECT COUNT(*) AS n FROM calls'))).toEqual({ n: 0 })
  }, 30_000)
})

describe.each(['continue', 'restart'] as const)('after session.resume the user stream %ss', (mode) => {
  test('the caller is heard on the new socket and the task goes on', async () => {
    world = await startWorld({ env: { ...HOURS, DROP_GRACE_SECONDS: '3' } })
    const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'], resumeUserStream: mode })
    await untilAskedForTime(call)
    await call.drop()
    await Bun.sleep(200)
    expect(await call.resume()).toEqual({ ok: true, mediaFormat: 'raw/lpcm16_24' })
    const starts = call.log.filter((e) => e.dir === 'out' && e.type === 'userStream.start' && e.socket === 2).length
    expect(starts).toBe(mode === 'continue' ? 0 : 1)
    await call.say('10 AM.')
    await call.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
    call.assertNoViolations()
    await call.hangup()
  }, 60_000)
})

const LONG_GREETING =
  'Hello and welcome to {business}. We look after the whole family, from check ups to urgent care, six days a week. How can I help you today?'

describe.each(['hypothesis', 'speech-started'] as const)('barge-in when VAIC acts on %s', (trigger) => {
  test('the caller talks over the greeting: VAIC stops playing it, the bot answers', async () => {
    world = await startWorld({ env: { ...HOURS, GREETING: LONG_GREETING } })
    const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'], bargeInTrigger: trigger })
    await call.startCall()
    await call.waitFor(() => ((call.streams[0]?.heardMs ?? 0) > 1500 ? true : undefined), 15_000)
    const greeting = call.streams[0]!
    await call.say('What are your opening hours?')
    await call.waitForBotSaid('monday', 15_000)
    const cut = call.streams.find((s) => s.id === greeting.id)!
    expect(cut.interruptedBy).toBe('barge-in')
    expect(cut.heardMs).toBeLessThan(cut.durationMs)
    // The hypothesis carries a word (VAIC's bargeInMinWordCount defaults to 1) and comes with speech.started.
    const hyp = call.log.find((e) => e.dir === 'in' && e.type === 'userStream.speech.hypothesis')
    expect(hyp).toBeDefined()
    const alt = (hyp?.message as { alternatives?: { text: string }[] } | undefined)?.alternatives?.[0]?.text ?? ''
    expect(alt.trim().length).toBeGreaterThan(0)
    call.assertNoViolations()
    await call.hangup()
  }, 60_000)
})
