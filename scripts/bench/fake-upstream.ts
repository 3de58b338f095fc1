/**
 * @module bench/fake-upstream
 * The benchmark's OpenAI Realtime stand-in, its own process: a minimal Bun WebSocket server speaking just enough of the
 * GA protocol — `session.created` on connect, `session.updated` after `session.update`, `response.created` +
 * `response.done` for a `response.create` (the greeting), and for every `input_audio_buffer.append` a
 * `response.output_audio.delta` carrying the SAME audio, with one response/item id per connection so the relay keeps
 * one play stream open. No VAD, no transcripts.
 *
 * It timestamps every frame it recognises (arrival, and just before the echo is written) on the shared monotonic clock,
 * and counts duplicates, reordering and cross-talk per connection. HTTP control on the same port:
 * `POST /reset?calls=&frames=&format=&encoding=&tag=` before a run, `GET /dump` after (the stamps, binary, and the
 * counters in the `x-counters` header). Run: `bun scripts/bench/fake-upstream.ts [port]`; prints `{"port":n}`.
 */
import type { ServerWebSocket } from 'bun'
import { now } from './clock'
import { codecFor, isBenchFormat, stringField, type FrameCodec } from './frames'

type Conn = { readonly n: number; call: number; maxSeq: number; deltaPrefix: string }

export type UpstreamCounters = {
  connections: number
  frames: number
  recognised: number
  unrecognised: number
  staleTag: number
  duplicates: number
  reordered: number
  crossTalk: number
  outOfRange: number
  sessionUpdates: number
  responseCreates: number
}

const zero = (): UpstreamCounters => ({
  connections: 0,
  frames: 0,
  recognised: 0,
  unrecognised: 0,
  staleTag: 0,
  duplicates: 0,
  reordered: 0,
  crossTalk: 0,
  outOfRange: 0,
  sessionUpdates: 0,
  responseCreates: 0,
})

type Run = { calls: number; frames: number; tag: number; codec: FrameCodec; tIn: Float64Array; tOut: Float64Array; c: UpstreamCounters }

const APPEND_PREFIX = '{"type":"input_audio_buffer.append"'
let run: Run | undefined
let connSeq = 0
let responseSeq = 0

function onAppend(ws: ServerWebSocket<Conn>, audio: string): void {
  const t = now()
  const r = run
  const conn = ws.data
  if (r) {
    r.c.frames++
    const id = r.codec.identify(audio)
    if (!id) r.c.unrecognised++
    else if (id.tag !== r.tag) r.c.staleTag++
    else if (id.call >= r.calls || id.seq >= r.frames) r.c.outOfRange++
    else {
      r.c.recognised++
      if (conn.call < 0) conn.call = id.call
      else if (conn.call !== id.call) r.c.crossTalk++
      if (id.seq < conn.maxSeq) r.c.reordered++
      else conn.maxSeq = id.seq
      const k = id.call * r.frames + id.seq
      if (r.tIn[k] !== 0) r.c.duplicates++
      else r.tIn[k] = t
      ws.send(conn.deltaPrefix + audio + '"}')
      if (r.tOut[k] === 0) r.tOut[k] = t
      return
    }
  }
  ws.send(conn.deltaPrefix + audio + '"}')
}

function onEvent(ws: ServerWebSocket<Conn>, text: string): void {
  let ev: { type?: unknown; response?: { metadata?: unknown } }
  try {
    ev = JSON.parse(text) as typeof ev
  } catch {
    return
  }
  if (ev.type === 'input_audio_buffer.append') {
    const audio = (ev as { audio?: unknown }).audio
    if (typeof audio === 'string') onAppend(ws, audio)
    return
  }
  if (ev.type === 'session.update') {
    if (run) run.c.sessionUpdates++
    ws.send(JSON.stringify({ type: 'session.updated', event_id: `ev_su_${ws.data.n}`, session: { id: `sess_${ws.data.n}`, object: 'realtime.session', expires_at: Math.floor(Date.now() / 1000) + 3600 } }))
    return
  }
  if (ev.type === 'response.create') {
    if (run) run.c.responseCreates++
    const id = `resp_gen_${++responseSeq}`
    const metadata = ev.response?.metadata ?? null
    ws.send(JSON.stringify({ type: 'response.created', event_id: `ev_rc_${responseSeq}`, response: { id, object: 'realtime.response', status: 'in_progress', metadata, output: [] } }))
    ws.send(JSON.stringify({ type: 'response.done', event_id: `ev_rd_${responseSeq}`, response: { id, object: 'realtime.response', status: 'completed', status_details: null, metadata, output: [] } }))
  }
}

export function startFakeUpstream(port = 0) {
  return Bun.serve<Conn>({
    hostname: '127.0.0.1',
    port,
    fetch(req, server) {
      const url = new URL(req.url)
      if (req.headers.get('upgrade')?.toLowerCase() === 'websocket') {
        const n = ++connSeq
        const deltaPrefix = `{"type":"response.output_audio.delta","event_id":"ev_d_${n}","response_id":"resp_bench_${n}","item_id":"item_bench_${n}","output_index":0,"content_index":0,"delta":"`
        if (server.upgrade(req, { data: { n, call: -1, maxSeq: -1, deltaPrefix } })) return undefined
        return new Response('upgrade failed', { status: 400 })
      }
      if (url.pathname === '/reset' && req.method === 'POST') {
        const q = url.searchParams
        const calls = Number(q.get('calls'))
        const frames = Number(q.get('frames'))
        const format = q.get('format') ?? ''
        const encoding = q.get('encoding')
        if (!isBenchFormat(format) || (encoding !== 'header' && encoding !== 'plateau') || !(calls > 0) || !(frames > 0)) {
          return new Response('bad reset', { status: 400 })
        }
        run = {
          calls,
          frames,
          tag: Number(q.get('tag') ?? 0),
          codec: codecFor(format, encoding, q.get('side') === 'vaic' ? 'vaic' : 'upstream'),
          tIn: new Float64Array(calls * frames),
          tOut: new Float64Array(calls * frames),
          c: zero(),
        }
        return new Response('ok')
      }
      if (url.pathname === '/dump') {
        const r = run
        if (!r) return new Response('no run', { status: 404 })
        const body = new Float64Array(r.tIn.length * 2)
        body.set(r.tIn, 0)
        body.set(r.tOut, r.tIn.length)
        return new Response(body.buffer, { headers: { 'x-counters': JSON.stringify(r.c), 'content-type': 'application/octet-stream' } })
      }
      if (url.pathname === '/healthz') return new Response('ok')
      return new Response('not found', { status: 404 })
    },
    websocket: {
      perMessageDeflate: false,
      maxPayloadLength: 16 * 1024 * 1024,
      idleTimeout: 240,
      backpressureLimit: 64 * 1024 * 1024,
      open(ws) {
        if (run) run.c.connections++
        ws.send(JSON.stringify({ type: 'session.created', event_id: `ev_sc_${ws.data.n}`, session: { id: `sess_${ws.data.n}`, object: 'realtime.session', expires_at: Math.floor(Date.now() / 1000) + 3600 } }))
      },
      message(ws, message) {
        if (typeof message !== 'string') return
        // The per-frame event is recognised without JSON.parse so this process stays light at 500 calls.
        if (message.startsWith(APPEND_PREFIX)) {
          const audio = stringField(message, 'audio', APPEND_PREFIX.length)
          if (audio !== undefined) return onAppend(ws, audio)
        }
        onEvent(ws, message)
      },
    },
  })
}

if (import.meta.main) {
  const server = startFakeUpstream(Number(process.argv[2] ?? 0))
  process.stdout.write(JSON.stringify({ port: server.port }) + '\n')
  process.on('SIGTERM', () => {
    void server.stop(true)
    process.exit(0)
  })
}
