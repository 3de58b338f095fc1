/**
 * Barge-in through the real server: the caller talks over a long bot utterance. The bot must stop the play stream
 * and report speech at once, truncate the model's item at what the caller actually heard (within ±40 ms of the
 * simulator's modelled playback), send no more audio of the cancelled response, and answer the new turn.
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

test('caller talks over the bot: playStream.stop, speech.started, truncate at the heard ms, no late audio', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', GREETING: LONG_GREETING } })
  const call = world.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  await call.startCall()
  // Wait until the greeting is well under way (heard past 1.5 s, and more than 4 s of it delivered: on a loaded machine
  // the emulator's audio can trail the playback clock), then interrupt it.
  await call.waitFor(() => {
    const s = call.streams[0]
    return s && s.heardMs > 1500 && s.durationMs > 4000 ? true : undefined
  }, 15_000)
  const greeting = call.streams[0]!
  expect(greeting.durationMs).toBeGreaterThan(4000)
  const spokeAt = call.now()
  await call.say('What are your opening hours?')
  await call.waitForBotSaid('monday', 15_000)

  const cut = call.streams.find((s) => s.id === greeting.id)!
  expect(cut.interrupted).toBe(true)
  expect(cut.interruptedBy).toBe('barge-in')
  // What the caller heard, per the simulator's playback model.
  const heard = cut.heardMs
  expect(heard).toBeGreaterThan(1500)
  expect(heard).toBeLessThan(cut.durationMs)

  // The bot reacted within a VAD detection time, not after the utterance: stop + speech.started.
  const stop = call.log.find((e) => e.dir === 'in' && e.type === 'playStream.stop' && e.message?.streamId === greeting.id)
  const started = call.log.find((e) => e.dir === 'in' && e.type === 'userStream.speech.started' && e.t >= spokeAt)
  expect(stop).toBeDefined()
  expect(started).toBeDefined()
  expect(stop!.t - spokeAt).toBeLessThan(1000)
  // No audio of that stream after its stop (the simulator also enforces this as a protocol rule).
  expect(call.log.some((e) => e.dir === 'in' && e.type === 'playStream.chunk' && e.message?.streamId === greeting.id && e.seq > stop!.seq)).toBe(false)

  // The model's item was truncated at what the caller heard, ±40 ms.
  const session = world.emulator.session()!
  const truncate = session.received.find((r) => r.event.type === 'conversation.item.truncate')
  const audioEndMs = (truncate?.event.raw as { audio_end_ms?: number } | undefined)?.audio_end_ms
  expect(audioEndMs).toBeDefined()
  expect(Math.abs((audioEndMs ?? 0) - heard)).toBeLessThanOrEqual(40)
  // …and the model now believes it said only that much.
  const assistant = session.items.find((i) => i.wire.type === 'message' && i.wire.role === 'assistant')
  expect(assistant?.heard?.length ?? 0).toBeLessThan(LONG_GREETING.length - 20)
  expect(world.server.registry.counterTotal('fastagent_barge_ins_total')).toBe(1)
  call.assertNoViolations()
  await call.hangup()
}, 60_000)
