/**
 * @module sim/twilio/fake-twilio
 * A local stand-in for the parts of Twilio's REST API FastAgent uses (Messages: create and list), strict where the
 * real one is: Basic auth with the account SID and auth token, form-encoded bodies, E.164 numbers, the configured
 * sender, 1600-character bodies — with Twilio-shaped error bodies. It also plays the phone: `reply()` sends a signed
 * inbound-SMS webhook, and delivery callbacks are signed like Twilio's. Fault hooks make it fail or slow down.
 */
import { randomBytes } from 'node:crypto'
import twilio from 'twilio'

export type FakeMessage = {
  readonly sid: string
  readonly to: string
  readonly from: string
  readonly body: string
  status: string
  readonly createdAt: number
  readonly statusCallback: string | undefined
}

export type FakeTwilioOptions = {
  readonly accountSid: string
  readonly authToken: string
  readonly fromNumber: string
  /** More numbers the account owns (several businesses, each texting from its own); messages from them are accepted. */
  readonly otherNumbers?: readonly string[]
  /** Deliver signed status callbacks ("sent", "delivered") when a message asks for them. */
  readonly statusCallbacks?: boolean
}

const E164 = /^\+[1-9]\d{6,14}$/

export class FakeTwilio {
  readonly messages: FakeMessage[] = []
  readonly requests: { method: string; path: string; at: number }[] = []
  private failures: { status: number; code: number; message: string }[] = []
  private delayMs = 0
  private server: ReturnType<typeof Bun.serve> | undefined
  private readonly listeners = new Set<(m: FakeMessage) => void>()

  constructor(private readonly o: FakeTwilioOptions) {}

  get url(): string {
    if (!this.server) throw new Error('fake Twilio not started')
    return `http://127.0.0.1:${this.server.port}`
  }

  start(): this {
    this.server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => this.handle(req) })
    return this
  }

  stop(): void {
    this.server?.stop(true)
  }

  /** The next `n` create requests fail with this HTTP status (e.g. 500, or 400 for a bad number). */
  failNext(n: number, status = 500, code = status >= 500 ? 20500 : 21211, message = status >= 500 ? 'Internal Server Error' : "The 'To' number is not a valid phone number."): void {
    for (let i = 0; i < n; i++) this.failures.push({ status, code, message })
  }

  /** Every response waits this long (a slow or hanging Twilio). */
  setDelay(ms: number): void {
    this.delayMs = ms
  }

  onMessage(fn: (m: FakeMessage) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Waits until `n` messages have been accepted. */
  async waitForMessages(n: number, timeoutMs = 10_000): Promise<FakeMessage[]> {
    const until = Date.now() + timeoutMs
    while (this.messages.length < n) {
      if (Date.now() > until) throw new Error(`fake Twilio: expected ${n} messages, got ${this.messages.length}`)
      await Bun.sleep(10)
    }
    return this.messages
  }

  /**
   * The phone replies: POSTs a signed inbound-SMS webhook to `webhookUrl` (the URL Twilio would call, i.e. the
   * bot's PUBLIC_BASE_URL + /twilio/sms; pass `signedUrl` when the request lands elsewhere, as behind a proxy).
   * Returns the HTTP status and the TwiML reply.
   */
  async reply(webhookUrl: string, from: string, body: string, opts: { forge?: boolean; signedUrl?: string; to?: string } = {}): Promise<{ status: number; twiml: string }> {
    const params: Record<string, string> = {
      MessageSid: 'SM' + randomBytes(16).toString('hex'),
      SmsSid: '',
      AccountSid: this.o.accountSid,
      From: from,
      // The number the text was sent to: one of the account's (default the first).
      To: opts.to ?? this.o.fromNumber,
      Body: body,
      NumMedia: '0',
      NumSegments: '1',
      FromCountry: 'US',
      ToCountry: 'US',
    }
    params.SmsSid = params.MessageSid ?? ''
    // Twilio signs the URL it was configured with; behind a proxy that differs from where the request lands.
    const signature = twilio.getExpectedTwilioSignature(opts.forge ? 'not-the-token' : this.o.authToken, opts.signedUrl ?? webhookUrl, params)
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params),
    })
    return { status: res.status, twiml: await res.text() }
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url)
    this.requests.push({ method: req.method, path: url.pathname, at: Date.now() })
    if (this.delayMs > 0) await Bun.sleep(this.delayMs)
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname)
    if (!m) return error(404, 20404, 'The requested resource was not found')
    const expected = 'Basic ' + btoa(`${this.o.accountSid}:${this.o.authToken}`)
    if (m[1] !== this.o.accountSid || req.headers.get('authorization') !== expected) return error(401, 20003, 'Authenticate')
    if (req.method === 'GET') return this.list(url)
    if (req.method !== 'POST') return error(405, 20004, 'Method not allowed')
    if (!(req.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) return error(400, 20001, 'Content-Type must be form-encoded')
    const form = new URLSearchParams(await req.text())
    const failure = this.failures.shift()
    if (failure) return error(failure.status, failure.code, failure.message)
    const to = form.get('To') ?? ''
    const from = form.get('From') ?? ''
    const body = form.get('Body') ?? ''
    if (!E164.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`)
    if (from !== this.o.fromNumber && !(this.o.otherNumbers ?? []).includes(from)) return error(400, 21606, `The 'From' phone number provided (${from}) is not a valid message-capable Twilio phone number for this destination.`)
    if (body.length === 0) return error(400, 21602, 'Message body is required.')
    if (body.length > 1600) return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.')
    const msg: FakeMessage = { sid: 'SM' + randomBytes(16).toString('hex'), to, from, body, status: 'queued', createdAt: Date.now(), statusCallback: form.get('StatusCallback') ?? undefined }
    this.messages.push(msg)
    for (const fn of this.listeners) fn(msg)
    if (this.o.statusCallbacks && msg.statusCallback) void this.deliver(msg)
    return Response.json(resource(msg, this.o.accountSid), { status: 201 })
  }

  private list(url: URL): Response {
    const to = url.searchParams.get('To')
    const after = url.searchParams.get('DateSent>')
    const since = after ? Date.parse(after) : 0
    const list = this.messages.filter((m) => (!to || m.to === to) && m.createdAt >= since)
    return Response.json({
      messages: list.map((m) => resource(m, this.o.accountSid)),
      end: Math.max(0, list.length - 1),
      first_page_uri: url.pathname,
      next_page_uri: null,
      page: 0,
      page_size: 50,
      previous_page_uri: null,
      start: 0,
      uri: url.pathname,
    })
  }

  private async deliver(m: FakeMessage): Promise<void> {
    for (const status of ['sent', 'delivered']) {
      await Bun.sleep(20)
      m.status = status
      const params = { MessageSid: m.sid, MessageStatus: status, AccountSid: this.o.accountSid, To: m.to, From: m.from }
      const url = m.statusCallback as string
      const signature = twilio.getExpectedTwilioSignature(this.o.authToken, url, params)
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params) }).catch(() => undefined)
    }
  }
}

function resource(m: FakeMessage, accountSid: string) {
  const created = new Date(m.createdAt).toUTCString()
  return {
    sid: m.sid,
    account_sid: accountSid,
    to: m.to,
    from: m.from,
    body: m.body,
    status: m.status,
    num_segments: '1',
    num_media: '0',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    date_created: created,
    date_updated: created,
    date_sent: created,
    price: null,
    error_code: null,
    error_message: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`,
  }
}

function error(status: number, code: number, message: string): Response {
  return Response.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, { status })
}
