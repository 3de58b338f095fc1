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
import type { Language } from '../i18n/languages'

/**
 * What the caller says and what the bot is heard to say, per language: the same two conversations in English,
 * German and Spanish. The bot's parts are the product's fixed lines (its language packs) as the caller hears them
 * (compared after the tone modem's normalisation, case-insensitive); the pivot's answer is the emulated model's.
 */
export type ScenarioScript = {
  readonly greeted: string
  readonly bookTomorrow: string
  readonly askedTime: string
  readonly askHours: string
  readonly hoursAnswered: string
  readonly tenAm: string
  readonly confirmAsked: string
  readonly yes: string
  readonly booked: string
  readonly anythingElse: string
  readonly anythingElseShort: string
  readonly thatsAll: string
  readonly closing: string
  readonly callingNow: string
  /** The drop SMS's instruction (the keyword stays CALL in every language). */
  readonly replyCall: string
  readonly welcomeBack: string
  readonly carryOn: string
  readonly yesPlease: string
  readonly thatsAllShort: string
  readonly confirmedTomorrow: string
}

export const SCRIPTS: { readonly [L in Language]: ScenarioScript } = {
  en: {
    greeted: 'how can i help',
    bookTomorrow: 'Book an appointment for tomorrow.',
    askedTime: 'what time',
    askHours: 'What are your opening hours?',
    hoursAnswered: 'monday',
    tenAm: '10 AM.',
    confirmAsked: 'book for tomorrow at 10 am?',
    yes: 'Yes.',
    booked: 'booked',
    anythingElse: 'anything else i can help you with today',
    anythingElseShort: 'anything else',
    thatsAll: "No, that's all I needed.",
    closing: "i'm glad i could help. your appointment is confirmed for tomorrow at 10 am. have a great day!",
    callingNow: 'Calling you now',
    replyCall: 'Reply CALL',
    welcomeBack: 'welcome back! we were booking an appointment for tomorrow at 10 am. would you like to continue or start over?',
    carryOn: "Let's continue.",
    yesPlease: 'Yes, please.',
    thatsAllShort: "No, that's all.",
    confirmedTomorrow: 'your appointment is confirmed for tomorrow at 10 am',
  },
  de: {
    greeted: 'wie kann ich ihnen helfen',
    bookTomorrow: 'Ich möchte einen Termin für morgen buchen.',
    askedTime: 'um wie viel uhr möchten sie kommen',
    askHours: 'Wie sind Ihre Öffnungszeiten?',
    hoursAnswered: 'öffnungszeiten',
    tenAm: 'Um 10 Uhr.',
    confirmAsked: 'soll ich den termin für morgen um 10 uhr buchen?',
    yes: 'Ja.',
    booked: 'gebucht',
    anythingElse: 'kann ich sonst noch etwas für sie tun',
    anythingElseShort: 'sonst noch etwas',
    thatsAll: 'Nein, das ist alles.',
    closing: 'schön, dass ich helfen konnte. ihr termin ist für morgen um 10 uhr bestätigt. einen schönen tag noch!',
    callingNow: 'Wir rufen Sie jetzt an',
    replyCall: 'Antworten Sie mit CALL',
    welcomeBack: 'willkommen zurück! wir waren dabei: eine terminbuchung für morgen um 10 uhr. möchten sie weitermachen oder neu beginnen?',
    carryOn: 'Weitermachen, bitte.',
    yesPlease: 'Ja, bitte.',
    thatsAllShort: 'Nein, das ist alles.',
    confirmedTomorrow: 'ihr termin ist für morgen um 10 uhr bestätigt',
  },
  es: {
    greeted: 'en qué puedo ayudarle',
    bookTomorrow: 'Quiero reservar una cita para mañana.',
    askedTime: 'a qué hora le viene bien',
    askHours: '¿Cuál es su horario?',
    hoursAnswered: 'horario',
    tenAm: 'A las 10.',
    confirmAsked: '¿reservo la cita para mañana a las 10?',
    yes: 'Sí.',
    booked: 'reservada',
    anythingElse: 'hay algo más en lo que pueda ayudarle',
    anythingElseShort: 'algo más',
    thatsAll: 'No, eso es todo.',
    closing: 'me alegra haberle ayudado. su cita está confirmada para mañana a las 10. ¡que tenga un buen día!',
    callingNow: 'Le llamamos ahora',
    replyCall: 'Responda CALL',
    welcomeBack: '¡bienvenido de nuevo! estábamos reservando una cita para mañana a las 10. ¿quiere continuar o empezar de nuevo?',
    carryOn: 'Continuar, por favor.',
    yesPlease: 'Sí, por favor.',
    thatsAllShort: 'No, eso es todo.',
    confirmedTomorrow: 'su cita está confirmada para mañana a las 10',
  },
}

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
  /** The language the caller speaks; the world's business must speak it too (default English). */
  readonly language?: Language
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
  const S = SCRIPTS[o.language ?? 'en']
  const steps: string[] = []
  const call = world.call({ caller: o.caller ?? '+14155550123', supportedMediaFormats: o.format ?? ['raw/lpcm16_24'] })
  io.callCreated?.(call, 'call 1')
  await step(io, steps, 'call accepted', async () => {
    const r = await call.startCall()
    if (!r.ok) throw new Error(r.reason)
  })
  await step(io, steps, 'bot greets', () => botSaid(call, o, S.greeted, T))
  await say(call, o, S.bookTomorrow)
  await step(io, steps, 'agent asks "What time?"', () => botSaid(call, o, S.askedTime, T))
  await say(call, o, S.askHours)
  await step(io, steps, 'pivot question answered', () => botSaid(call, o, S.hoursAnswered, T))
  await say(call, o, S.tenAm)
  await step(io, steps, 'agent asks "Book for tomorrow at 10 AM?"', () => botSaid(call, o, S.confirmAsked, T))
  await say(call, o, S.yes)
  await step(io, steps, 'bot says it is booked', () => botSaid(call, o, S.booked, T))
  await step(io, steps, 'booking saved in SQLite', async () => {
    const row = (await world.server.store.appointments.upcomingFor(o.caller ?? '+14155550123', 0))
    if (row.length !== 1) throw new Error(`expected 1 booking, found ${row.length}`)
  })
  await step(io, steps, 'bot asks "Is there anything else…?"', () => botSaid(call, o, S.anythingElse, T))
  await say(call, o, S.thatsAll)
  await step(io, steps, 'closing summary', () => botSaid(call, o, S.closing, T))
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
  const S = SCRIPTS[o.language ?? 'en']
  const steps: string[] = []
  const number = o.caller ?? '+14155550199'
  const first = world.call({ caller: number, supportedMediaFormats: o.format ?? ['raw/lpcm16_24'] })
  io.callCreated?.(first, 'call 1')
  await step(io, steps, 'call accepted', async () => {
    const r = await first.startCall()
    if (!r.ok) throw new Error(r.reason)
  })
  await step(io, steps, 'bot greets', () => botSaid(first, o, S.greeted, T))
  await say(first, o, S.bookTomorrow)
  await step(io, steps, 'agent asks "What time?"', () => botSaid(first, o, S.askedTime, T))
  await say(first, o, S.tenAm)
  await step(io, steps, 'agent asks "Book for tomorrow at 10 AM?"', () => botSaid(first, o, S.confirmAsked, T))
  await first.waitForPlaybackIdle(T)
  await step(io, steps, 'the call drops (no session.end)', async () => {
    await first.drop()
  })
  const sms = await step(io, steps, 'one SMS "Reply CALL" sent', async () => {
    const [m] = await world.twilio.waitForMessages(1, T)
    if (!m || m.to !== number || !m.body.includes(S.replyCall)) throw new Error(`unexpected SMS ${JSON.stringify(m)}`)
    return m
  })
  void sms
  const dialed = new Promise<DialRecord>((resolve) => world.audiocodesApi.onDial(resolve))
  await step(io, steps, 'caller replies CALL (signed webhook)', async () => {
    const r = await world.twilio.reply(`${world.server.url}/twilio/sms`, number, 'CALL')
    if (r.status !== 200 || !r.twiml.includes(S.callingNow)) throw new Error(`webhook answered ${r.status}: ${r.twiml}`)
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
    botSaid(back, o, S.welcomeBack, T),
  )
  await say(back, o, S.carryOn)
  await step(io, steps, 'agent asks for the confirmation it was waiting for', () => botSaid(back, o, S.confirmAsked, T))
  await say(back, o, S.yesPlease)
  await step(io, steps, 'bot says it is booked', () => botSaid(back, o, S.booked, T))
  await step(io, steps, 'bot asks "Is there anything else…?"', () => botSaid(back, o, S.anythingElseShort, T))
  await say(back, o, S.thatsAllShort)
  await step(io, steps, 'closing summary', () => botSaid(back, o, S.confirmedTomorrow, T))
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
