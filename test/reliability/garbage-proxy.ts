/**
 * @module test/reliability/garbage-proxy
 * A Realtime "upstream" that is really a relay to the emulator with garbage mixed in: FastAgent's model leg connects
 * here (the world's `OPENAI_REALTIME_URL` override), every frame is relayed both ways untouched, and before relayed
 * server events it slips in seeded junk — invalid JSON, binary frames, events of known types with the wrong shape,
 * unknown types, deep nesting, big strings, non-fatal `error` events. None of it is something a correct client may
 * act on, so a call through this proxy must go exactly as without it.
 */
import type { ServerWebSocket } from 'bun'
import { prng, type Rng } from './kit'
import { CANARY, deepJson, randomJson } from './vaic-fuzz'

export type GarbageProxy = {
  /** ws://127.0.0.1:<port>/v1/realtime */
  readonly url: string
  /** Where upstream connections go (set after the emulator is up). */
  target: string
  /** Garbage frames sent to FastAgent so far. */
  readonly injected: number
  /** Real frames relayed from the upstream. */
  readonly relayed: number
  /** Upstream connections given a fault (fatal error or abrupt close), by kind. */
  readonly faults: Readonly<Record<Exclude<ConnectionFault, 'none'>, number>>
  /** Connections opened through the proxy. */
  readonly connections: number
  stop(): void
}

/** One frame of junk, as a real-but-broken upstream might send it. */
export function garbageEvent(r: Rng): string | Uint8Array {
  switch (r.int(0, 13)) {
    case 0:
      return `${CANARY}{not json`
    case 1:
      return JSON.stringify(randomJson(r))
    case 2: {
      const b = new Uint8Array(r.int(1, 2000))
      for (let i = 0; i < b.length; i++) b[i] = r.int(0, 255)
      return b
    }
    case 3:
      return JSON.stringify({ type: 'response.output_audio.delta', response_id: 'resp_fz', item_id: 'item_fz', content_index: 0, delta: `${CANARY}!!` })
    case 4:
      return JSON.stringify({ type: 'response.output_audio.delta', response_id: 'resp_fz', item_id: 7, content_index: 'x', delta: 'AAAA' })
    case 5:
      return JSON.stringify({ type: 'response.done', response: { id: 5, status: CANARY } })
    case 6:
      return JSON.stringify({ type: 'error', error: `${CANARY} not an object` })
    case 7:
      return JSON.stringify({ type: 'response.output_item.done', response_id: 'resp_fz', item: { type: 'function_call', name: 42, arguments: { x: CANARY } } })
    case 8:
      return JSON.stringify({ type: `${CANARY}.unknown_event`, payload: randomJson(r) })
    case 9:
      return deepJson(r.int(1000, 50_000), r.chance(0.5) ? 'array' : 'object')
    case 10:
      return JSON.stringify({ type: 'input_audio_buffer.speech_started', audio_start_ms: CANARY, item_id: null })
    case 11:
      return JSON.stringify({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_fz', transcript: { text: CANARY } })
    case 12:
      // Well-formed, non-fatal: logged and carried on (a code the client has never heard of).
      return JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', code: 'fz_unknown_code', message: `${CANARY} something odd`, param: null, event_id: null } })
    default:
      return JSON.stringify({ type: 'session.updated', session: { expires_at: CANARY }, junk: 'x'.repeat(r.int(0, 300_000)) })
  }
}

type Link = { upstream: WebSocket | undefined; pending: (string | Uint8Array)[]; fault: ConnectionFault; events: number }

/**
 * What happens to one upstream connection: nothing; a fatal `error` right after the session is configured (the model
 * leg must give up and the call end cleanly); or an abrupt close a few events in (the model leg must reconnect).
 */
export type ConnectionFault = 'none' | 'fatal' | 'close'

/** Starts the proxy. `rate`: chance of junk before each relayed server event. */
export function startGarbageProxy(o: { readonly seed: number; readonly rate: number; readonly target?: string; readonly fault?: (connection: number) => ConnectionFault }): GarbageProxy {
  const r = prng(o.seed)
  let injected = 0
  let relayed = 0
  let connections = 0
  const faults = { fatal: 0, close: 0 }
  const links = new Map<ServerWebSocket<{ path: string; auth: string }>, Link>()
  const state = { target: o.target ?? '' }
  const server = Bun.serve<{ path: string; auth: string }>({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req, srv) {
      const u = new URL(req.url)
      if (srv.upgrade(req, { data: { path: u.search, auth: req.headers.get('authorization') ?? '' } })) return undefined
      return new Response('websocket only', { status: 400 })
    },
    websocket: {
      open(ws) {
        const link: Link = { upstream: undefined, pending: [], fault: o.fault?.(connections++) ?? 'none', events: 0 }
        links.set(ws, link)
        const up = new WebSocket(state.target + ws.data.path, { headers: { Authorization: ws.data.auth } })
        up.binaryType = 'arraybuffer'
        up.onopen = () => {
          link.upstream = up
          for (const m of link.pending.splice(0)) up.send(m)
        }
        up.onmessage = (e) => {
          if (ws.readyState !== 1) return
          while (r.chance(o.rate)) {
            ws.send(garbageEvent(r))
            injected++
          }
          ws.send(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer))
          relayed++
          link.events++
          if (link.fault === 'fatal' && typeof e.data === 'string' && e.data.includes('"session.updated"')) {
            ws.send(JSON.stringify({ type: 'error', error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota.', param: null, event_id: null } }))
            faults.fatal++
            link.fault = 'none'
          } else if (link.fault === 'close' && link.events >= 4) {
            faults.close++
            link.fault = 'none'
            ws.terminate()
            up.close()
          }
        }
        up.onclose = (e) => {
          const code = e.code === 1000 || (e.code >= 1001 && e.code <= 1003) || (e.code >= 3000 && e.code <= 4999) ? e.code : 1011
          if (ws.readyState === 1) ws.close(code, e.reason)
        }
      },
      message(ws, m) {
        const link = links.get(ws)
        if (!link) return
        if (link.upstream && link.upstream.readyState === WebSocket.OPEN) link.upstream.send(m)
        else link.pending.push(m)
      },
      close(ws) {
        links.get(ws)?.upstream?.close()
        links.delete(ws)
      },
    },
  })
  return {
    url: `ws://127.0.0.1:${server.port}/v1/realtime`,
    get target() {
      return state.target
    },
    set target(t: string) {
      state.target = t
    },
    get injected() {
      return injected
    },
    get relayed() {
      return relayed
    },
    get faults() {
      return faults
    },
    get connections() {
      return connections
    },
    stop() {
      for (const link of links.values()) link.upstream?.close()
      void server.stop(true)
    },
  }
}
