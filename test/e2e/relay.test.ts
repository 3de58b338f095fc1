/**
 * The phone leg and the audio relay through the real server: every negotiated format end to end (the model hears the
 * caller and the caller hears the model through passthrough or the resampler), byte-identical passthrough both ways,
 * auth refusal and the validation probe with the strict simulator, drop + resume within and after the grace period.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { LatencyProbe } from '../../src/sim/latency-probe'
import { connectionValidate } from '../../src/sim/vaic/simulator'
import type { AcMediaFormat } from '../../src/audio/formats'
import { untilAskedForTime } from '../kit/call-steps'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' }
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

describe('formats', () => {
  test.each<[AcMediaFormat, string, number | undefined]>([
    ['raw/lpcm16_24', 'audio/pcm', 24000],
    ['raw/mulaw', 'audio/pcmu', undefined],
    ['raw/lpcm16', 'audio/pcm', 24000],
    ['raw/lpcm16_8', 'audio/pcm', 24000],
    ['wav/lpcm16', 'audio/pcm', 24000],
  ])('%s: negotiated, model leg in %s, speech understood both ways', async (format, openaiType, rate) => {
    world = await startWorld({ env: HOURS })
    const call = world.call({ supportedMediaFormats: [format] })
    expect(await call.startCall()).toEqual({ ok: true, mediaFormat: format })
    await call.waitForBotSaid('how can i help', 15_000)
    await call.waitForPlaybackIdle(15_000)
    // The model session was configured for the matching OpenAI format, both directions.
    const cfg = world.emulator.session()?.config
    expect(String(cfg?.audio?.input?.format?.type)).toBe(openaiType)
    expect(String(cfg?.audio?.output?.format?.type)).toBe(openaiType)
    if (rate) expect((cfg?.audio?.input?.format as { rate?: number } | undefined)?.rate).toBe(rate)
    // The emulator's ear decodes what the caller said (through the converter), and the caller decodes the answer.
    await call.say('What are your opening hours?')
    await call.waitForBotSaid('monday to sunday, 8 am to 8 pm', 15_000)
    const heard = world.emulator.session()?.items.filter((i) => i.wire.type === 'message' && i.wire.role === 'user').map((i) => i.heard)
    expect(heard).toContain('what are your opening hours?')
    call.assertNoViolations()
    await call.hangup()
  }, 60_000)

  test.each<AcMediaFormat>(['raw/lpcm16_24', 'raw/mulaw'])('%s is byte-identical passthrough in both directions', async (format) => {
    const probe = new LatencyProbe()
    world = await startWorld({ env: HOURS, probe })
    const call = world.call({ supportedMediaFormats: [format] })
    await call.startCall()
    await call.waitForBotSaid('how can i help', 15_000)
    await call.waitForPlaybackIdle(15_000)
    await call.say('What are your opening hours?')
    await call.waitForBotSaid('monday', 15_000)
    await call.hangup()
    await Bun.sleep(100)
    // Every chunk the caller sent reached the model as the very same base64 string, and every delta the model sent
    // reached the caller unchanged: all matched, none unmatched.
    expect(probe.up.samples.length).toBeGreaterThan(50)
    expect(probe.up.unmatched).toBe(0)
    expect(probe.down.samples.length).toBeGreaterThan(10)
    expect(probe.down.unmatched).toBe(0)
  }, 60_000)
})

describe('phone leg', () => {
  test('wrong or missing token: HTTP 401, no socket, no call row', async () => {
    world = await startWorld({ env: HOURS })
    for (const token of ['wrong-token-0123456789', undefined]) {
      const call = world.call(token === undefined ? { token: undefined as unknown as string } : { token })
      const r = await call.startCall()
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.status).toBe(401)
    }
    expect((await world.server.store.sql.get('SELECT COUNT(*) AS n FROM calls'))).toEqual({ n: 0 })
  }, 30_000)

  test('validation probe', async () => {
    world = await startWorld({ env: HOURS })
    const r = await connectionValidate(`${world.server.wsUrl}/audiocodes`, 'world-bot-token-0123456789')
    expect(r.ok).toBe(true)
  }, 30_000)

  test('socket drop and session.resume within grace: the call goes on, nothing is lost, no SMS', async () => {
    world = await startWorld({ env: { ...HOURS, DROP_GRACE_SECONDS: '3' } })
    const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
    await untilAskedForTime(call)
    await call.drop()
    await Bun.sleep(300)
    expect(await call.resume()).toEqual({ ok: true, mediaFormat: 'raw/lpcm16_24' })
    // session.resume continues the very conversation (a verified return): the model session it had goes on, with
    // everything said so far (issue 13 item 17).
    expect(world.emulator.sessions).toHaveLength(1)
    expect(world.emulator.sessions[0]!.items.map((i) => JSON.stringify(i.wire)).join('\n').toLowerCase()).toContain('book an appointment for tomorrow.')
    await call.say('10 AM.')
    await call.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
    await call.waitForPlaybackIdle(15_000)
    await call.say('Yes.')
    await call.waitForBotSaid('booked', 15_000)
    await call.hangup()
    await Bun.sleep(300)
    expect(world.twilio.messages).toHaveLength(0)
    expect((await world.server.store.appointments.upcomingFor('+14155550123', 0))).toHaveLength(1)
    call.assertNoViolations()
  }, 90_000)

  test('drop without resume: after the grace period the call is dropped (task open → one SMS); a late resume is refused', async () => {
    world = await startWorld({ env: { ...HOURS, DROP_GRACE_SECONDS: '0.5' } })
    const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
    await call.startCall()
    await call.waitForBotSaid('how can i help', 15_000)
    await call.waitForPlaybackIdle(15_000)
    await call.say('Book an appointment for tomorrow.')
    await call.waitForBotSaid('what time', 15_000)
    await call.drop()
    await world.twilio.waitForMessages(1, 10_000)
    const r = await call.resume()
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toContain('conversation not found')
    const row = (await world.server.store.calls.byConversation(call.conversationId))
    expect(row?.end_reason).toBe('lost')
    expect(row?.resume_status).toBe('pending')
  }, 60_000)
})
