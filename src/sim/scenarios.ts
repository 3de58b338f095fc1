/**
 * @module sim/scenarios
 * The two reference conversations of ../shared/scenarios.md, scripted against a {@link World}: the caller's side
 * is a VoiceAI Connect simulator, everything else is the real server talking to the simulated peers. Each expected
 * behaviour is a named step that either happens (within a deadline) or fails the run with its name — the demo
 * prints them, the end-to-end tests assert them, so both check the same thing.
 */
import type { VaicSimulator, VaicSimulatorOptions } from './vaic/simulator'
import type { DialRecord } from './audiocodes-api/fake-audiocodes-api'
import type { World } from './world'

export class StepFailed extends Error {
  constructor(readonly step: string, cause: unknown) {
    super(`step "${step}" did not happen: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`)
    this.name = 'StepFailed'
  }
}

export type ScenarioIo = {
  /** A checked step happened. */
  readonly step: (name: string) => void
  /** A new simulated call was created (the demo attaches its printers). */
  readonly callCreated?: (call: VaicSimulator, label: string) => void
}

export type ScenarioName = 'booking' | 'continuity'

export type ScenarioResult = { readonly steps: string[]; readonly calls: VaicSimulator[] }

const DEFAULT_STEP_MS = 20_000

/** Runs `p`; on failure (a wait that timed out, a refused call) the step's name is what the run reports. */
async function step<X>(io: ScenarioIo, steps: string[], name: string, p: () => Promise<X>): Promise<X> {
  let v: X
  try {
    v = await p()
  } catch (err) {
    throw new StepFailed(name, err)
  }
  steps.push(name)
  io.step(name)
  return v
}


export type ScenarioOptions = {
  readonly caller?: string
  readonly format?: VaicSimulatorOptions['supportedMediaFormats']
  /** Speech mode: caller lines are spoken audio (flite) instead of modem tones. */
  readonly utterance?: (text: string, call: VaicSimulator) => Promise<Parameters<VaicSimulator['say']>[0]>
  /**
   * Speech mode: how a step checks that the bot said `match` (recognized speech, by key words). Default: the
   * simulator's tone-modem text contains it.
   */
  readonly botSaid?: (call: VaicSimulator, match: string, timeoutMs: number) => Promise<unknown>
  /** How long each step may take (default 20 s). */
  readonly stepTimeoutMs?: number
}

/** The caller speaks once the bot's turn has been heard to the end (no accidental barge-in). */
async function say(call: VaicSimulator, o: ScenarioOptions, text: string): Promise<void> {
  await call.waitForPlaybackIdle(o.stepTimeoutMs ?? DEFAULT_STEP_MS)
  await call.say(o.utterance ? await o.utterance(text, call) : text)
}

function botSaid(call: VaicSimulator, o: ScenarioOptions, match: string, timeoutMs: number): Promise<unknown> {
  return o.botSaid ? o.botSaid(call, match, timeoutMs) : call.waitForBotSaid(match, timeoutMs)
}

/** Scenario 1: booking with a pivot, "anything else?", the fixed summary, hang-up after playback. */
export async function bookingScenario(world: World, io: ScenarioIo, o: ScenarioOptions = {}): Promise<ScenarioResult> {
  const T = o.stepTimeoutMs ?? DEFAULT_STEP_MS
  const steps: string[] = []
  const call = world.call({ caller: o.caller ?? '+14155550123', supportedMediaFormats: o.format ?? ['raw/lpcm16_24'] })
  io.callCreated?.(call, 'call 1')
  await step(io, steps, 'call accepted', async () => {
    const r = await call.startCall()
    if (!r.ok) throw new Error(r.reason)
  })
  await step(io, steps, 'bot greets', () => botSaid(call, o, 'how can i help', T))
  await say(call, o, 'Book an appointment for tomorrow.')
  await step(io, steps, 'agent asks "What time?"', () => botSaid(call, o, 'what time', T))
  await say(call, o, 'What are your opening hours?')
  await step(io, steps, 'pivot question answered', () => botSaid(call, o, 'monday', T))
  await say(call, o, '10 AM.')
  await step(io, steps, 'agent asks "Book for tomorrow at 10 AM?"', () => botSaid(call, o, 'book for tomorrow at 10 am?', T))
  await say(call, o, 'Yes.')
  await step(io, steps, 'bot says it is booked', () => botSaid(call, o, 'booked', T))
  await step(io, steps, 'booking saved in SQLite', async () => {
    const row = (await world.server.store.appointments.upcomingFor(o.caller ?? '+14155550123', 0))
    if (row.length !== 1) throw new Error(`expected 1 booking, found ${row.length}`)
  })
  await step(io, steps, 'bot asks "Is there anything else…?"', () => botSaid(call, o, 'anything else i can help you with today', T))
  await say(call, o, "No, that's all I needed.")
  await step(io, steps, 'closing summary', () =>
    botSaid(call, o, "i'm glad i could help. your appointment is confirmed for tomorrow at 10 am. have a great day!", T),
  )
  await step(io, steps, 'hang-up after the summary was played', async () => {
    const ended = await call.waitForEnd(T)
    if (ended.by !== 'bot-hangup') throw new Error(`call ended by ${ended.by}`)
    const cut = call.streams.find((s) => s.interrupted)
    if (cut) throw new Error(`stream ${cut.id} was cut (${cut.interruptedBy})`)
  })
  await step(io, steps, 'no protocol violations', async () => call.assertNoViolations())
  return { steps, calls: [call] }
}

/** Scenario 2: the call drops mid-booking → SMS → CALL → dial-out → "Welcome back" → continue → booked → closing. */
export async function continuityScenario(world: World, io: ScenarioIo, o: ScenarioOptions = {}): Promise<ScenarioResult> {
  const T = o.stepTimeoutMs ?? DEFAULT_STEP_MS
  const steps: string[] = []
  const number = o.caller ?? '+14155550199'
  const first = world.call({ caller: number, supportedMediaFormats: o.format ?? ['raw/lpcm16_24'] })
  io.callCreated?.(first, 'call 1')
  await step(io, steps, 'call accepted', async () => {
    const r = await first.startCall()
    if (!r.ok) throw new Error(r.reason)
  })
  await step(io, steps, 'bot greets', () => botSaid(first, o, 'how can i help', T))
  await say(first, o, 'Book an appointment for tomorrow.')
  await step(io, steps, 'agent asks "What time?"', () => botSaid(first, o, 'what time', T))
  await say(first, o, '10 AM.')
  await step(io, steps, 'agent asks "Book for tomorrow at 10 AM?"', () => botSaid(first, o, 'book for tomorrow at 10 am?', T))
  await first.waitForPlaybackIdle(T)
  await step(io, steps, 'the call drops (no session.end)', async () => {
    await first.drop()
  })
  const sms = await step(io, steps, 'one SMS "Reply CALL" sent', async () => {
    const [m] = await world.twilio.waitForMessages(1, T)
    if (!m || m.to !== number || !m.body.includes('Reply CALL')) throw new Error(`unexpected SMS ${JSON.stringify(m)}`)
    return m
  })
  void sms
  const dialed = new Promise<DialRecord>((resolve) => world.audiocodesApi.onDial(resolve))
  await step(io, steps, 'caller replies CALL (signed webhook)', async () => {
    const r = await world.twilio.reply(`${world.server.url}/twilio/sms`, number, 'CALL')
    if (r.status !== 200 || !r.twiml.includes('Calling you now')) throw new Error(`webhook answered ${r.status}: ${r.twiml}`)
  })
  const dial = await step(io, steps, 'dial-out requested', () => withTimeout(dialed, T, 'no dial-out'))
  const back = world.call({
    conversationId: dial.conversationId,
    // VAIC shows the caller id the dial-out asked for.
    caller: dial.body.caller ?? '+15550000000',
    callee: dial.body.target.replace('tel:', ''),
    dialoutMetadata: dial.body.metadata ?? {},
    supportedMediaFormats: o.format ?? ['raw/lpcm16_24'],
  })
  io.callCreated?.(back, 'callback')
  await step(io, steps, 'callback answered', async () => {
    const r = await back.startCall()
    if (!r.ok) throw new Error(r.reason)
  })
  await step(io, steps, '"Welcome back! We were booking an appointment for tomorrow at 10 AM…"', () =>
    botSaid(back, o, 'welcome back! we were booking an appointment for tomorrow at 10 am. would you like to continue or start over?', T),
  )
  await say(back, o, "Let's continue.")
  await step(io, steps, 'agent asks for the confirmation it was waiting for', () => botSaid(back, o, 'book for tomorrow at 10 am?', T))
  await say(back, o, 'Yes, please.')
  await step(io, steps, 'bot says it is booked', () => botSaid(back, o, 'booked', T))
  await step(io, steps, 'bot asks "Is there anything else…?"', () => botSaid(back, o, 'anything else', T))
  await say(back, o, "No, that's all.")
  await step(io, steps, 'closing summary', () => botSaid(back, o, 'your appointment is confirmed for tomorrow at 10 am', T))
  await step(io, steps, 'hang-up after the summary was played', async () => {
    const ended = await back.waitForEnd(T)
    if (ended.by !== 'bot-hangup') throw new Error(`call ended by ${ended.by}`)
  })
  await step(io, steps, 'nothing lost or repeated (one booking, one SMS)', async () => {
    await Bun.sleep(100)
    const bookings = (await world.server.store.appointments.upcomingFor(number, 0)).length
    if (bookings !== 1 || world.twilio.messages.length !== 1) throw new Error(`${bookings} bookings, ${world.twilio.messages.length} SMS`)
  })
  await step(io, steps, 'no protocol violations', async () => {
    first.assertNoViolations()
    back.assertNoViolations()
  })
  return { steps, calls: [first, back] }
}

export const SCENARIOS: Readonly<Record<ScenarioName, { title: string; run: typeof bookingScenario }>> = {
  booking: { title: 'Scenario 1: booking with a pivot', run: bookingScenario },
  continuity: { title: 'Scenario 2: call continuity after a dropped call', run: continuityScenario },
}

function withTimeout<X>(p: Promise<X>, ms: number, what: string): Promise<X> {
  return Promise.race([p, Bun.sleep(ms).then(() => Promise.reject(new Error(what)))])
}
