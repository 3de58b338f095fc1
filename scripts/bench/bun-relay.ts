/**
 * @module bench/bun-relay
 * A reference point, not a product: scripts/bench/node-relay.mjs line for line on Bun — `Bun.serve` WebSockets for
 * VAIC, Bun's WebSocket client upstream, JSON.parse/JSON.stringify every frame, the same linear resampler. Against
 * the Node relay it isolates the runtime; against FastAgent it shows what our framework and app layers cost on top
 * of the same sockets. With `--fast` (the `bun-fast` target) the two per-frame messages skip JSON entirely: the
 * base64 token is sliced out of the text and spliced into the outgoing frame (safe without escaping: a JSON string
 * token copied verbatim stays one string token; a frame with a backslash takes the JSON path) — the floor of what a
 * Bun relay's JavaScript can cost. Run: `bun scripts/bench/bun-relay.ts --port 0 --upstream ws://… --token T
 * [--fast]`; prints `{"port":n}`.
 */
import type { ServerWebSocket } from 'bun'
import { LinearResampler } from './linear-resampler.mjs'
import { stringField } from './frames'

const CHUNK_PREFIX = '{"type":"userStream.chunk"'
const DELTA_PREFIX = '{"type":"response.output_audio.delta"'
/** The raw JSON string token `key` when it holds no escapes (base64 never does), else undefined. */
const rawToken = (msg: string, key: string, from: number): string | undefined => {
  const v = stringField(msg, key, from)
  return v === undefined || v.includes('\\') ? undefined : v
}

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}

type OpenAiFormat = { type: 'audio/pcm'; rate: 24000 } | { type: 'audio/pcmu' }
const FORMATS: Record<string, { openai: OpenAiFormat; resample: boolean }> = {
  'raw/lpcm16_24': { openai: { type: 'audio/pcm', rate: 24000 }, resample: false },
  'raw/mulaw': { openai: { type: 'audio/pcmu' }, resample: false },
  'raw/lpcm16': { openai: { type: 'audio/pcm', rate: 24000 }, resample: true },
}

type Call = {
  conversationId: string | undefined
  format: string | undefined
  upstream: WebSocket | undefined
  upReady: boolean
  held: string[]
  streamId: string | undefined
  itemId: string | undefined
  streams: number
  toModel: LinearResampler | undefined
  toCaller: LinearResampler | undefined
}

type Inbound = { type?: string; conversationId?: string; supportedMediaFormats?: string[]; audioChunk?: string }
type Upstream = { type?: string; item_id?: string; delta?: string }

export function startBunRelay(o: { port: number; upstream: string; token: string; apiKey: string; model: string; fast: boolean }) {
  const send = (ws: ServerWebSocket<Call>, m: unknown) => ws.send(JSON.stringify(m))

  const openUpstream = (ws: ServerWebSocket<Call>) => {
    const call = ws.data
    const format = call.format ?? 'raw/lpcm16_24'
    const spec = FORMATS[format] ?? { openai: { type: 'audio/pcm', rate: 24000 }, resample: false }
    const up = new WebSocket(`${o.upstream}?model=${encodeURIComponent(o.model)}`, { headers: { Authorization: `Bearer ${o.apiKey}` } })
    call.upstream = up
    up.onmessage = (e: MessageEvent) => {
      const text = String(e.data)
      if (o.fast && call.streamId !== undefined && !call.toCaller && text.startsWith(DELTA_PREFIX)) {
        const delta = rawToken(text, 'delta', DELTA_PREFIX.length)
        if (delta !== undefined && rawToken(text, 'item_id', DELTA_PREFIX.length) === call.itemId) {
          ws.send('{"type":"playStream.chunk","streamId":"' + call.streamId + '","audioChunk":"' + delta + '"}')
          return
        }
      }
      const ev = JSON.parse(text) as Upstream
      switch (ev.type) {
        case 'session.created':
          up.send(JSON.stringify({ type: 'session.update', session: { type: 'realtime', audio: { input: { format: spec.openai }, output: { format: spec.openai } } } }))
          return
        case 'session.updated':
          call.upReady = true
          for (const f of call.held) up.send(f)
          call.held.length = 0
          return
        case 'response.output_audio.delta': {
          if (ev.item_id !== call.itemId) {
            if (call.streamId !== undefined) send(ws, { type: 'playStream.stop', streamId: call.streamId })
            call.itemId = ev.item_id
            call.streamId = String(++call.streams)
            if (spec.resample) call.toCaller = new LinearResampler(24000, 16000)
            send(ws, { type: 'playStream.start', streamId: call.streamId, mediaFormat: format })
          }
          const delta = ev.delta ?? ''
          const audio = call.toCaller ? call.toCaller.convert(delta) : delta
          send(ws, { type: 'playStream.chunk', streamId: call.streamId, audioChunk: audio })
          return
        }
        default:
          return
      }
    }
    up.onclose = () => ws.close(1011, 'upstream closed')
  }

  return Bun.serve<Call>({
    hostname: '127.0.0.1',
    port: o.port,
    fetch(req, server) {
      const url = new URL(req.url)
      if (url.pathname === '/readyz' || url.pathname === '/healthz') return new Response('ok')
      if (!url.pathname.startsWith('/audiocodes') || req.headers.get('authorization') !== `Bearer ${o.token}`) return new Response('unauthorized', { status: 401 })
      const data: Call = { conversationId: undefined, format: undefined, upstream: undefined, upReady: false, held: [], streamId: undefined, itemId: undefined, streams: 0, toModel: undefined, toCaller: undefined }
      return server.upgrade(req, { data }) ? undefined : new Response('upgrade failed', { status: 400 })
    },
    websocket: {
      perMessageDeflate: false,
      maxPayloadLength: 262144,
      message(ws, message) {
        if (typeof message !== 'string') return
        const call0 = ws.data
        if (o.fast && !call0.toModel && call0.upReady && message.startsWith(CHUNK_PREFIX)) {
          const audio = rawToken(message, 'audioChunk', CHUNK_PREFIX.length)
          if (audio !== undefined && rawToken(message, 'conversationId', CHUNK_PREFIX.length) === call0.conversationId) {
            call0.upstream?.send('{"type":"input_audio_buffer.append","audio":"' + audio + '"}')
            return
          }
        }
        let msg: Inbound
        try {
          msg = JSON.parse(message) as Inbound
        } catch {
          return
        }
        const call = ws.data
        switch (msg.type) {
          case 'session.initiate': {
            const format = (msg.supportedMediaFormats ?? []).find((f) => f in FORMATS)
            if (!format) {
              send(ws, { type: 'session.error', reason: 'no supported media format' })
              return
            }
            call.format = format
            call.conversationId = msg.conversationId
            if (FORMATS[format]?.resample) call.toModel = new LinearResampler(16000, 24000)
            openUpstream(ws)
            send(ws, { type: 'session.accepted', mediaFormat: format })
            return
          }
          case 'userStream.start':
            send(ws, { type: 'userStream.started' })
            return
          case 'userStream.stop':
            send(ws, { type: 'userStream.stopped' })
            return
          case 'userStream.chunk': {
            const up = call.upstream
            if (!up || msg.conversationId !== call.conversationId) return
            const chunk = msg.audioChunk ?? ''
            const frame = JSON.stringify({ type: 'input_audio_buffer.append', audio: call.toModel ? call.toModel.convert(chunk) : chunk })
            if (call.upReady && up.readyState === WebSocket.OPEN) up.send(frame)
            else call.held.push(frame)
            return
          }
          case 'session.end':
            return ws.close(1000)
          default:
            return
        }
      },
      close(ws) {
        const up = ws.data.upstream
        if (up && up.readyState <= WebSocket.OPEN) up.close(1000)
      },
    },
  })
}

if (import.meta.main) {
  const server = startBunRelay({
    port: Number(arg('port', '0')),
    upstream: arg('upstream', 'ws://127.0.0.1:9/v1/realtime'),
    token: arg('token', ''),
    apiKey: arg('api-key', 'sk-bench'),
    model: arg('model', 'gpt-realtime'),
    fast: process.argv.includes('--fast'),
  })
  process.stdout.write(JSON.stringify({ port: server.port }) + '\n')
  process.on('SIGTERM', () => process.exit(0))
}
