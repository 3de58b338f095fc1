/**
 * @module sim/realtime/emulator
 * A local, strict stand-in for the OpenAI Realtime API (GA WebSocket shape) on `Bun.serve`:
 * `ws://127.0.0.1:<port>/v1/realtime?model=…`. Tests and the offline demo point FastAgent at it instead of OpenAI.
 *
 * The upgrade is always accepted so a rejected client learns why the way the real server tells it: a bad or missing
 * `Authorization: Bearer` key gets `error` invalid_api_key and close 1008; the retired beta header
 * (`OpenAI-Beta: realtime=v1`) gets `error` beta_api_shape_disabled and close 4000; a missing `model` gets
 * missing_required_parameter and close 1008. Every connection's headers are recorded, accepted or not.
 *
 * Fault hooks act on one session (by id) or, without an id, on the newest one; `setLatency` without an id also
 * applies to sessions opened later.
 */
import type { Server, ServerWebSocket } from 'bun'
import type { Brain, Ear, Voice } from './brain'
import { createBookingBrain } from './booking-brain'
import { modemEar, modemVoice } from './modem-io'
import { RealtimeSession } from './session'
import { mulberry32 as prng } from '../prng'

export interface EmulatorOptions {
  /** The key clients must send as `Authorization: Bearer <apiKey>`. Default 'sk-emulator'. */
  readonly apiKey?: string
  /** Default 0 (any free port). */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly hostname?: string
  /** The model; a function gets a fresh brain per session. Default: the booking brain. */
  readonly brain?: Brain | (() => Brain)
  /** Default: the tone-modem decoder. */
  readonly ear?: Ear
  /** Default: the tone-modem encoder. */
  readonly voice?: Voice
  /** Audio deltas leave this many times faster than real time; 0 = as fast as possible. Default 4. */
  readonly speed?: number
  /** Audio per `response.output_audio.delta`. Default 100 ms. */
  readonly deltaMs?: number
  /** Session cap. Default 60 minutes. */
  readonly sessionMaxMs?: number
  /** Seed of the jitter PRNG. Default 1. */
  readonly seed?: number
  /** Cap of each per-session event log. Default 50 000. */
  readonly logLimit?: number
  /** Observes audio at the socket edge (the demo and benchmarks measure relay latency with it). */
  readonly tap?: AudioTap
  /**
   * WebSocket upgrade → `session.created`, in ms. Default 300, about what the real API takes. The test kits (the
   * world, the crash kit) set 0: tests must not wait on it unless they ask.
   */
  readonly connectDelayMs?: number
  /**
   * `response.create` → the response's first output (audio delta or function call), in ms: the model's time to first
   * audio. Default 600, about the real API's. The test kits set 0.
   */
  readonly firstAudioMs?: number
}

/** What the real API takes, roughly: the emulator's defaults, and what `bun run bench` measures against. */
export const REAL_API_TIMING = { connectDelayMs: 300, firstAudioMs: 600 } as const
/** No waiting at all: what tests use. */
export const INSTANT_TIMING = { connectDelayMs: 0, firstAudioMs: 0 } as const

/** Called with each caller append as it arrives and each audio delta as it is written, with `performance.now()`. */
export type AudioTap = {
  readonly append?: (audio: string, t: number) => void
  readonly delta?: (audio: string, t: number) => void
}

/** `refused`: answered with an HTTP error instead of the upgrade (see `refuseUpgrades`). */
export type ConnectionOutcome = 'accepted' | 'invalid_api_key' | 'beta_api_shape_disabled' | 'missing_model' | 'unsupported_query' | 'refused'

export interface ConnectionRecord {
  readonly at: number
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly outcome: ConnectionOutcome
  session?: RealtimeSession
}

export interface Emulator {
  /** ws://127.0.0.1:<port>/v1/realtime (add `?model=…`). */
  readonly url: string
  readonly port: number
  readonly apiKey: string
  /** Every accepted session, oldest first. */
  readonly sessions: readonly RealtimeSession[]
  /** Every upgrade attempt, accepted or rejected, with its headers. */
  readonly connections: readonly ConnectionRecord[]
  /** A session by id, or the newest. */
  session(id?: string): RealtimeSession | undefined
  /** Resolves with the first truthy value of `probe` (polled every 5 ms); rejects after `timeoutMs` (default 5 s). */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>
  /** Waits for the n-th session (0-based, default: the next one not yet seen… i.e. index `sessions.length`). */
  waitForSession(index?: number, timeoutMs?: number): Promise<RealtimeSession>
  /** Closes the socket without a close frame (the client sees 1006), now or after `afterDeltas` more audio deltas. */
  dropSocket(sessionId?: string, opts?: { afterDeltas?: number }): void
  /** Holds every outgoing event for `ms`, then sends them all. */
  stall(ms: number, sessionId?: string): void
  injectError(code: string, message: string, sessionId?: string): void
  /** Delays every outgoing event by ms (+ up to jitterMs), keeping order. */
  setLatency(ms: number, jitterMs?: number, sessionId?: string): void
  /** Sends `session_expired` and closes 1001, as the 60-minute cap does. */
  expireSession(sessionId?: string): void
  /**
   * The next `count` upgrade attempts (default: all from now on, until called with 0) get HTTP `status` with an
   * OpenAI-style error body instead of a WebSocket: what an outage (503), a rate limit (429) or a proxy does.
   */
  refuseUpgrades(status: number, count?: number): void
  stop(): Promise<void>
}

interface SocketData {
  readonly record: ConnectionRecord
  readonly model: string
  session?: RealtimeSession
}


const REJECTION: Record<Exclude<ConnectionOutcome, 'accepted' | 'refused'>, { code: string; message: string; param: string | null; close: number }> = {
  invalid_api_key: {
    code: 'invalid_api_key',
    message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    param: null,
    close: 1008,
  },
  beta_api_shape_disabled: {
    code: 'beta_api_shape_disabled',
    message: 'The Realtime beta API shape is disabled. Remove the OpenAI-Beta: realtime=v1 header and use the GA shape.',
    param: null,
    close: 4000,
  },
  missing_model: { code: 'missing_required_parameter', message: "Missing required parameter: 'model'.", param: 'model', close: 1008 },
  unsupported_query: {
    code: 'unsupported_by_emulator',
    message: 'The emulator supports only ?model=… sessions (not call_id sideband or intent=transcription).',
    param: null,
    close: 1008,
  },
}

export async function startRealtimeEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const apiKey = opts.apiKey ?? 'sk-emulator'
  const random = prng(opts.seed ?? 1)
  const sessions: RealtimeSession[] = []
  const connections: ConnectionRecord[] = []
  let latency: { ms: number; jitter: number } | undefined
  let refusing: { status: number; left: number } | undefined
  const brainFor = (): Brain => {
    const b = opts.brain ?? createBookingBrain()
    return typeof b === 'function' ? b() : b
  }

  const server: Server<SocketData> = Bun.serve<SocketData>({
    hostname: opts.hostname ?? '127.0.0.1',
    port: opts.port ?? 0,
    fetch(req, srv) {
      const url = new URL(req.url)
      if (url.pathname !== '/v1/realtime') return new Response('Not Found', { status: 404 })
      const headers: Record<string, string> = {}
      req.headers.forEach((v, k) => {
        headers[k] = v
      })
      const model = url.searchParams.get('model') ?? ''
      if (refusing && refusing.left > 0) {
        refusing.left--
        connections.push({ at: Date.now(), url: req.url, headers, outcome: 'refused' })
        const body = { error: { type: 'server_error', code: refusing.status === 429 ? 'rate_limit_exceeded' : 'service_unavailable', message: 'The server is unavailable.' } }
        return new Response(JSON.stringify(body), { status: refusing.status, headers: { 'content-type': 'application/json' } })
      }
      let outcome: ConnectionOutcome = 'accepted'
      if (headers.authorization !== `Bearer ${apiKey}`) outcome = 'invalid_api_key'
      else if (/realtime=v1/i.test(headers['openai-beta'] ?? '')) outcome = 'beta_api_shape_disabled'
      else if (url.searchParams.has('call_id') || url.searchParams.has('intent')) outcome = 'unsupported_query'
      else if (model === '') outcome = 'missing_model'
      const record: ConnectionRecord = { at: Date.now(), url: req.url, headers, outcome }
      connections.push(record)
      if (srv.upgrade(req, { data: { record, model } })) return undefined
      return new Response(JSON.stringify({ error: { type: 'invalid_request_error', message: 'Expected a WebSocket upgrade.' } }), {
        status: 426,
        headers: { 'content-type': 'application/json' },
      })
    },
    websocket: {
      maxPayloadLength: 32 * 1024 * 1024,
      idleTimeout: 960,
      open(ws: ServerWebSocket<SocketData>) {
        const { record } = ws.data
        if (record.outcome !== 'accepted' && record.outcome !== 'refused') {
          const r = REJECTION[record.outcome]
          ws.sendText(
            JSON.stringify({
              type: 'error',
              event_id: `event_rejected${connections.length}`,
              error: { type: 'invalid_request_error', code: r.code, message: r.message, param: r.param, event_id: null },
            }),
          )
          ws.close(r.close, r.code)
          return
        }
        const session = new RealtimeSession(ws, {
          tag: `s${sessions.length + 1}x`,
          model: ws.data.model,
          headers: record.headers,
          brain: brainFor(),
          ear: opts.ear ?? modemEar,
          voice: opts.voice ?? modemVoice,
          speed: opts.speed ?? 4,
          deltaMs: opts.deltaMs ?? 100,
          sessionMaxMs: opts.sessionMaxMs ?? 60 * 60 * 1000,
          random,
          logLimit: opts.logLimit ?? 50_000,
          connectDelayMs: opts.connectDelayMs ?? REAL_API_TIMING.connectDelayMs,
          firstAudioMs: opts.firstAudioMs ?? REAL_API_TIMING.firstAudioMs,
          ...(opts.tap ? { tap: opts.tap } : {}),
        })
        if (latency) session.setLatency(latency.ms, latency.jitter)
        ws.data.session = session
        record.session = session
        sessions.push(session)
      },
      message(ws, message) {
        ws.data.session?.handle(message)
      },
      close(ws, code, reason) {
        ws.data.session?.socketClosed(code, reason)
      },
    },
  })

  const pick = (id?: string): RealtimeSession => {
    const s = id === undefined ? sessions[sessions.length - 1] : sessions.find((x) => x.id === id)
    if (!s) throw new Error(id === undefined ? 'no session yet' : `no session ${id}`)
    return s
  }

  const waitFor = async <T>(probe: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> => {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const v = probe()
      if (v) return v
      if (performance.now() > deadline) throw new Error(`emulator.waitFor timed out after ${timeoutMs} ms: ${what}`)
      await Bun.sleep(5)
    }
  }

  const port = server.port ?? 0
  return {
    url: `ws://${opts.hostname ?? '127.0.0.1'}:${port}/v1/realtime`,
    port,
    apiKey,
    sessions,
    connections,
    session: (id) => (id === undefined ? sessions[sessions.length - 1] : sessions.find((x) => x.id === id)),
    waitFor,
    waitForSession: (index = sessions.length, timeoutMs = 5000) => waitFor(() => sessions[index], timeoutMs, `session #${index}`),
    dropSocket: (id, o) => pick(id).dropSocket(o),
    stall: (ms, id) => pick(id).stall(ms),
    injectError: (code, message, id) => pick(id).injectError(code, message),
    setLatency: (ms, jitterMs = 0, id) => {
      if (id === undefined) {
        latency = { ms, jitter: jitterMs }
        for (const s of sessions) s.setLatency(ms, jitterMs)
      } else pick(id).setLatency(ms, jitterMs)
    },
    expireSession: (id) => pick(id).expire(),
    refuseUpgrades: (status, count = Infinity) => {
      refusing = count > 0 ? { status, left: count } : undefined
    },
    stop: async () => {
      await server.stop(true)
      // Close handlers may not run for sockets the server force-closed; make sure no session timer survives.
      for (const s of sessions) s.socketClosed(1001, 'emulator stopped')
    },
  }
}
