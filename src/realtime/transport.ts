/**
 * @module realtime/transport
 * One WebSocket to the Realtime endpoint over Bun's native client (`Authorization: Bearer`, no `OpenAI-Beta`
 * header: GA only). Thin on purpose: the model leg owns reconnects and timeouts.
 */

export type UpstreamHandlers = {
  open(): void
  message(data: string | Buffer): void
  /** `error`: what the socket reported before closing (e.g. "Expected 101 status code: 503", "Failed to connect"). */
  close(code: number, reason: string, error?: string): void
}

export interface UpstreamSocket {
  send(text: string): void
  close(code?: number, reason?: string): void
  /** Bytes queued but not yet written. */
  readonly bufferedAmount: number
  readonly isOpen: boolean
}

/** `wss://api.openai.com/v1/realtime` + `?model=gpt-realtime`, keeping any query the URL already has. */
export function realtimeUrl(base: string, model: string): string {
  const u = new URL(base)
  u.searchParams.set('model', model)
  return u.toString()
}

export function connectUpstream(url: string, apiKey: string, h: UpstreamHandlers): UpstreamSocket {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${apiKey}` } })
  let closed = false
  let error: string | undefined
  ws.onopen = () => h.open()
  ws.onmessage = (e: MessageEvent) => h.message(e.data as string | Buffer)
  ws.onclose = (e: CloseEvent) => {
    if (closed) return
    closed = true
    h.close(e.code, e.reason, error)
  }
  ws.onerror = (e: Event) => {
    // An error is always followed by close in Bun; report it once, from there. Its message names the HTTP status of
    // a refused upgrade or the socket error; the URL in it is ours (the key travels in a header, never in the URL).
    const m = (e as ErrorEvent).message
    if (typeof m === 'string' && m !== '') error = m.replace(/^WebSocket connection to '[^']*' failed: /, '').slice(0, 200)
  }
  return {
    send: (text) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text)
    },
    close: (code = 1000, reason = '') => {
      try {
        ws.close(code, reason)
      } catch {
        ws.terminate?.()
      }
    },
    get bufferedAmount() {
      return ws.bufferedAmount
    },
    get isOpen() {
      return ws.readyState === WebSocket.OPEN
    },
  }
}
