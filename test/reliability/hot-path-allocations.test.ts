/**
 * The per-frame relay allocates nothing but the strings the sockets need (issue 21 item 2), checked by counting the
 * heap's cells, not by timing.
 *
 * A real call — CallSession, its PhoneLeg, ModelLeg, PlaybackController (with the played-time estimate) and the
 * metrics — runs on sockets of our own at the two seams where Bun hands us frames: the endpoint's per-frame hook
 * (`PhoneLeg.receiveFast`) and the upstream socket's message handler (a warm session's `attach`, what
 * `realtime/transport` calls on every message). Frames are then driven synchronously, a batch of N and one of 2N,
 * right after a full collection: `heapStats().objectTypeCounts` counts every cell allocated since the last
 * collection too, so (count after 2N − count after N) ÷ N is what one frame allocates, by type, garbage included. A
 * batch during which a collection ran (its survivor count moved) would undercount and is measured again.
 *
 * The method is shown to see an allocation made inside the path: the same drive with a socket that wraps each frame
 * in an object counts one Object per frame.
 */
import { describe, expect, test } from 'bun:test'
import { fullGC, heapStats } from 'bun:jsc'
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
import { PlayoutTracker } from '../../src/audio/playout'
import type { AcMediaFormat } from '../../src/audio/formats'

const CONV = 'conv-alloc-0123456789'

/** What the sockets were given: the last frame and how many (no allocation of their own). */
class Sink {
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
async function liveCall(format: AcMediaFormat, wrap = false) {
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
  const leg = new PhoneLeg({ conversationId: CONV, mediaFormat: format, graceMs: 1000, log, metrics: tmetrics })
  const session = new CallSession({
    callId: 'call-alloc',
    conversationId: CONV,
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
  leg.receive({ type: 'userStream.start', conversationId: CONV })
  const message = upstream?.message
  if (!message) throw new Error('the model leg did not take the warm session')
  // Distinct audio per frame (nothing the engine could cache), built before measuring.
  const bytes = format === 'raw/mulaw' ? 160 : format === 'raw/lpcm16' ? 640 : 960
  const upAudio = Array.from({ length: 64 }, (_, k) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + k * 7) & 255)).toString('base64'))
  // The model speaks PCM16 24 kHz (or μ-law for a μ-law call): 20 ms of it.
  const downBytes = format === 'raw/mulaw' ? 160 : 960
  const downAudio = Array.from({ length: 64 }, (_, k) => Buffer.from(Array.from({ length: downBytes }, (_, i) => (i * 17 + k * 3) & 255)).toString('base64'))
  const chunks = upAudio.map((a) => `{"type":"userStream.chunk","conversationId":"${CONV}","audioChunk":"${a}"}`)
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
      if (!leg.receiveFast(chunks[i++ & 63] ?? '')) throw new Error('a chunk missed the fast path')
    },
    /** One model audio delta, as the upstream socket hands it over. */
    down: () => {
      driven.down++
      message(deltas[i++ & 63] ?? '')
    },
  }
}

/** Cells allocated per call of `drive`, by type (see the module comment). */
function cellsPer(drive: () => void, n: number): Record<string, number> {
  for (let i = 0; i < 20_000; i++) drive()
  const batch = (frames: number): Record<string, number> | undefined => {
    fullGC()
    const before = heapStats()
    for (let i = 0; i < frames; i++) drive()
    const after = heapStats()
    if (after.objectCount !== before.objectCount || after.heapSize !== before.heapSize) return undefined
    const d: Record<string, number> = {}
    for (const [type, count] of Object.entries(after.objectTypeCounts)) d[type] = count - (before.objectTypeCounts[type] ?? 0)
    return d
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const one = batch(n)
    const two = batch(2 * n)
    if (!one || !two) continue
    const per: Record<string, number> = {}
    for (const type of new Set([...Object.keys(one), ...Object.keys(two)])) {
      const v = ((two[type] ?? 0) - (one[type] ?? 0)) / n
      if (v !== 0) per[type] = v
    }
    return per
  }
  throw new Error('a garbage collection ran during every measurement: the counts cannot be read')
}

/** Anything but strings, rounded: a per-frame allocation shows as ≥ 1; the JIT's occasional cells stay far below. */
const nonStrings = (per: Record<string, number>) =>
  Object.fromEntries(Object.entries(per).filter(([type, v]) => type !== 'string' && Math.abs(v) >= 0.05))

describe('a relayed frame allocates only the strings its socket needs', () => {
  for (const format of ['raw/lpcm16_24', 'raw/mulaw'] as const) {
    test(`${format} (passthrough): two strings a frame each way — the audio and the frame sent`, async () => {
      const call = await liveCall(format)
      const sentUp = call.model.count
      const sentDown = call.phone.count
      call.up()
      expect(call.model.count).toBe(sentUp + 1)
      expect(call.model.last).toBe(`{"type":"input_audio_buffer.append","audio":"${call.upAudio[0]}"}`)
      call.down()
      expect(call.phone.count).toBe(sentDown + 2) // the play stream opens (playStream.start), then the chunk
      expect(call.phone.last).toMatch(new RegExp(`^\\{"type":"playStream\\.chunk","streamId":"\\d+","audioChunk":"${call.downAudio[1]?.replace(/[+/]/g, '\\$&')}"\\}$`))
      const up = cellsPer(call.up, 2000)
      const down = cellsPer(call.down, 2000)
      expect(nonStrings(up)).toEqual({})
      expect(nonStrings(down)).toEqual({})
      expect(up.string ?? 0).toBeCloseTo(2, 1)
      expect(down.string ?? 0).toBeCloseTo(2, 1)
      // Every frame was relayed and counted (the counters are part of what was measured).
      expect(call.framesIn()).toBe(call.driven.up)
      expect(call.framesOut()).toBe(call.driven.down)
      expect(call.model.count).toBe(sentUp + call.driven.up)
      expect(call.phone.count).toBe(sentDown + 1 + call.driven.down)
    })
  }

  test('raw/lpcm16 (resampled): no typed array or object a frame; three strings each way, the converted audio among them', async () => {
    const call = await liveCall('raw/lpcm16')
    const up = cellsPer(call.up, 1000)
    const down = cellsPer(call.down, 1000)
    expect(nonStrings(up)).toEqual({})
    expect(nonStrings(down)).toEqual({})
    // The audio taken from the frame, the converted audio (base64 of the converter's output) and the frame sent.
    expect(up.string ?? 0).toBeCloseTo(3, 1)
    expect(down.string ?? 0).toBeCloseTo(3, 1)
  })

  test('the count sees an allocation made inside the path (control: a socket that wraps each frame in an object)', async () => {
    const call = await liveCall('raw/lpcm16_24', true)
    const up = cellsPer(call.up, 2000)
    const down = cellsPer(call.down, 2000)
    expect(up.Object ?? 0).toBeCloseTo(1, 1)
    expect(down.Object ?? 0).toBeCloseTo(1, 1)
  })

  test('the played-time estimate and the counters allocate nothing', () => {
    const playout = new PlayoutTracker(60, 48)
    const counter = new MetricsRegistry().counter('fastagent_test_frames_total', 'frames')
    let t = 0
    const cells = cellsPer(() => {
      playout.sent('item_alloc_1', 960, (t += 20))
      counter.inc()
    }, 5000)
    expect(nonStrings(cells)).toEqual({})
    expect(cells.string ?? 0).toBe(0)
  })
})
