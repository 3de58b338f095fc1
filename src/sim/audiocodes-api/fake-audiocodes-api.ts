/**
 * @module sim/audiocodes-api/fake-audiocodes-api
 * A local stand-in for VoiceAI Connect's outbound-calling REST API (`POST /api/v1/actions/dialout`): Basic auth
 * with the configured client id and secret, a strictly checked JSON body (bot, tel: target, optional caller,
 * notifyUrl, metadata), an answer carrying the new `conversationId`. `onDial` lets a test or the demo "answer" the
 * call (typically by starting a VoiceAI Connect simulator with that conversation id); `notify` posts status to the
 * notify URL like VAIC would.
 */
import { randomUUID } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

const DialoutBody = Type.Object(
  {
    bot: Type.String({ minLength: 1 }),
    target: Type.String({ pattern: '^tel:\\+[1-9]\\d{6,14}$' }),
    caller: Type.Optional(Type.String({ minLength: 1 })),
    callerHost: Type.Optional(Type.String()),
    callerDisplayName: Type.Optional(Type.String()),
    notifyUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    machineDetection: Type.Optional(Type.String()),
    answerTimeoutSec: Type.Optional(Type.Integer({ minimum: 1 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
)
const checkBody = TypeCompiler.Compile(DialoutBody)
export type DialoutBody = Static<typeof DialoutBody>

export type DialRecord = { readonly conversationId: string; readonly body: DialoutBody; readonly at: number }

export class FakeAudioCodesApi {
  readonly dials: DialRecord[] = []
  private server: ReturnType<typeof Bun.serve> | undefined
  private failures: number[] = []
  private handler: ((d: DialRecord) => unknown) | undefined

  /**
   * `ringMs`: how long before `onDial` runs. `answer`: `first` (default) answers the HTTP request, then connects the
   * call; `after-connect` runs `onDial` (and awaits what it returns: typically the simulator's session.accepted) before
   * it answers — a VAIC that opens the bot's WebSocket before the dialer hears back. A real VAIC may do either.
   */
  /** `bot` and `otherBots`: the bot names this account has (several businesses, one bot each). */
  constructor(private readonly o: { clientId: string; clientSecret: string; bot: string; otherBots?: readonly string[]; ringMs?: number; answer?: 'first' | 'after-connect' }) {}

  get url(): string {
    if (!this.server) throw new Error('fake AudioCodes API not started')
    return `http://127.0.0.1:${this.server.port}`
  }

  start(): this {
    this.server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => this.handle(req) })
    return this
  }

  stop(): void {
    this.server?.stop(true)
  }

  /** Called after each accepted dial-out (after the HTTP answer, or before it in `after-connect` mode). */
  onDial(fn: (d: DialRecord) => unknown): void {
    this.handler = fn
  }

  failNext(n: number, status = 503): void {
    for (let i = 0; i < n; i++) this.failures.push(status)
  }

  /** Posts a dial-out status to the request's notifyUrl, as VAIC does. */
  async notify(d: DialRecord, status: 'answered' | 'failed' | 'completed'): Promise<number> {
    if (!d.body.notifyUrl) return 0
    const res = await fetch(d.body.notifyUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationId: d.conversationId, status }) })
    return res.status
  }

  async waitForDials(n: number, timeoutMs = 10_000): Promise<DialRecord[]> {
    const until = Date.now() + timeoutMs
    while (this.dials.length < n) {
      if (Date.now() > until) throw new Error(`fake AudioCodes API: expected ${n} dial-outs, got ${this.dials.length}`)
      await Bun.sleep(10)
    }
    return this.dials
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url)
    if (url.pathname !== '/api/v1/actions/dialout') return Response.json({ error: 'not found' }, { status: 404 })
    if (req.method !== 'POST') return Response.json({ error: 'method not allowed' }, { status: 405 })
    if (req.headers.get('authorization') !== 'Basic ' + btoa(`${this.o.clientId}:${this.o.clientSecret}`)) return Response.json({ error: 'unauthorized' }, { status: 401 })
    const failure = this.failures.shift()
    if (failure) return Response.json({ error: 'unavailable' }, { status: failure })
    let body: unknown
    try {
      body = await req.json()
    } catch {
      return Response.json({ error: 'body must be JSON' }, { status: 400 })
    }
    if (!checkBody.Check(body)) {
      const e = checkBody.Errors(body).First()
      return Response.json({ error: `invalid body: ${e?.path ?? ''} ${e?.message ?? ''}` }, { status: 400 })
    }
    if (body.bot !== this.o.bot && !(this.o.otherBots ?? []).includes(body.bot)) return Response.json({ error: `unknown bot ${body.bot}` }, { status: 404 })
    const record: DialRecord = { conversationId: randomUUID(), body, at: Date.now() }
    this.dials.push(record)
    if (this.o.answer === 'after-connect') {
      await Bun.sleep(this.o.ringMs ?? 0)
      await this.handler?.(record)
    } else setTimeout(() => this.handler?.(record), this.o.ringMs ?? 300)
    return Response.json({ conversationId: record.conversationId, status: 'initiated' })
  }
}
