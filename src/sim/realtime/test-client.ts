/**
 * @module sim/realtime/test-client
 * A bare Realtime client for tests: Bun's WebSocket, raw JSON in and out, every server event kept in order. It makes
 * no protocol decisions, so a test can be a deliberately wrong client as easily as a right one.
 */
import type { RealtimeClientEvent } from 'openai/resources/realtime/realtime'
import type { SentEvent } from './wire'

export type ServerEvent = SentEvent

export interface ConnectOptions {
  readonly apiKey?: string
  readonly model?: string | null
  readonly headers?: Record<string, string>
}

export class TestClient {
  readonly events: ServerEvent[] = []
  closeCode: number | undefined
  closeReason = ''
  private readonly ws: WebSocket
  private readonly opened: Promise<void>
  private readonly closedP: Promise<void>

  constructor(url: string, opts: ConnectOptions = {}) {
    const model = opts.model === undefined ? 'gpt-realtime' : opts.model
    const full = model === null ? url : `${url}?model=${encodeURIComponent(model)}`
    const headers: Record<string, string> = { ...(opts.apiKey !== undefined ? { Authorization: `Bearer ${opts.apiKey}` } : {}), ...opts.headers }
    this.ws = new WebSocket(full, { headers })
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener('open', () => resolve())
      this.ws.addEventListener('error', () => reject(new Error('websocket error before open')))
    })
    this.closedP = new Promise((resolve) => {
      this.ws.addEventListener('close', (e) => {
        this.closeCode = e.code
        this.closeReason = e.reason
        resolve()
      })
    })
    this.ws.addEventListener('message', (m) => {
      this.events.push(JSON.parse(String(m.data)) as ServerEvent)
    })
  }

  static async connect(url: string, opts: ConnectOptions = {}): Promise<TestClient> {
    const c = new TestClient(url, opts)
    await c.opened
    return c
  }

  /** A well-formed GA client event (compile-checked). */
  send(e: RealtimeClientEvent): void {
    this.ws.send(JSON.stringify(e))
  }

  /** Anything at all, for wrong clients. */
  sendRaw(data: string | object): void {
    this.ws.send(typeof data === 'string' ? data : JSON.stringify(data))
  }

  of<T extends ServerEvent['type']>(type: T): Extract<ServerEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type)
  }

  types(): string[] {
    return this.events.map((e) => e.type)
  }

  /** The first event (from index `from`) matching, waiting up to `timeoutMs`. */
  async next<T extends ServerEvent['type']>(
    type: T,
    opts: { from?: number; timeoutMs?: number; where?: (e: Extract<ServerEvent, { type: T }>) => boolean } = {},
  ): Promise<Extract<ServerEvent, { type: T }>> {
    const deadline = performance.now() + (opts.timeoutMs ?? 5000)
    for (;;) {
      for (let i = opts.from ?? 0; i < this.events.length; i++) {
        const e = this.events[i]!
        if (e.type === type && (!opts.where || opts.where(e as Extract<ServerEvent, { type: T }>))) return e as Extract<ServerEvent, { type: T }>
      }
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${type}; got ${this.types().join(', ')}`)
      await Bun.sleep(2)
    }
  }

  /** Waits until `count` events of `type` arrived. */
  async count(type: ServerEvent['type'], count: number, timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs
    while (this.events.filter((e) => e.type === type).length < count) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${count} × ${type}; got ${this.types().join(', ')}`)
      await Bun.sleep(2)
    }
  }

  async closed(timeoutMs = 5000): Promise<number | undefined> {
    await Promise.race([this.closedP, Bun.sleep(timeoutMs)])
    return this.closeCode
  }

  close(): void {
    this.ws.close()
  }
}
