/** One caller turn: the caller says `words`, the bot answers with a line matching `expectHeard`, and finishes playing it. */
import type { VaicSimulator } from '../../src/sim/vaic/simulator'

export async function turn(call: VaicSimulator, words: string, expectHeard: string | RegExp, ms = 15_000): Promise<string> {
  const from = call.streams.length
  await call.say(words)
  const s = await call.waitForBotSaid(expectHeard, ms, { fromStream: from })
  await call.waitForPlaybackIdle(ms)
  return s.text
}
