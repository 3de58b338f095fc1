/**
 * @module ops/warm-up
 * What the first call would otherwise make the process build once, built at start instead, before `/readyz` says
 * ready: each business's session config (instructions with its hours and date formatters, tool specs) in every
 * media format, its fixed lines and their phrase-cache keys, the parsers of the messages a call exchanges (run once
 * over a sample of each, so their code is compiled), each format's converters, the lifecycle machine's table and the
 * response sequencer (pure, on instances thrown away), the token check and the choice of business, the date and time
 * parsing and read-backs of its language, and the SQL statements a call runs (prepared, never run). The first caller then waits for none of it, and "RSS per call" is what a call holds rather
 * than the process's one-time cost spread over the first calls.
 *
 * Nothing is written anywhere and nothing is connected: the statements come from the real repositories run against
 * a {@link StatementRecorder} that answers every query with no rows, and the engine only compiles them.
 */
import type { Config } from '../config/schema'
import type { Business } from '../config/business/business'
import type { TaskRegistry } from '../agents/task-definition'
import { registryFor } from '../agents/declared/registry'
import { buildToolSpecs } from '../agents/tool-specs'
import { freshCallTarget } from '../call/call-session-config'
import { businessFixedTexts } from '../call/fixed-texts'
import { callPhrases, phraseKey, type PhraseCache } from '../call/phrase-cache'
import { callLinesFor, packFor } from '../i18n/packs'
import { fixedLine } from '../call/spoken-line'
import { callLifecycle, initialLifecycleContext, type LifecycleEvent } from '../call/lifecycle-machine'
import { initialSnapshot, transition } from '../fsm/fsm'
import { describeTimeFirst, describeWhen, parseDate, parseTime } from '../agents/domain/when'
import { chooseFormat, describeFormat, FORMAT_PREFERENCE, relayPlan } from '../audio/formats'
import { normaliseCaller } from '../telephony/audiocodes/caller-number'
import type { CallAddress } from '../config/business/tenants'
import { ResponseSequencer } from '../realtime/response-sequencer'
import type { SpokenLine } from '../call/spoken-line'
import { createCallConverters } from '../audio/transcoder'
import { ChunkScanner, parseInbound } from '../telephony/audiocodes/messages'
import { AudioDeltaScanner, parseServerEvent } from '../realtime/protocol'
import { Store } from '../store/store'
import type { Engine, Params, RawRow, Sql, TxOptions } from '../store/sql'

export type WarmUpDeps = {
  readonly config: Config
  /** How a call is picked up: its token checked, its business chosen (both pure lookups). */
  readonly authorize?: (authorization: string) => unknown
  readonly select?: (address: CallAddress) => unknown
  readonly businesses: readonly Business[]
  readonly tasks: TaskRegistry
  readonly store: Store
  readonly phrases?: PhraseCache
  readonly now: () => number
}

export type WarmUpReport = {
  /** Session configs built (businesses × the OpenAI formats: PCM16 24 kHz and μ-law). */
  readonly sessions: number
  /** Sample frames the parsers accepted (all of them, or a sample went stale: see warm-up.test). */
  readonly parsed: number
  readonly samples: number
  /** Distinct statements prepared on the engine. */
  readonly statements: number
  /** Sample days and times understood (4 per business: 'tomorrow' in its language, 'next Monday', two times). */
  readonly dates: number
}

/** A `Sql` that remembers each statement's text and answers with nothing: no row, no change. */
export class StatementRecorder implements Engine {
  readonly texts = new Set<string>()
  constructor(readonly kind: Engine['kind']) {}
  async all(text: string, _params?: Params): Promise<RawRow[]> {
    this.texts.add(text)
    return []
  }
  async get(text: string, _params?: Params): Promise<RawRow | undefined> {
    this.texts.add(text)
    return undefined
  }
  async run(text: string, _params?: Params): Promise<number> {
    this.texts.add(text)
    return 0
  }
  tx<T>(fn: (sql: Sql) => Promise<T>, _opts?: TxOptions): Promise<T> {
    return fn(this)
  }
  async schemaVersion(): Promise<number> {
    return 0
  }
  async integrityCheck(): Promise<string> {
    return 'ok'
  }
  async close(): Promise<void> {}
}

const CONVERSATION = 'warm-up-conversation'
const CALL = 'warm-up-call'
const NUMBER = '+15550000000'
/** 20 ms of silence in each wire encoding (base64): what a caller's first frames are. */
const silence = (bytes: number) => Buffer.alloc(bytes).toString('base64')

/** One sample of every frame a call receives from VoiceAI Connect, in `format`. */
function vaicSamples(format: string, bytesPer20ms: number): string[] {
  const participant = 'caller'
  return [
    { type: 'session.initiate', conversationId: CONVERSATION, botName: 'warm', caller: NUMBER, expectAudioMessages: true, supportedMediaFormats: [format], participant },
    { type: 'userStream.start', conversationId: CONVERSATION, participant },
    { type: 'userStream.chunk', conversationId: CONVERSATION, audioChunk: silence(bytesPer20ms), participant },
    { type: 'userStream.stop', conversationId: CONVERSATION, participant },
    { type: 'activities', conversationId: CONVERSATION, activities: [{ type: 'event', name: 'start', parameters: {} }] },
    { type: 'session.end', conversationId: CONVERSATION, reasonCode: 'client-disconnected', reason: 'warm-up' },
  ].map((m) => JSON.stringify(m))
}

/** One sample of every server event a call acts on (protocol.ts ACTED_ON), plus one it ignores. */
function realtimeSamples(bytesPer20ms: number): string[] {
  const r = 'resp_warm'
  const item = 'item_warm'
  return [
    { type: 'session.created', session: { id: 'sess_warm', expires_at: 1 } },
    { type: 'session.updated', session: { id: 'sess_warm' } },
    { type: 'response.created', response: { id: r, metadata: { purpose: 'greeting' } } },
    { type: 'response.output_audio.delta', event_id: 'ev', response_id: r, item_id: item, output_index: 0, content_index: 0, delta: silence(bytesPer20ms) },
    { type: 'response.output_audio.done', response_id: r, item_id: item },
    { type: 'response.output_audio_transcript.done', response_id: r, item_id: item, transcript: 'Hello.' },
    { type: 'response.output_item.done', response_id: r, item: { type: 'message', id: item, status: 'completed' } },
    { type: 'response.done', response: { id: r, status: 'completed', output: [], usage: { input_tokens: 1, output_tokens: 1, input_token_details: { text_tokens: 1, audio_tokens: 0, cached_tokens: 0 }, output_token_details: { text_tokens: 0, audio_tokens: 1 } } } },
    { type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: item },
    { type: 'input_audio_buffer.speech_stopped', audio_end_ms: 20, item_id: item },
    { type: 'input_audio_buffer.committed', item_id: item },
    { type: 'conversation.item.input_audio_transcription.completed', item_id: item, transcript: 'Hello.' },
    { type: 'conversation.item.truncated', item_id: item, audio_end_ms: 20 },
    { type: 'rate_limits.updated', rate_limits: [] },
  ].map((m) => JSON.stringify(m))
}

/**
 * The lifecycle machine (pure: events in, effects as data out) through the course of an ordinary call and its
 * usual detours, on a snapshot that is thrown away: its table's guards and effects are compiled before a call needs them.
 */
function rehearseLifecycle(config: Config, business: Business, greeting: SpokenLine): number {
  const tail = { streamId: '1', remainingMs: 0 }
  const events: LifecycleEvent[] = [
    { type: 'modelReady' },
    { type: 'greet', line: greeting, asksAnythingElse: false },
    { type: 'responseDone', purposes: ['greeting'], tail },
    { type: 'callerSpoke' },
    { type: 'silence', source: 'vaic', at: 0 },
    { type: 'silence', source: 'vad', at: 10_000 },
    { type: 'taskProgress', done: 1, open: 0, byTool: true },
    { type: 'responseDone', purposes: ['tool-result'], tail },
    { type: 'responseDone', purposes: ['anything-else'], tail },
    { type: 'endCall', callId: CALL, openTasks: [], summaries: [] },
    { type: 'responseDone', purposes: ['closing'], tail },
    { type: 'playFinished', streamId: '1' },
    { type: 'hangupTimer' },
    { type: 'legEnded', by: 'caller' },
  ]
  let snapshot = initialSnapshot(callLifecycle, initialLifecycleContext({ businessName: business.name, silenceReprompts: config.SILENCE_REPROMPTS, transferTarget: config.TRANSFER_TARGET, language: business.language, wording: business.wording[business.language] }))
  let handled = 0
  for (const ev of events) {
    const r = transition(callLifecycle, snapshot, ev)
    snapshot = r.snapshot
    if (r.handled) handled++
  }
  return handled
}

/**
 * What callers say about days and times, parsed and said back in the business's language and zone (pure): chrono's
 * parsers and their patterns (another language's locale is loaded by its first parse), our time grammar, and the
 * date formatters the read-backs use. Without it the first booking's turn compiled about 100 functions more.
 */
function rehearseDates(business: Business, now: number): number {
  const lang = business.language
  const tz = business.timeZone
  const words = packFor(lang).dates
  let understood = 0
  for (const said of [words.tomorrow, 'next Monday']) if (parseDate(said, now, tz, business.hours, lang).ok) understood++
  for (const said of ['10 am', 'half past two']) if (parseTime(said, undefined, lang).ok) understood++
  // A day a week away and one a year away (the year said): both formatter shapes.
  for (const days of [7, 400]) {
    describeWhen(now + days * 86_400_000, now, tz, false, lang)
    describeTimeFirst(now + days * 86_400_000, now, tz, lang)
  }
  return understood
}

/**
 * The response sequencer (pure: requests in, creates out through `send`) through a greeting and an answer, on an
 * instance thrown away.
 */
function rehearseSequencer(greeting: SpokenLine, now: () => number): void {
  const sent: string[] = []
  const s = new ResponseSequencer<string>({ send: (ev) => sent.push(ev.event_id ?? ''), now })
  s.request({ kind: 'say', line: greeting, purpose: 'greeting' })
  s.onResponseCreated('resp_warm_1', sent[0])
  s.sayLineOf('resp_warm_1')
  s.onResponseDone('resp_warm_1')
  s.onSpeechStarted()
  s.request({ kind: 'free', purpose: 'tool-result' })
  s.onResponseCreated('resp_warm_2', sent[1])
  s.purposesOf('resp_warm_2')
  s.onResponseDone('resp_warm_2')
  s.tick()
  s.clear()
}

/** The statements a call runs on its business's store, from start to its ending (a drop's SMS included). */
async function callStatements(store: Store, phraseKeys: readonly string[]): Promise<void> {
  const at = 0
  await store.callbacks.byConversation(CONVERSATION)
  await store.calls.resumableFor(NUMBER, at)
  await store.calls.create({ id: CALL, conversationId: CONVERSATION, direction: 'inbound', caller: NUMBER, botName: 'warm', mediaFormat: 'raw/lpcm16_24', resumesCallId: undefined, at, owner: 'warm', language: 'en' })
  if (phraseKeys.length > 0) await store.phrases.get(phraseKeys, at)
  await store.calls.setDetails(CALL, NUMBER, {}, at)
  await store.console.addEvents([{ callId: CALL, kind: 'started', data: {}, at }])
  await store.transcript.add(CALL, 'bot', 'warm-up', at)
  await store.tasks.openForCall(CALL)
  await store.calls.end(CALL, 'completed', null, at, 'warm')
  await store.calls.get(CALL)
}

export async function warmUp(d: WarmUpDeps): Promise<WarmUpReport> {
  let sessions = 0
  let parsed = 0
  let samples = 0
  let dates = 0
  const recorder = new StatementRecorder(d.store.engine)
  const dry = new Store(recorder)
  // The session (and phrase keys) depend on the OpenAI side of the format only: PCM16 24 kHz or μ-law.
  const openai = new Map(FORMAT_PREFERENCE.map((f) => relayPlan(f).openai).map((o) => [o.type, o]))
  for (const business of d.businesses) {
    const tasks = registryFor(d.tasks, business)
    const greeting = fixedLine(callLinesFor(business.language, business.name, business.wording[business.language]).greeting)
    packFor(business.language)
    buildToolSpecs(tasks, true)
    const fixed = [...businessFixedTexts(business)]
    let keys: string[] = []
    for (const format of openai.values()) {
      // The session a new call of this business sends (and the pool's key for it): instructions, hours, tools.
      freshCallTarget({ config: d.config, tasks, now: d.now }, business, format).session()
      sessions++
      const phrases = d.phrases?.enabled ? callPhrases(d.phrases, { voice: business.voice ?? d.config.OPENAI_VOICE, model: d.config.OPENAI_REALTIME_MODEL, format: format.type }) : undefined
      keys = phrases ? fixed.map((t) => phraseKey(phrases.scope(t))) : []
    }
    await callStatements(dry.forTenant(business.id), keys)
    rehearseLifecycle(d.config, business, greeting)
    rehearseSequencer(greeting, d.now)
    dates += rehearseDates(business, d.now())
  }
  d.authorize?.(`Bearer ${CALL}`)
  d.select?.({ botName: 'warm', callee: NUMBER, caller: normaliseCaller(NUMBER) })
  chooseFormat(FORMAT_PREFERENCE)
  for (const format of FORMAT_PREFERENCE) {
    createCallConverters(format)
    const bytes = describeFormat(format).bytesPerMs * 20
    const delta = new AudioDeltaScanner()
    // A call's scanner learns its first chunk's layout and matches the rest in place: both routes are rehearsed.
    const chunks = new ChunkScanner(CONVERSATION)
    for (const frame of vaicSamples(format, bytes)) {
      samples++
      if (parseInbound(frame).ok) parsed++
      chunks.audio(frame)
    }
    for (const frame of realtimeSamples(bytes)) {
      samples++
      if (parseServerEvent(frame).kind !== 'invalid') parsed++
      delta.scan(frame)
      delta.takeDelta()
    }
  }
  for (const text of recorder.texts) d.store.sql.prepare?.(text)
  return { sessions, parsed, samples, statements: recorder.texts.size, dates }
}
