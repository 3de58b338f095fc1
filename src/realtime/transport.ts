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
  return new UpstreamWebSocket(url, apiKey, h)
}

/**
 * The socket is its own {@link UpstreamSocket}, and its event handlers are four functions shared by every socket
 * (`this` is the socket the event is for): a call's upstream holds no wrapper object, closures or getters of its own.
 * Its fields are for those handlers only: {@link connectUpstream} hands it out as the interface.
 */
class UpstreamWebSocket extends WebSocket implements UpstreamSocket {
  closedOnce = false
  error: string | undefined

  constructor(
    url: string,
    apiKey: string,
    readonly h: UpstreamHandlers,
  ) {
    super(url, { headers: { Authorization: `Bearer ${apiKey}` } })
    this.onopen = opened
    this.onmessage = received
    this.onclose = closed
    this.onerror = failed
  }

  /** Dropped unless open (a call may speak before its socket is up or after it went down). */
  override send(data: Parameters<WebSocket['send']>[0]): void {
    if (this.readyState === WebSocket.OPEN) super.send(data)
  }

  override close(code = 1000, reason = ''): void {
    try {
      super.close(code, reason)
    } catch {
      this.terminate()
    }
  }

  get isOpen(): boolean {
    return this.readyState === WebSocket.OPEN
  }
}

// `this` is the socket the event is for: always one of ours, these handlers are set on no other.
function opened(this: WebSocket): void {
  ;(this as UpstreamWebSocket).h.open()
}

function received(this: WebSocket, e: MessageEvent): void {
  ;(this as UpstreamWebSocket).h.message(e.data as string | Buffer)
}

function closed(this: WebSocket, e: CloseEvent): void {
  const ws = this as UpstreamWebSocket
  if (ws.closedOnce) return
  ws.closedOnce = true
  ws.h.close(e.code, e.reason, ws.error)
}

/** An error is always followed by close in Bun; report it once, from there. Its message names the HTTP status of a
 * refused upgrade or the socket error; the URL in it is ours (the key travels in a header, never in the URL). */
function failed(this: WebSocket, e: Event): void {
  const m = (e as ErrorEvent).message
  if (typeof m === 'string' && m !== '') (this as UpstreamWebSocket).error = m.replace(/^WebSocket connection to '[^']*' failed: /, '').slice(0, 200)
}
