/**
 * @module console/routes
 * The operator console as one Elysia plugin, mounted only when `ADMIN_TOKEN` is set. Every request under /console is
 * authenticated *before* it is routed, so an unknown path, a page and an API call all answer 401 without a session
 * (pages with the login form as body, the API with `{"error":"unauthorized"}`) and nothing about calls leaks.
 *
 * Reads come from the store and the in-memory live calls; nothing here touches a call's audio or waits on it. The
 * live transcript is a server-sent event stream fed synchronously by the call watch; a viewer that stops reading is
 * dropped, never buffered without bound.
 */
import { Elysia } from 'elysia'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Logger } from '../ops/log'
import { maskPhone } from '../ops/mask'
import type { Store } from '../store/store'
import type { TaskRegistry } from '../agents/task-definition'
import type { DomainExecutor } from '../agents/domain-executor'
import type { Settings } from '../agents/domain/settings'
import { addDays, dateMinutesToEpoch, localDate } from '../agents/domain/zoned-time'
import { ConsoleAuth, type Principal } from './auth'
import type { CallWatch, WatchMessage } from './call-watch'
import { callDetail, listCalls, listCallsJson, searchCalls, type ConsoleData } from './call-detail'
import { coalesced } from './sliced-json'
import { appointmentsPage, callPage, historyPage, livePage, loginPage, type AppointmentView } from './pages'
import { CLIENT_SCRIPT } from './client-script'
import type { Prices } from './timeline'

export type ConsoleDeps = {
  readonly token: string
  readonly store: Store
  readonly watch: CallWatch
  readonly tasks: TaskRegistry
  readonly domain: DomainExecutor
  /**
   * A business's clock and settings, read per request (SIGHUP): `tenant`'s (a call's or an appointment's business:
   * its times are shown in its zone, a cancel runs with its settings), else the first business's.
   */
  readonly business: (tenant?: string) => { readonly id: string; readonly timeZone: string; readonly settings: Settings; readonly services: readonly Named[]; readonly staff: readonly Named[] }
  /** The ids of the businesses served now (the appointments page shows one at a time). */
  readonly tenants: () => readonly string[]
  readonly log: Logger
  readonly now: () => number
  readonly prices: Prices
  /** Cookie `Secure` flag. */
  readonly secure: boolean
  /** Whether a text can actually be sent (Twilio configured); otherwise it stays held in the outbox. */
  readonly smsAvailable: boolean
  readonly wakeOutbox: () => void
  /** The call's recording, when there is one. */
  readonly recording: (callId: string) => Blob | undefined
  readonly heartbeatMs?: number
}

type Named = { readonly id: string; readonly name: string }
type Ctx = { readonly request: Request; readonly url: URL; readonly principal: Principal; readonly params: readonly string[]; readonly client: string }
type Handler = (c: Ctx) => Response | Promise<Response>
type Route = { readonly method: 'GET' | 'POST'; readonly pattern: RegExp; readonly handler: Handler }

// Call ids are UUIDs; appointment ids are idempotency keys (`T1-ab12:4:0`), possibly percent-encoded.
const ID = '([A-Za-z0-9:._%-]{1,160})'
const DAY = /^\d{4}-\d{2}-\d{2}$/
const CancelBody = TypeCompiler.Compile(Type.Object({ sms: Type.Optional(Type.Boolean()) }, { additionalProperties: false }))
const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own form posts.
  'referrer-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}

const jsonText = (text: string, status = 200, headers: Record<string, string> = {}) =>
  new Response(text, { status, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers } })
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => jsonText(JSON.stringify(body), status, headers)
const htmlResponse = (body: string, status = 200, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', ...headers } })
const isApi = (path: string) => path.startsWith('/console/api/')

export function consoleRoutes(d: ConsoleDeps) {
  const auth = new ConsoleAuth({ token: d.token, now: d.now, secure: d.secure })
  const data: ConsoleData = { store: d.store, watch: d.watch, now: d.now, prices: d.prices }
  const hasRecording = (id: string) => d.recording(id) !== undefined
  const liveList = coalesced(() => listCallsJson(data))
  const csrfOf = (p: Principal) => (p.via === 'session' ? p.csrf : '')
  /** A call's or an appointment's times are shown in its own business's zone. */
  const tzOf = (tenant: string) => d.business(tenant).timeZone
  const unauthorized = (path: string, status: 401 | 429 = 401, message?: string) =>
    isApi(path) ? json({ error: status === 429 ? 'too_many_attempts' : 'unauthorized' }, status, { 'www-authenticate': 'Bearer realm="console"' }) : htmlResponse(loginPage(message), status)
  const notFound = (c: Ctx) => (isApi(c.url.pathname) ? json({ error: 'not_found' }, 404) : htmlResponse(loginPage('Not found.').replace('Log in', 'Not found'), 404))

  const routes: Route[] = [
    { method: 'GET', pattern: /^\/console\/?$/, handler: async ({ principal }) => htmlResponse(livePage({ csrf: csrfOf(principal), ...(await listCalls(data)), tzOf })) },
    { method: 'GET', pattern: /^\/console\/assets\/console\.js$/, handler: () => new Response(CLIENT_SCRIPT, { headers: { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' } }) },
    // Every viewer polling at once shares one build; the build lets the audio run between its slices.
    { method: 'GET', pattern: /^\/console\/api\/calls$/, handler: async () => jsonText(await liveList()) },
    {
      method: 'GET',
      pattern: new RegExp(`^/console/api/calls/${ID}$`),
      handler: async (c) => {
        const detail = await callDetail(data, c.params[0] ?? '', hasRecording)
        return detail ? json(detail) : json({ error: 'not_found' }, 404)
      },
    },
    { method: 'GET', pattern: new RegExp(`^/console/api/calls/${ID}/events$`), handler: (c) => events(c.params[0] ?? '', c.request) },
    {
      method: 'GET',
      pattern: new RegExp(`^/console/api/calls/${ID}/recording\\.wav$`),
      handler: (c) => {
        const blob = d.recording(c.params[0] ?? '')
        return blob ? new Response(blob, { headers: { ...SECURITY_HEADERS, 'content-type': 'audio/wav' } }) : json({ error: 'not_found' }, 404)
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/console/api/calls/${ID}/reveal$`),
      handler: async (c) => {
        const id = c.params[0] ?? ''
        const row = await d.store.calls.get(id)
        if (!row) return json({ error: 'not_found' }, 404)
        // Who saw which number, and when (the line itself keeps the number masked).
        d.log.info('console.number_revealed', { callId: id, caller: row.caller ?? undefined, via: c.principal.via, client: c.client })
        return json({ number: row.caller })
      },
    },
    { method: 'GET', pattern: /^\/console\/api\/history$/, handler: (c) => history(c, 'json') },
    { method: 'GET', pattern: /^\/console\/history$/, handler: (c) => history(c, 'html') },
    {
      method: 'GET',
      pattern: new RegExp(`^/console/calls/${ID}$`),
      handler: async (c) => {
        const detail = await callDetail(data, c.params[0] ?? '', hasRecording)
        if (!detail) return notFound(c)
        return htmlResponse(callPage({ csrf: csrfOf(c.principal), d: detail, tz: tzOf(detail.summary.tenant), registry: d.tasks, canReveal: true }))
      },
    },
    { method: 'GET', pattern: /^\/console\/appointments$/, handler: (c) => appointments(c, 'html') },
    { method: 'GET', pattern: /^\/console\/api\/appointments$/, handler: (c) => appointments(c, 'json') },
    { method: 'POST', pattern: new RegExp(`^/console/api/appointments/${ID}/cancel$`), handler: (c) => cancel(c) },
    {
      method: 'POST',
      pattern: /^\/console\/logout$/,
      handler: (c) => new Response(null, { status: 303, headers: { ...SECURITY_HEADERS, location: '/console', 'set-cookie': auth.logout(c.principal) } }),
    },
  ]

  async function history(c: Ctx, as: 'json' | 'html'): Promise<Response> {
    const q = Object.fromEntries([...c.url.searchParams].filter(([k, v]) => ['from', 'to', 'outcome', 'digits', 'task'].includes(k) && v !== '' && v.length <= 64))
    // The day filter is the first business's day; each call's time is shown in its own business's zone.
    const tz = d.business().timeZone
    const from = q.from && DAY.test(q.from) ? dateMinutesToEpoch(q.from, 0, tz) : undefined
    const to = q.to && DAY.test(q.to) ? dateMinutesToEpoch(addDays(q.to, 1), 0, tz) : undefined
    const digits = q.digits && /^\d{1,6}$/.test(q.digits) ? q.digits : undefined
    const calls = await searchCalls(data, { limit: 200, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(q.outcome ? { outcome: q.outcome } : {}), ...(digits ? { digits } : {}), ...(q.task ? { task: q.task } : {}) })
    if (as === 'json') return json({ calls })
    return htmlResponse(historyPage({ csrf: csrfOf(c.principal), calls, q, outcomes: await d.store.console.outcomes(), kinds: d.tasks.tasks.map((t) => t.kind), tzOf }))
  }

  async function appointments(c: Ctx, as: 'json' | 'html'): Promise<Response> {
    const asked = c.url.searchParams.get('day') ?? ''
    // One business at a time (?business=id, default the first), its day in its zone.
    const wanted = c.url.searchParams.get('business') ?? undefined
    if (wanted !== undefined && !d.tenants().includes(wanted)) return as === 'json' ? json({ error: 'not_found', message: 'no such business' }, 404) : notFound(c)
    const b = d.business(wanted)
    const tz = b.timeZone
    const name = (list: readonly Named[], id: string | null) => (id ? (list.find((x) => x.id === id)?.name ?? id) : '')
    const split = b.services.length > 1 || b.staff.length > 0
    const day = DAY.test(asked) ? asked : localDate(d.now(), tz)
    const from = dateMinutesToEpoch(day, 0, tz)
    const to = dateMinutesToEpoch(addDays(day, 1), 0, tz)
    const items: AppointmentView[] = (await d.store.console.appointmentsBetween(from, to)).filter((a) => a.tenant_id === b.id).map((a) => {
      // Split by service and staff member when the business file has them ('' resource = the business as a whole).
      const group = split ? [name(b.services, a.service_id), name(b.staff, a.resource)].filter((x) => x !== '').join(' · ') : ''
      return { id: a.id, startsAt: a.starts_at, minutes: a.minutes, status: a.status, caller: a.caller ? maskPhone(a.caller) : 'unknown', group, callId: a.call_id }
    })
    if (as === 'json') return json({ day, business: b.id, timeZone: tz, appointments: items })
    return htmlResponse(appointmentsPage({ csrf: csrfOf(c.principal), day, items, tz, business: b.id, businesses: d.tenants(), smsAvailable: d.smsAvailable }))
  }

  /** The operator cancels: the same domain effect a caller's cancel task runs, then (optionally) a text through the outbox. */
  async function cancel(c: Ctx): Promise<Response> {
    let body: unknown = {}
    try {
      const text = await c.request.text()
      body = text === '' ? {} : (JSON.parse(text) as unknown)
    } catch {
      return json({ error: 'bad_request', message: 'body must be JSON: {"sms": true|false}' }, 400)
    }
    if (!CancelBody.Check(body)) return json({ error: 'bad_request', message: 'body must be {"sms": true|false}' }, 400)
    const id = c.params[0] ?? ''
    const a = await d.store.appointments.get(id)
    if (!a) return json({ error: 'not_found' }, 404)
    if (a.status !== 'booked') return json({ error: 'not_booked', message: 'this appointment is not booked' }, 409)
    const now = d.now()
    const r = await d.domain.run({ kind: 'cancel_appointment', appointmentId: id }, { idemKey: `console-cancel:${id}`, taskId: '', callId: a.call_id ?? '', caller: undefined, tenant: a.tenant_id, settings: d.business(a.tenant_id).settings, now })
    if (r.type !== 'appointment_cancelled') return json({ error: 'cancel_failed', message: String(r.reason ?? r.type) }, 409)
    let sms = false
    if (body.sms === true && a.caller && /^\+[1-9]\d{6,14}$/.test(a.caller) && !(await d.store.forTenant(a.tenant_id).sms.isOptedOut(a.caller))) {
      const when = new Intl.DateTimeFormat('en-US', { timeZone: tzOf(a.tenant_id), weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(a.starts_at)
      sms = await d.store.forTenant(a.tenant_id).outbox.enqueue({ idemKey: `console-cancel-sms:${id}`, kind: 'sms', payload: { to: a.caller, body: `Your appointment on ${when} has been cancelled. Call us to book a new time.`, callId: a.call_id ?? '' }, ...(a.call_id ? { callId: a.call_id } : {}), at: now })
      d.wakeOutbox()
    }
    d.log.info('console.appointment_cancelled', { appointmentId: id, sms, via: c.principal.via })
    return json({ ok: true, sms })
  }

  /** Server-sent events: what the call has said so far, then each new entry; `ended` closes it. */
  async function events(callId: string, request: Request): Promise<Response> {
    const call = d.watch.get(callId)
    if (!call) return (await d.store.calls.get(callId)) ? json({ error: 'not_live', message: 'the call is not live on this instance; see its page' }, 409) : json({ error: 'not_found' }, 404)
    const enc = new TextEncoder()
    let stop = () => undefined as void
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: string, payload: unknown) => controller.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`))
        for (const e of call.entries) send('entry', e)
        if (call.endedAt !== undefined) {
          send('ended', { reason: call.reason })
          controller.close()
          return
        }
        const listener = (m: WatchMessage) => {
          // A viewer far behind is cut off (it reconnects and gets the backlog), never buffered without bound.
          if ((controller.desiredSize ?? 0) < -256) return stop()
          if (m.type === 'entry') send('entry', m.entry)
          else {
            send('ended', { reason: m.reason })
            stop()
          }
        }
        // Idle connections are closed by the server after a few seconds: a comment keeps the stream open.
        const beat = setInterval(() => controller.enqueue(enc.encode(': keep-alive\n\n')), d.heartbeatMs ?? 5000)
        call.listeners.add(listener)
        stop = () => {
          call.listeners.delete(listener)
          clearInterval(beat)
          try {
            controller.close()
          } catch {
            // already closed by the client
          }
        }
        request.signal.addEventListener('abort', () => stop())
      },
      cancel() {
        stop()
      },
    })
    return new Response(stream, { headers: { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' } })
  }

  const handle = async (request: Request, client: string): Promise<Response> => {
    const url = new URL(request.url)
    const path = url.pathname
    const host = request.headers.get('host')
    if (path === '/console/login' && request.method === 'POST') {
      if (!auth.loginOriginOk(request.headers, host)) return unauthorized(path)
      const form = await request.formData().catch(() => undefined)
      const r = auth.login(form?.get('token'), client)
      if (!r.ok) {
        d.log.warn('console.login_failed', { client, status: r.status })
        return unauthorized('/console', r.status, r.status === 429 ? 'Too many attempts; wait a minute.' : 'Wrong token.')
      }
      d.log.info('console.login', { client })
      return new Response(null, { status: 303, headers: { ...SECURITY_HEADERS, location: '/console', 'set-cookie': r.cookie } })
    }
    const principal = auth.authenticate(request.headers)
    if (!principal) return unauthorized(path)
    const method = request.method === 'HEAD' ? 'GET' : request.method
    for (const route of routes) {
      const m = route.pattern.exec(path)
      if (!m) continue
      if (route.method !== method) return json({ error: 'method_not_allowed' }, 405)
      let formToken: unknown
      if (method === 'POST') {
        if (request.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')) formToken = (await request.clone().formData().catch(() => undefined))?.get('csrf')
        if (!auth.mayChange(principal, request.headers, host, formToken)) return json({ error: 'csrf', message: 'missing or wrong CSRF token' }, 403)
      }
      let params: string[]
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p ?? ''))
      } catch {
        return notFound({ request, url, principal, params: [], client })
      }
      return route.handler({ request, url, principal, params, client })
    }
    return notFound({ request, url, principal, params: [], client })
  }

  return new Elysia({ name: 'console' })
    .all('/console', ({ request, server }) => handle(request, server?.requestIP(request)?.address ?? 'unknown'))
    .all('/console/*', ({ request, server }) => handle(request, server?.requestIP(request)?.address ?? 'unknown'))
}
