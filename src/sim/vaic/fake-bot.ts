/**
 * @module sim/vaic/fake-bot
 * A tiny, scriptable Bot API server (Bun.serve) for testing the simulator itself: by default a CORRECT bot — it
 * validates, negotiates, acknowledges user streams, configures barge-in and notifications, greets, and answers every
 * caller utterance (heard with the tone-modem decoder) with speech events and a spoken "you said …" — and every step
 * can be overridden to make it deliberately WRONG. Not the real server: the lead's integration tests run the
 * simulator against that.
 */
import type { Server, ServerWebSocket } from 'bun'
import { describeFormat, isAcMediaFormat } from '../../audio/formats'
import { mulawDecode, mulawEncode } from '../../audio/mulaw'
import { base64ToBytes, bytesToBase64, bytesToPcm16, pcm16Bytes } from '../../audio/pcm'
import { rms } from '../../audio/signal'
import { isWav, parseWavHeader, wavStreamHeader } from '../../audio/wav'
import { createDecoder, type ToneDecoder } from '../modem/decode'
import { encodeText } from '../modem/encode'

export type Json = Record<string, unknown>

export type FakeBotOptions = {
  /** Required bearer token; undefined accepts any (or no) Authorization header. */
  readonly token?: string
  /** Picks the accepted format from the offered list (default: the first offered); undefined → session.error. */
  readonly chooseFormat?: (offered: readonly string[]) => string | undefined
  /** Session params sent in a `config` event after the start event; false sends none. */
  readonly config?: Json | false
  /** Spoken after the start event; undefined for no greeting. */
  readonly greeting?: string
  /** Answer each caller utterance with speech events and "you said <text>" (default true). */
  readonly echo?: boolean
  /** Format of the bot's play streams (default: the accepted format). */
  readonly playFormat?: string
  /** Chunk length of play streams (default 100 ms); `playRealtime` paces them at 1× (default: all at once). */
  readonly playChunkMs?: number
  readonly playRealtime?: boolean
  /** Silence that ends a caller utterance for the echo (default 300 ms). */
  readonly endOfSpeechMs?: number
  /** Called for every message first; return true to skip the default handling. */
  readonly onMessage?: (msg: Json, session: FakeBotSession) => boolean | void
  /** Called when a socket opens. */
  readonly onOpen?: (session: FakeBotSession) => void
}

export const DEFAULT_FAKE_CONFIG: Json = { bargeIn: true, sendDTMF: true, sendEventsToBot: ['playFinished', 'noUserInput'] }

type Data = { readonly url: string; readonly authorization: string | null; session?: FakeBotSession }

export type PlayOptions = {
  readonly streamId?: string
  readonly format?: string
  readonly chunkMs?: number
  readonly realtime?: boolean
  readonly altText?: string
  /** Send playStream.stop at the end (default true). */
  readonly stop?: boolean
}

/** One socket as the fake bot sees it. */
export class FakeBotSession {
  readonly received: Json[] = []
  conversationId: string | undefined
  mediaFormat: string | undefined
  closed: { code: number; reason: string } | undefined
  private seq = 0
  private decoder: ToneDecoder | undefined
  private speaking = false
  private quietMs = 0

  constructor(
    private readonly ws: ServerWebSocket<Data>,
    readonly bot: FakeBot,
    readonly url: string,
    readonly authorization: string | null,
  ) {}

  send(msg: Json): void {
    this.ws.send(JSON.stringify(msg))
  }

  sendRaw(frame: string | Uint8Array): void {
    this.ws.send(frame)
  }

  close(code = 1000, reason = ''): void {
    this.ws.close(code, reason)
  }

  /** Types of the messages received so far. */
  types(): string[] {
    return this.received.map((m) => String(m.type))
  }

  /** Stream ids count per conversation, across sockets, so a resumed call never reuses one. */
  nextStreamId(): string {
    this.seq++
    if (this.conversationId) this.bot.streamSeq.set(this.conversationId, this.seq)
    return String(this.seq)
  }

  /** Speaks `text` in tone code on a new play stream. Resolves with the stream id once everything is sent. */
  async play(text: string, o: PlayOptions = {}): Promise<string> {
    const streamId = o.streamId ?? this.nextStreamId()
    const format = o.format ?? this.bot.options.playFormat ?? this.mediaFormat ?? 'raw/lpcm16'
    const info = isAcMediaFormat(format) ? describeFormat(format) : describeFormat('raw/lpcm16')
    this.send({ type: 'playStream.start', streamId, mediaFormat: format, ...(o.altText !== undefined ? { altText: o.altText } : {}) })
    const samples = encodeText(text, info.rate)
    const chunkMs = o.chunkMs ?? this.bot.options.playChunkMs ?? 100
    const n = Math.round((info.rate * chunkMs) / 1000)
    const realtime = o.realtime ?? this.bot.options.playRealtime ?? false
    const start = performance.now()
    for (let at = 0, k = 0; at < samples.length; at += n, k++) {
      const part = samples.subarray(at, at + n)
      let bytes = info.encoding === 'mulaw' ? mulawEncode(part) : pcm16Bytes(part).slice()
      if (at === 0 && info.container === 'wav') {
        const h = wavStreamHeader(info.encoding, info.rate)
        const joined = new Uint8Array(h.length + bytes.length)
        joined.set(h, 0)
        joined.set(bytes, h.length)
        bytes = joined
      }
      if (this.closed) return streamId
      this.send({ type: 'playStream.chunk', streamId, audioChunk: bytesToBase64(bytes) })
      if (realtime) {
        const wait = start + (k + 1) * chunkMs - performance.now()
        if (wait > 0) await Bun.sleep(wait)
      }
    }
    if (o.stop ?? true) this.send({ type: 'playStream.stop', streamId })
    return streamId
  }

  /** The default (correct) behaviour for one message. */
  handle(msg: Json): void {
    const o = this.bot.options
    switch (msg.type) {
      case 'connection.validate':
        this.send({ type: 'connection.validated', success: true })
        return
      case 'session.initiate': {
        const offered = Array.isArray(msg.supportedMediaFormats) ? msg.supportedMediaFormats.map(String) : []
        const format = (o.chooseFormat ?? ((f: readonly string[]) => f[0]))(offered)
        this.conversationId = String(msg.conversationId)
        if (format === undefined) {
          this.send({ type: 'session.error', reason: 'no common media format' })
          return
        }
        this.mediaFormat = format
        this.bot.conversations.set(this.conversationId, format)
        this.send({ type: 'session.accepted', mediaFormat: format })
        return
      }
      case 'session.resume': {
        const id = String(msg.conversationId)
        const format = this.bot.conversations.get(id)
        if (format === undefined) {
          this.send({ type: 'session.error', conversationId: id, reason: 'conversation not found' })
          return
        }
        this.conversationId = id
        this.mediaFormat = format
        this.seq = this.bot.streamSeq.get(id) ?? 0
        this.send({ type: 'session.accepted', mediaFormat: format })
        return
      }
      case 'userStream.start':
        this.send({ type: 'userStream.started' })
        return
      case 'userStream.stop':
        this.send({ type: 'userStream.stopped' })
        return
      case 'userStream.chunk':
        if (o.echo ?? true) this.listen(String(msg.audioChunk))
        return
      case 'activities': {
        const acts = Array.isArray(msg.activities) ? (msg.activities as Json[]) : []
        for (const a of acts) {
          if (a.name !== 'start') continue
          if (o.config !== false) this.send({ type: 'activities', activities: [{ type: 'event', name: 'config', sessionParams: o.config ?? DEFAULT_FAKE_CONFIG }] })
          if (o.greeting !== undefined) void this.play(o.greeting)
        }
        return
      }
    }
  }

  /** Echo mode: hears the caller with the modem decoder; an utterance ends after `endOfSpeechMs` of silence. */
  private listen(b64: string): void {
    const format = this.mediaFormat
    if (!format || !isAcMediaFormat(format)) return
    const info = describeFormat(format)
    let bytes = base64ToBytes(b64)
    if (info.container === 'wav' && isWav(bytes)) bytes = bytes.subarray(parseWavHeader(bytes).dataOffset)
    const pcm = info.encoding === 'mulaw' ? mulawDecode(bytes) : bytesToPcm16(bytes.slice())
    this.decoder ??= createDecoder(info.rate)
    this.decoder.push(pcm)
    const ms = (pcm.length * 1000) / info.rate
    if (rms(pcm) > 200) {
      this.quietMs = 0
      if (!this.speaking) {
        this.speaking = true
        this.send({ type: 'userStream.speech.started' })
      }
      return
    }
    if (!this.speaking) return
    this.quietMs += ms
    if (this.quietMs < (this.bot.options.endOfSpeechMs ?? 300)) return
    this.speaking = false
    this.decoder.flush()
    const text = this.decoder.take().trim()
    this.send({ type: 'userStream.speech.stopped' })
    this.send({ type: 'userStream.speech.recognition', alternatives: [{ text, confidence: 0.9 }] })
    this.send({ type: 'userStream.speech.committed' })
    void this.play(`you said ${text}`)
  }
}

/**
 * Options for a fake that behaves correctly until the `start` event, handles it (config, greeting), then runs `act`
 * — the usual way to make it misbehave on purpose at a known point of the call.
 */
export function afterStart(act: (s: FakeBotSession) => unknown, extra: FakeBotOptions = {}): FakeBotOptions {
  return {
    ...extra,
    onMessage: (msg, s) => {
      const acts = msg.type === 'activities' && Array.isArray(msg.activities) ? (msg.activities as Json[]) : []
      if (!acts.some((a) => a.name === 'start')) return extra.onMessage?.(msg, s) ?? false
      s.handle(msg)
      void act(s)
      return true
    },
  }
}

export class FakeBot {
  readonly sessions: FakeBotSession[] = []
  /** conversationId → accepted format (for session.resume across sockets). */
  readonly conversations = new Map<string, string>()
  readonly streamSeq = new Map<string, number>()
  private readonly server: Server<Data>

  constructor(readonly options: FakeBotOptions = {}) {
    this.server = Bun.serve<Data>({
      port: 0,
      hostname: '127.0.0.1',
      fetch: (req, server) => {
        const auth = req.headers.get('authorization')
        if (options.token !== undefined && auth !== `Bearer ${options.token}`) return new Response('unauthorized', { status: 401 })
        if (server.upgrade(req, { data: { url: req.url, authorization: auth } })) return undefined
        return Response.json({ type: 'ac-bot-api', success: true })
      },
      websocket: {
        open: (ws) => {
          const s = new FakeBotSession(ws, this, ws.data.url, ws.data.authorization)
          ws.data.session = s
          this.sessions.push(s)
          options.onOpen?.(s)
        },
        message: (ws, message) => {
          const s = ws.data.session
          if (!s || typeof message !== 'string') return
          let msg: Json
          try {
            msg = JSON.parse(message) as Json
          } catch {
            return
          }
          s.received.push(msg)
          if (options.onMessage?.(msg, s) === true) return
          s.handle(msg)
        },
        close: (ws, code, reason) => {
          const s = ws.data.session
          if (s) s.closed = { code, reason }
        },
      },
    })
  }

  get url(): string {
    return `ws://127.0.0.1:${this.server.port}/audiocodes`
  }

  /** The most recent session (socket). */
  get last(): FakeBotSession {
    const s = this.sessions.at(-1)
    if (!s) throw new Error('no session yet')
    return s
  }

  async stop(): Promise<void> {
    await this.server.stop(true)
  }
}
