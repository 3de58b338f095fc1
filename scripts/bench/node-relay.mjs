/**
 * @module bench/node-relay
 * The comparison point: a minimal VAIC ⇄ OpenAI Realtime relay on Node.js and the `ws` package, written the naive way
 * a small team would (JSON.parse every frame, JSON.stringify every frame, one upstream socket per call, a simple
 * stateful linear resampler for raw/lpcm16). It does the same job as FastAgent's audio path and nothing else: no
 * validation, no tasks, no database, no logging.
 *
 * Run: `node scripts/bench/node-relay.mjs --port 0 --upstream ws://127.0.0.1:p/v1/realtime --token T --api-key K`;
 * prints `{"port":n}` when listening. `GET /readyz` answers 200.
 */
import { createServer } from 'node:http'
import { WebSocket, WebSocketServer } from 'ws'
import { LinearResampler } from './linear-resampler.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback
}
const port = Number(arg('port', '0'))
const upstreamUrl = arg('upstream', 'ws://127.0.0.1:9/v1/realtime')
const token = arg('token', '')
const apiKey = arg('api-key', 'sk-bench')
const model = arg('model', 'gpt-realtime')

const FORMATS = {
  'raw/lpcm16_24': { openai: { type: 'audio/pcm', rate: 24000 }, resample: false },
  'raw/mulaw': { openai: { type: 'audio/pcmu' }, resample: false },
  'raw/lpcm16': { openai: { type: 'audio/pcm', rate: 24000 }, resample: true },
}

function onCall(ws) {
  let conversationId
  let format
  let upstream
  let upReady = false
  const held = []
  let streamId = null
  let itemId = null
  let streams = 0
  let toModel = null
  let toCaller = null

  const send = (m) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m))
  }

  const openUpstream = () => {
    const spec = FORMATS[format]
    upstream = new WebSocket(`${upstreamUrl}?model=${encodeURIComponent(model)}`, { headers: { Authorization: `Bearer ${apiKey}` }, perMessageDeflate: false })
    upstream.on('message', (data) => {
      const ev = JSON.parse(data.toString())
      switch (ev.type) {
        case 'session.created':
          upstream.send(JSON.stringify({ type: 'session.update', session: { type: 'realtime', audio: { input: { format: spec.openai }, output: { format: spec.openai } } } }))
          break
        case 'session.updated':
          upReady = true
          for (const frame of held) upstream.send(frame)
          held.length = 0
          break
        case 'response.output_audio.delta': {
          if (ev.item_id !== itemId) {
            if (streamId !== null) send({ type: 'playStream.stop', streamId })
            itemId = ev.item_id
            streamId = String(++streams)
            if (spec.resample) toCaller = new LinearResampler(24000, 16000)
            send({ type: 'playStream.start', streamId, mediaFormat: format })
          }
          const audio = spec.resample ? toCaller.convert(ev.delta) : ev.delta
          send({ type: 'playStream.chunk', streamId, audioChunk: audio })
          break
        }
        case 'response.output_audio.done':
          if (streamId !== null && ev.item_id === itemId) {
            send({ type: 'playStream.stop', streamId })
            streamId = null
            itemId = null
          }
          break
        default:
          break
      }
    })
    upstream.on('close', () => {
      if (ws.readyState === WebSocket.OPEN) ws.close(1011, 'upstream closed')
    })
    upstream.on('error', () => {})
  }

  ws.on('message', (data, isBinary) => {
    if (isBinary) return
    let msg
    try {
      msg = JSON.parse(data.toString())
    } catch {
      return
    }
    switch (msg.type) {
      case 'session.initiate': {
        format = (msg.supportedMediaFormats ?? []).find((f) => f in FORMATS)
        if (!format) return send({ type: 'session.error', reason: 'no supported media format' })
        conversationId = msg.conversationId
        if (FORMATS[format].resample) toModel = new LinearResampler(16000, 24000)
        openUpstream()
        send({ type: 'session.accepted', mediaFormat: format })
        break
      }
      case 'userStream.start':
        send({ type: 'userStream.started' })
        break
      case 'userStream.stop':
        send({ type: 'userStream.stopped' })
        break
      case 'userStream.chunk': {
        if (!upstream || msg.conversationId !== conversationId) return
        const audio = toModel ? toModel.convert(msg.audioChunk) : msg.audioChunk
        const frame = JSON.stringify({ type: 'input_audio_buffer.append', audio })
        if (upReady && upstream.readyState === WebSocket.OPEN) upstream.send(frame)
        else held.push(frame)
        break
      }
      case 'session.end':
        ws.close(1000)
        break
      default:
        break
    }
  })
  ws.on('close', () => {
    if (upstream && upstream.readyState <= WebSocket.OPEN) upstream.close(1000)
  })
  ws.on('error', () => {})
}

const server = createServer((req, res) => {
  if (req.url === '/readyz' || req.url === '/healthz') {
    res.end('ok')
    return
  }
  res.statusCode = 404
  res.end()
})
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 262144 })
server.on('upgrade', (req, socket, head) => {
  if (!req.url?.startsWith('/audiocodes') || req.headers.authorization !== `Bearer ${token}`) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n')
    return
  }
  wss.handleUpgrade(req, socket, head, onCall)
})
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
})
process.on('SIGTERM', () => process.exit(0))
