/**
 * @module bench/call-rig
 * A real call on sockets of our own, for measuring the relay in process: CallSession with its PhoneLeg, ModelLeg,
 * playback controller (the played-time estimate) and metrics, the model session a warm one whose socket is ours. Frames
 * are handed over at the two seams Bun hands them to the server: `PhoneLeg.receiveFast` (what the endpoint's per-frame
 * hook calls) and the upstream socket's message handler (what `realtime/transport` calls on every message). Each
 * direction rotates through 64 distinct frames, so nothing is answered from a cache (JSC's regex cache answers a
 * repeated input without scanning it). Used by test/reliability/hot-path-allocations.test.ts (cells per frame) and
 * scripts/bench/micro.ts (time per frame).
 */
import { loadConfig } from '../../src/config/load'
import { BusinessDirectory } from '../../src/config/business/directory'
import { createLogger } from '../../src/ops/log'
import { MetricsRegistry } from '../../src/ops/metrics'
import { telephonyMetrics } from '../../src/telephony/audiocodes/metrics'
import { PhoneLeg, type PhoneSocket } from '../../src/telephony/audiocodes/phone-leg'
import { realtimeMetrics } from '../../src/realtime/model-leg'
import type { UpstreamHandlers, UpstreamSocket } from '../../src/realtime/transport'
import type { WarmSession } from '../../src/realtime/session-pool'
import { CallSession } from '../../src/call/call-session'
import { callMetrics } from '../../src/call/metrics'
import { fixedLine } from '../../src/call/spoken-line'
import type { TaskPort } from '../../src/call/task-port'
import type { AcMediaFormat } from '../../src/audio/formats'

const CONV = 'conv-alloc-0123456789'

/** Options of {@link liveCall}. */
export type LiveCallOptions = {
  /** Wrap every frame a socket takes in an object (the allocation test's control). */
  readonly wrap?: boolean
  /** Which call of many this is: its ids and its frames are its own, as on the wire (default 0). */
  readonly index?: number
  /** Distinct frames per direction, in turn (default 64). */
  readonly frames?: number
}

/** What the sockets were given: the last frame and how many (no allocation of their own). */
export class Sink {
  last = ''
  count = 0
  /** The control: every frame wrapped in an object, as a careless socket or metric would. */
  wrapped: { readonly text: string } | undefined
  constructor(private readonly wrap = false) {}
  take(text: string): void {
    this.last = text
    this.count++
    if (this.wrap) this.wrapped = { text }
  }
}

const noTasks: TaskPort = {
  tools: () => [],
  handles: () => false,
  answer: () => Promise.resolve({ output: '{}' }),
  statusLines: () => [],
  openTasks: () => [],
  pendingQuestions: () => [],
  doneSummaries: () => [],
  confirmByDigit: () => Promise.resolve(undefined),
  stop: () => undefined,
}

/** A live call of `format`, its model session ready and the caller streaming. */
export async function liveCall(format: AcMediaFormat, opts: LiveCallOptions = {}) {
  const wrap = opts.wrap ?? false
  const index = opts.index ?? 0
  const nFrames = opts.frames ?? 64
  if (!Number.isInteger(Math.log2(nFrames))) throw new Error('frames must be a power of two')
  const mask = nFrames - 1
  const conv = index === 0 ? CONV : `${CONV}-${index}`
  const loaded = loadConfig({ AUDIOCODES_BOT_TOKEN: 'bot-token-0123456789abcdef', OPENAI_API_KEY: 'sk-alloc-0123456789', LOG_LEVEL: 'error' })
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  const config = loaded.config
  const opened = BusinessDirectory.open(config)
  if (!opened.ok) throw new Error(opened.message)
  const business = opened.directory.version.businesses[0]
  if (!business) throw new Error('no business')
  const log = createLogger({ level: 'error', sink: () => undefined })
  const registry = new MetricsRegistry()
  const phone = new Sink(wrap)
  const model = new Sink(wrap)
  const phoneSocket: PhoneSocket = {
    send: (text) => {
      phone.take(text)
      return text.length
    },
    close: () => undefined,
    bufferedAmount: () => 0,
  }
  const upstreamSocket: UpstreamSocket = { send: (text) => model.take(text), close: () => undefined, bufferedAmount: 0, isOpen: true }
  let upstream: UpstreamHandlers | undefined
  const warm: WarmSession = { socket: upstreamSocket, openedAt: Date.now(), expiresAtMs: undefined, configured: '', attach: (h) => (upstream = h) }
  const tmetrics = telephonyMetrics(registry, () => 1)
  const leg = new PhoneLeg({ conversationId: conv, mediaFormat: format, graceMs: 1000, log, metrics: tmetrics })
  const session = new CallSession({
    callId: `call-alloc-${index}`,
    conversationId: conv,
    leg,
    config,
    log,
    now: Date.now,
    tasks: noTasks,
    business,
    realtimeMetrics: realtimeMetrics(registry),
    metrics: callMetrics(registry),
    greeting: () => Promise.resolve({ line: fixedLine('Hello.'), asksAnythingElse: false }),
    priorHistory: [],
    record: () => undefined,
    onStartParams: () => undefined,
    onEnded: () => undefined,
    takeWarm: () => warm,
  })
  leg.bind(session)
  leg.attach(phoneSocket)
  session.accepted()
  await Bun.sleep(5)
  leg.receive({ type: 'userStream.start', conversationId: conv })
  // Handlers are called as methods, as the transport calls them (the model leg's are prototype methods).
  const handlers = upstream
  if (!handlers) throw new Error('the model leg did not take the warm session')
  // Distinct audio per frame (nothing the engine could cache), built before measuring.
  const bytes = format === 'raw/mulaw' ? 160 : format === 'raw/lpcm16' ? 640 : 960
  const upAudio = Array.from({ length: nFrames }, (_, k) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + k * 7 + index) & 255)).toString('base64'))
  // The model speaks PCM16 24 kHz (or μ-law for a μ-law call): 20 ms of it.
  const downBytes = format === 'raw/mulaw' ? 160 : 960
  const downAudio = Array.from({ length: nFrames }, (_, k) => Buffer.from(Array.from({ length: downBytes }, (_, i) => (i * 17 + k * 3 + index) & 255)).toString('base64'))
  const chunks = upAudio.map((a) => `{"type":"userStream.chunk","conversationId":"${conv}","audioChunk":"${a}"}`)
  const deltas = downAudio.map(
    (a) => `{"type":"response.output_audio.delta","event_id":"ev_1","response_id":"resp_alloc_1","item_id":"item_alloc_1","output_index":0,"content_index":0,"delta":"${a}"}`,
  )
  let i = 0
  const driven = { up: 0, down: 0 }
  return {
    driven,
    phone,
    model,
    framesIn: () => tmetrics.framesIn.get(),
    framesOut: () => tmetrics.framesOut.get(),
    upAudio,
    downAudio,
    /** One caller frame, as the endpoint's per-frame hook hands it over. */
    up: () => {
      driven.up++
      if (!leg.receiveFast(chunks[i++ & mask] ?? '')) throw new Error('a chunk missed the fast path')
    },
    /** The caller hangs up (VAIC's session.end): the call ends and stops its timers. */
    end: () => leg.receive({ type: 'session.end', conversationId: conv }),
    /** One model audio delta, as the upstream socket hands it over. */
    down: () => {
      driven.down++
      handlers.message(deltas[i++ & mask] ?? '')
    },
  }
}

export type LiveCall = Awaited<ReturnType<typeof liveCall>>
