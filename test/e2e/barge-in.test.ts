/**
 * Barge-in through the real server: the caller talks over a long bot utterance. The bot must report the speech as it
 * starts (VoiceAI Connect cuts the playback on that, before the caller's turn ends), truncate the model's item
 * at what the caller actually heard, send no more audio of the cancelled response, and answer the new turn.
 *
 * Every check is an order or a bound the simulator measured, never a wall-clock budget: on a loaded machine the
 * audio can trail the playback clock and messages can lag, and the test waits for that rather than failing on it.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'

let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const LONG_GREETING =
  'Hello and welcome to {business}. We look after the whole family, from check ups to urgent care, six days a week. How can I help you today?'

/** How far the server's estimate of what was heard may stray from the simulator's playback model (PLAYOUT_DELAY_MS is 20). */
const SLACK_MS = 40

test('caller talks over the bot: playStream.stop, speech.started, truncate at the heard ms, no late audio', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', GREETING: LONG_GREETING } })
  const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await call.startCall()
  // Interrupt once the greeting is well under way (heard past 1.5 s) and the caller's side holds half a second of it not
  // yet heard: only then has a barge-in something to throw away, and truncating at what was sent would show. On a
  // loaded machine the audio can trail the playback clock for a long while; this waits for it to get ahead.
  const greeting = await call.waitFor(
    () => {
      const s = call.streams[0]
      return s && s.heardMs > 1500 && s.durationMs - s.heardMs > 500 ? s : undefined
    },
    60_000,
    'the greeting under way with half a second of it queued',
  )
  const spokeAt = call.now()
  const heardWhenSpoken = call.heardMs(greeting.id)
  await call.say('What are your opening hours?')
  await call.waitForBotSaid('monday', 30_000)

  const cut = call.streams.find((s) => s.id === greeting.id)!
  expect(cut.interrupted).toBe(true)
  expect(cut.interruptedBy).toBe('barge-in')
  // What the caller heard, per the simulator's playback model: not all that had been sent.
  const heard = cut.heardMs
  expect(heard).toBeGreaterThanOrEqual(heardWhenSpoken)
  expect(heard).toBeLessThan(cut.durationMs)

  // The bot reported the caller's speech as it started, not at the end of the turn: VoiceAI Connect cut the playback on
  // that report, before the bot reported the speech stopped.
  const inbound = (type: string) => call.log.find((e) => e.dir === 'in' && e.type === type && e.t >= spokeAt)
  const started = inbound('userStream.speech.started')
  const stopped = inbound('userStream.speech.stopped')
  expect(started).toBeDefined()
  expect(stopped).toBeDefined()
  expect(cut.interruptedAt!).toBeLessThan(stopped!.t)
  // The play stream was stopped (at the end of its audio or on the barge-in), and no audio of it came after the stop
  // (the simulator also enforces this as a protocol rule).
  const stop = call.log.find((e) => e.dir === 'in' && e.type === 'playStream.stop' && e.message?.streamId === greeting.id)
  expect(stop).toBeDefined()
  expect(call.log.some((e) => e.dir === 'in' && e.type === 'playStream.chunk' && e.message?.streamId === greeting.id && e.seq > stop!.seq)).toBe(false)

  // The model's item was truncated at what the caller heard: the server decided between the caller starting to speak
  // and its speech report cutting the playback, so its figure lies within what was heard in that span, ± SLACK_MS.
  const session = world.emulator.session()!
  const truncate = session.received.find((r) => r.event.type === 'conversation.item.truncate')
  const audioEndMs = (truncate?.event.raw as { audio_end_ms?: number } | undefined)?.audio_end_ms
  expect(audioEndMs).toBeDefined()
  expect(audioEndMs!).toBeGreaterThanOrEqual(heardWhenSpoken - SLACK_MS)
  expect(audioEndMs!).toBeLessThanOrEqual(heard + SLACK_MS)
  expect(audioEndMs!).toBeLessThan(cut.durationMs)
  // …and the model now believes it said only that much.
  const assistant = session.items.find((i) => i.wire.type === 'message' && i.wire.role === 'assistant')
  expect(assistant?.heard?.length ?? 0).toBeLessThan(LONG_GREETING.length - 20)
  expect(world.server.registry.counterTotal('fastagent_barge_ins_total')).toBe(1)
  call.assertNoViolations()
  await call.hangup()
}, 90_000)
