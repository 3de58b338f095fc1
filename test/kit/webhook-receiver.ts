/**
 * A business's webhook receiver, for real, in the test: Bun.serve on port 0 that checks `X-FastAgent-Signature`
 * (HMAC-SHA256 of the raw body, compared in constant time), records every request, and dedups by `Idempotency-Key`
 * the way the README tells receivers to. Its answers are scripted: a queue of statuses/bodies (then `fallback`), or
 * `hold` to accept a request and never answer (a kill -9 lands while it is in flight), or an answer sent after a delay.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export type Received = { readonly body: string; readonly signature: string | null; readonly key: string | null; readonly signed: boolean; readonly at: number }
/** `delayMs`: the answer is sent that long after the request arrived (a slow business system). */
export type Answer = { readonly status: number; readonly body?: string; readonly delayMs?: number } | 'hold'

export type Receiver = {
  readonly url: string
  readonly requests: Received[]
  /** Distinct Idempotency-Keys that were processed (answered 2xx with a valid signature). */
  readonly processed: Map<string, string>
  answer(...a: Answer[]): void
  waitFor(n: number, ms?: number): Promise<Received[]>
  stop(): Promise<void>
}

export function verify(secret: string, body: string, header: string | null): boolean {
  if (header === null || !header.startsWith('sha256=')) return false
  const want = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'))
  const got = Buffer.from(header.slice('sha256='.length))
  return got.length === want.length && timingSafeEqual(got, want)
}

export function startReceiver(secret: string, fallback: Answer = { status: 200, body: '{}' }): Receiver {
  const requests: Received[] = []
  const processed = new Map<string, string>()
  const queue: Answer[] = []
  const held: ((r: Response) => void)[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = await req.text()
      const signature = req.headers.get('x-fastagent-signature')
      const key = req.headers.get('idempotency-key')
      const signed = verify(secret, body, signature)
      requests.push({ body, signature, key, signed, at: Date.now() })
      if (!signed) return new Response('forged', { status: 403 })
      const a = queue.shift() ?? fallback
      if (a === 'hold') return new Promise<Response>((r) => held.push(r))
      if (a.delayMs !== undefined) await Bun.sleep(a.delayMs)
      if (a.status >= 200 && a.status < 300 && key !== null && !processed.has(key)) processed.set(key, body)
      return new Response(a.body ?? '', { status: a.status, headers: { 'content-type': 'application/json' } })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    processed,
    answer: (...a) => queue.push(...a),
    async waitFor(n, ms = 10_000) {
      const until = Date.now() + ms
      while (requests.length < n) {
        if (Date.now() > until) throw new Error(`receiver got ${requests.length} requests, expected ${n}`)
        await Bun.sleep(10)
      }
      return requests
    },
    async stop() {
      for (const h of held.splice(0)) h(new Response('', { status: 503 }))
      await server.stop(true)
    },
  }
}
