/**
 * Call steps several end-to-end tests share: the caller is greeted and asks to book for tomorrow, and the bot has
 * finished asking "what time?" — the point where a booking task is open and waiting, which drop, fault and resume
 * tests start from.
 */
import type { VaicSimulator } from '../../src/sim/vaic/simulator'

export async function untilAskedForTime(call: VaicSimulator): Promise<VaicSimulator> {
  await call.startCall()
  await call.waitForBotSaid('how can i help', 15_000)
  await call.waitForPlaybackIdle(15_000)
  await call.say('Book an appointment for tomorrow.')
  await call.waitForBotSaid('what time', 15_000)
  await call.waitForPlaybackIdle(15_000)
  return call
}

/** The caller asks to book tomorrow at `time` and the bot has finished asking "Book for tomorrow at … ?". */
export async function untilAskedToConfirm(call: VaicSimulator, time: string): Promise<VaicSimulator> {
  await call.startCall()
  await call.waitForBotSaid('how can i help', 20_000)
  await call.waitForPlaybackIdle(20_000)
  await call.say(`Book an appointment for tomorrow at ${time}.`)
  await call.waitForBotSaid(`book for tomorrow at ${time}?`, 20_000)
  await call.waitForPlaybackIdle(20_000)
  return call
}

/** A call that has started and been greeted (`greeting`: words of it, lowercase), the greeting played out. */
export async function greetedCall(call: VaicSimulator, greeting = 'how can i help'): Promise<VaicSimulator> {
  const r = await call.startCall()
  if (!r.ok) throw new Error(`the call did not start: ${r.reason}`)
  await call.waitForBotSaid(greeting, 15_000)
  await call.waitForPlaybackIdle(15_000)
  return call
}

/** The caller says `text`; the bot says `expectBot` (lowercase words of it) and finishes playing. */
export async function turn(call: VaicSimulator, text: string, expectBot: string): Promise<void> {
  await call.say(text)
  await call.waitForBotSaid(expectBot, 15_000)
  await call.waitForPlaybackIdle(15_000)
}
