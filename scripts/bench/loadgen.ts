/**
 * @module bench/loadgen
 * The load generator, its own process: N lightweight VoiceAI Connect calls (or, for the baseline, N direct sockets to
 * the fake upstream with the same framing). Deliberately not the strict simulator — at 500 calls it must not be the
 * bottleneck — so it speaks only what a streaming call needs: `session.initiate` offering exactly the format under
 * test → `session.accepted`, the `start` activity, `userStream.start` → `userStream.started`, then one
 * `userStream.chunk` every 20 ms per call on absolute deadlines (phases staggered across the 20 ms tick, or all aligned
 * for the burst case), matching the relayed `playStream.chunk` frames by the sequence number inside the audio.
 *
 * Every send and receive is stamped on the shared monotonic clock into per-frame arrays written to `outFile`; the
 * orchestrator joins them with the fake upstream's stamps. The kernel's view of the relay's CPU and memory is sampled
 * here, at the exact edges of the measured window. Run: `bun scripts/bench/loadgen.ts '<LoadgenConfig JSON>'`; the
 * last stdout line is the {@link LoadgenResult}.
 */
import { now } from './clock'
import { codecFor, FRAME_MS, stringField, type BenchFormat, type FrameEncoding, FORMAT_SPECS } from './frames'
import { cpuDelta, machineCpu, percentiles, sample, type MachineCpu, type Percentiles, type ProcSample } from './proc'

export type LoadgenConfig = {
  readonly mode: 'vaic' | 'direct'
  /** `ws://host:port/audiocodes` (vaic) or the upstream's `ws://host:port/v1/realtime?model=…` (direct). */
  readonly url: string
  readonly token: string
  readonly format: BenchFormat
  readonly encoding: FrameEncoding
  readonly calls: number
  readonly seconds: number
  readonly warmupSeconds: number
  readonly burst: boolean
  /** 1–15, written into every frame so a straggler from an earlier run is never counted. */
  readonly tag: number
  /** Frames per call the arrays hold (see {@link framesPerCall}). */
  readonly frames: number
  /** The relay process to sample (vaic mode). */
  readonly relayPid?: number
  readonly upstreamPid: number
  readonly outFile: string
  readonly connectConcurrency: number
  readonly setupTimeoutMs: number
  readonly drainMs: number
}

export type ProcWindow = {
  /** Before any call connected. */
  readonly idle: ProcSample
  /** Every call set up, before the first audio frame: what the calls themselves hold. */
  readonly connected: ProcSample
  readonly start: ProcSample
  readonly end: ProcSample
  readonly peakRssKiB: number
}

export type LoadgenResult = {
  readonly accepted: number
  /** Calls that never started streaming, by reason (session.error text, HTTP refusal, timeout). */
  readonly failed: Record<string, number>
  readonly sent: number
  readonly received: number
  readonly duplicates: number
  readonly reordered: number
  /** Header frames whose payload arrived different from what was sent. */
  readonly corrupted: number
  /** Frames that arrived on another call's socket. */
  readonly crossTalk: number
  readonly unrecognised: number
  readonly staleTag: number
  readonly outOfRange: number
  /** Sockets that closed before we ended the call. */
  readonly unexpectedCloses: number
  /** Lateness of each send against its absolute deadline, in the measured window. */
  readonly drift: Percentiles
  readonly t0: number
  readonly windowStart: number
  readonly windowEnd: number
  /** Largest number of frames sent but not yet relayed back, sampled at every tick. */
  readonly maxInFlight: number
  readonly setupMs: number
  readonly relay?: ProcWindow
  readonly upstream: ProcWindow
  readonly self: ProcWindow
  readonly messagesIn: Record<string, number>
  /** CPU of the whole machine over the window (everything: ours, the peers, the kernel's network work, other processes). */
  readonly machine: MachineCpu
}

/** Frames per call for a run: warm-up + window, plus slack. */
export function framesPerCall(seconds: number, warmupSeconds: number): number {
  return Math.ceil(((seconds + warmupSeconds) * 1000) / FRAME_MS) + 4
}

type Call = {
  readonly index: number
  readonly conv: string
  ws: WebSocket | undefined
  ready: boolean
  ending: boolean
  failed: string | undefined
  maxSeq: number
  settle: (() => void) | undefined
}

const PLAY_PREFIX = '{"type":"playStream.chunk"'
const DELTA_PREFIX = '{"type":"response.output_audio.delta"'

export async function runLoadgen(cfg: LoadgenConfig): Promise<LoadgenResult> {
  const F = cfg.frames
  const codec = codecFor(cfg.format, cfg.encoding, 'vaic')
  const checkBytes = cfg.encoding === 'header'
  const sendT = new Float64Array(cfg.calls * F)
  const recvT = new Float64Array(cfg.calls * F)
  const drift = new Float64Array(cfg.calls * F)
  let driftN = 0
  let sent = 0
  let received = 0
  const bad = { duplicates: 0, reordered: 0, corrupted: 0, crossTalk: 0, unrecognised: 0, staleTag: 0, outOfRange: 0, unexpectedCloses: 0 }
  const failed: Record<string, number> = {}
  const messagesIn: Record<string, number> = {}
  const countMsg = (type: string) => (messagesIn[type] = (messagesIn[type] ?? 0) + 1)
  const openaiFormat = FORMAT_SPECS[cfg.format].openai

  const onAudio = (c: Call, audio: string) => {
    const t = now()
    const id = codec.identify(audio)
    if (!id) return void bad.unrecognised++
    if (id.tag !== cfg.tag) return void bad.staleTag++
    if (id.call !== c.index) return void bad.crossTalk++
    if (id.seq >= F) return void bad.outOfRange++
    const k = c.index * F + id.seq
    if (recvT[k] !== 0) return void bad.duplicates++
    recvT[k] = t
    received++
    if (id.seq < c.maxSeq) bad.reordered++
    else c.maxSeq = id.seq
    if (checkBytes && audio !== codec.payload(cfg.tag, id.call, id.seq)) bad.corrupted++
  }

  const fail = (c: Call, reason: string) => {
    if (c.ready || c.failed) return
    c.failed = reason
    failed[reason] = (failed[reason] ?? 0) + 1
    c.settle?.()
  }

  const control = (c: Call, text: string) => {
    let m: { type?: unknown; reason?: unknown }
    try {
      m = JSON.parse(text) as typeof m
    } catch {
      return void countMsg('invalid-json')
    }
    const type = typeof m.type === 'string' ? m.type : 'no-type'
    countMsg(type)
    const ws = c.ws
    if (!ws) return
    switch (type) {
      case 'session.accepted':
        ws.send(
          JSON.stringify({
            type: 'activities',
            conversationId: c.conv,
            activities: [
              {
                id: crypto.randomUUID(),
                timestamp: new Date().toISOString(),
                language: 'en-US',
                type: 'event',
                name: 'start',
                parameters: { caller: `+1555010${String(c.index).padStart(4, '0')}`, callee: '+15550009999', callerHost: '127.0.0.1', calleeHost: '127.0.0.1' },
              },
            ],
          }),
        )
        ws.send(JSON.stringify({ type: 'userStream.start', conversationId: c.conv }))
        return
      case 'userStream.started':
      case 'session.updated':
        c.ready = true
        c.settle?.()
        return
      case 'session.created':
        ws.send(JSON.stringify({ type: 'session.update', session: { type: 'realtime', audio: { input: { format: openaiFormat }, output: { format: openaiFormat } } } }))
        return
      case 'session.error':
        fail(c, `session.error: ${typeof m.reason === 'string' ? m.reason : '?'}`)
        ws.close(1000)
        return
      default:
        return
    }
  }

  const calls: Call[] = Array.from({ length: cfg.calls }, (_, index) => ({
    index,
    conv: `bench-${cfg.tag}-${index}-${crypto.randomUUID().slice(0, 8)}`,
    ws: undefined,
    ready: false,
    ending: false,
    failed: undefined,
    maxSeq: -1,
    settle: undefined,
  }))

  const connect = (c: Call) =>
    new Promise<void>((resolve) => {
      c.settle = resolve
      const ws = new WebSocket(cfg.url, { headers: { Authorization: `Bearer ${cfg.token}` } })
      c.ws = ws
      const timer = setTimeout(() => {
        fail(c, 'setup-timeout')
        ws.close()
      }, cfg.setupTimeoutMs)
      const done = () => {
        clearTimeout(timer)
        resolve()
      }
      c.settle = done
      ws.onopen = () => {
        if (cfg.mode === 'vaic') {
          ws.send(
            JSON.stringify({
              type: 'session.initiate',
              conversationId: c.conv,
              botName: 'bench',
              caller: `+1555010${String(c.index).padStart(4, '0')}`,
              expectAudioMessages: true,
              supportedMediaFormats: [cfg.format],
            }),
          )
        }
      }
      ws.onmessage = (e: MessageEvent) => {
        const s = e.data
        if (typeof s !== 'string') return void countMsg('binary')
        if (cfg.mode === 'vaic' && s.startsWith(PLAY_PREFIX)) {
          const audio = stringField(s, 'audioChunk', PLAY_PREFIX.length)
          if (audio !== undefined) return onAudio(c, audio)
        } else if (cfg.mode === 'direct' && s.startsWith(DELTA_PREFIX)) {
          const audio = stringField(s, 'delta', DELTA_PREFIX.length)
          if (audio !== undefined) return onAudio(c, audio)
        }
        control(c, s)
      }
      ws.onclose = (e: CloseEvent) => {
        if (!c.ready) fail(c, `closed before ready (${e.code}${e.reason ? ' ' + e.reason : ''})`)
        else if (!c.ending) bad.unexpectedCloses++
        c.settle?.()
      }
    })

  const relayPid = cfg.relayPid
  const idleRelay = relayPid !== undefined ? sample(relayPid) : undefined
  const idleUp = sample(cfg.upstreamPid)
  const idleSelf = sample(process.pid)

  // ---- set up every call (bounded concurrency: a real SBC does not open 500 sockets in the same millisecond) -----
  const setupStarted = now()
  let next = 0
  const worker = async () => {
    while (next < calls.length) {
      const c = calls[next++]
      if (c) await connect(c)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, cfg.connectConcurrency) }, worker))
  const setupMs = now() - setupStarted
  const live = calls.filter((c) => c.ready)
  // Let the set-up burst settle before sampling what the connected (silent) calls hold.
  await Bun.sleep(500)
  const connRelay = relayPid !== undefined ? sample(relayPid) : undefined
  const connUp = sample(cfg.upstreamPid)
  const connSelf = sample(process.pid)

  // ---- stream: absolute deadlines, call i at phase i·20/N ms (or all at 0 for the burst case) --------------------
  const phase = live.map((_, i) => (cfg.burst ? 0 : (i * FRAME_MS) / live.length))
  const t0 = now() + 100
  const windowStart = t0 + cfg.warmupSeconds * 1000
  const windowEnd = windowStart + cfg.seconds * 1000
  const chunkPrefix = live.map((c) =>
    cfg.mode === 'vaic' ? `{"type":"userStream.chunk","conversationId":"${c.conv}","audioChunk":"` : '{"type":"input_audio_buffer.append","audio":"',
  )
  let startRelay: ProcSample | undefined
  let startUp: ProcSample | undefined
  let startSelf: ProcSample | undefined
  let endRelay: ProcSample | undefined
  let endUp: ProcSample | undefined
  let endSelf: ProcSample | undefined
  let busyStart: MachineCpu | undefined
  let busyEnd: MachineCpu | undefined
  let peakRelay = 0
  let peakUp = 0
  let peakSelf = 0
  let maxInFlight = 0
  const peaks = setInterval(() => {
    if (startRelay === undefined || endRelay !== undefined) return
    if (relayPid !== undefined) peakRelay = Math.max(peakRelay, sample(relayPid).rssKiB)
    peakUp = Math.max(peakUp, sample(cfg.upstreamPid).rssKiB)
    peakSelf = Math.max(peakSelf, sample(process.pid).rssKiB)
  }, 1000)

  await new Promise<void>((resolve) => {
    let round = 0
    let i = 0
    const tick = () => {
      const t = now()
      if (startSelf === undefined && t >= windowStart) {
        if (relayPid !== undefined) startRelay = sample(relayPid)
        startUp = sample(cfg.upstreamPid)
        startSelf = sample(process.pid)
        busyStart = machineCpu()
      }
      for (;;) {
        const due = t0 + round * FRAME_MS + (phase[i] ?? 0)
        if (due >= windowEnd || live.length === 0) {
          if (relayPid !== undefined) endRelay = sample(relayPid)
          endUp = sample(cfg.upstreamPid)
          endSelf = sample(process.pid)
          busyEnd = machineCpu()
          return resolve()
        }
        if (due > t) break
        const c = live[i]
        const ws = c?.ws
        if (c && ws && round < F && ws.readyState === WebSocket.OPEN) {
          const payload = codec.payload(cfg.tag, c.index, round)
          const frame = (chunkPrefix[i] ?? '') + payload + '"}'
          const ts = now()
          ws.send(frame)
          sendT[c.index * F + round] = ts
          sent++
          if (due >= windowStart) drift[driftN++] = ts - due
        }
        if (++i === live.length) {
          i = 0
          round++
        }
      }
      maxInFlight = Math.max(maxInFlight, sent - received)
      const wait = t0 + round * FRAME_MS + (phase[i] ?? 0) - now()
      setTimeout(tick, wait > 1 ? Math.floor(wait) : wait > 0 ? 1 : 0)
    }
    setTimeout(tick, Math.max(0, Math.floor(t0 - now())))
  })
  clearInterval(peaks)

  // ---- drain what is still in flight, then end every call as VAIC does ---------------------------------------------
  const drainUntil = now() + cfg.drainMs
  while (received + bad.duplicates < sent && now() < drainUntil) await Bun.sleep(20)
  for (const c of calls) {
    c.ending = true
    const ws = c.ws
    if (!ws || ws.readyState !== WebSocket.OPEN) continue
    if (cfg.mode === 'vaic') ws.send(JSON.stringify({ type: 'session.end', conversationId: c.conv, reasonCode: 'client-disconnected', reason: 'benchmark done' }))
    ws.close(1000)
  }
  const closeUntil = now() + 3000
  while (calls.some((c) => c.ws && c.ws.readyState !== WebSocket.CLOSED) && now() < closeUntil) await Bun.sleep(20)

  const out = new Float64Array(sendT.length * 2)
  out.set(sendT, 0)
  out.set(recvT, sendT.length)
  await Bun.write(cfg.outFile, out)

  const win = (idle: ProcSample | undefined, connected: ProcSample | undefined, start: ProcSample | undefined, end: ProcSample | undefined, peak: number): ProcWindow | undefined =>
    idle && connected && start && end ? { idle, connected, start, end, peakRssKiB: Math.max(peak, end.rssKiB) } : undefined
  const zeroWindow: ProcWindow = { idle: idleSelf, connected: idleSelf, start: idleSelf, end: idleSelf, peakRssKiB: idleSelf.rssKiB }
  const relay = win(idleRelay, connRelay, startRelay, endRelay, peakRelay)
  return {
    accepted: live.length,
    failed,
    sent,
    received,
    ...bad,
    drift: percentiles(drift, driftN),
    t0,
    windowStart,
    windowEnd,
    maxInFlight,
    setupMs,
    ...(relay ? { relay } : {}),
    upstream: win(idleUp, connUp, startUp, endUp, peakUp) ?? zeroWindow,
    self: win(idleSelf, connSelf, startSelf, endSelf, peakSelf) ?? zeroWindow,
    messagesIn,
    machine: busyStart && busyEnd ? cpuDelta(busyStart, busyEnd) : { taskMs: 0, irqMs: 0, stealMs: 0 },
  }
}

if (import.meta.main) {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as LoadgenConfig
  const result = await runLoadgen(cfg)
  process.stdout.write(JSON.stringify(result) + '\n')
  process.exit(0)
}
