/**
 * @module continuity/webhooks
 * `POST /twilio/sms` (inbound SMS: CALL, STOP/START, help), `POST /twilio/sms-status` (delivery reports) and
 * `POST /audiocodes/dialout-status` (VoiceAI Connect's notify URL).
 *
 * Twilio requests are verified with `X-Twilio-Signature` over the PUBLIC URL (`PUBLIC_BASE_URL` + path: behind a
 * proxy `request.url` is not what Twilio signed) and the RAW form parameters (a schema that strips unknown fields
 * would break the signature: stack-notes D3). A forged or unverifiable request gets 403 and changes nothing.
 * The dial-out notify URL carries an HMAC we generated (VAIC documents no signature of its own).
 */
import { createHmac } from 'node:crypto'
import { Elysia } from 'elysia'
import type twilioModule from 'twilio'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Logger } from '../ops/log'
import type { Counter } from '../ops/metrics'
import type { Store } from '../store/store'
import { safeEqual } from '../telephony/audiocodes/auth'
import { normaliseCaller } from '../telephony/audiocodes/caller-number'
import type { Continuity } from './continuity'

export type WebhookDeps = {
  readonly authToken: string | undefined
  readonly publicBaseUrl: string | undefined
  /** Secret for the dial-out notify URL's HMAC. */
  readonly notifySecret: string
  readonly continuity: Continuity
  /** The continuity of the business a text was sent to (its `To` number); default: `continuity`. */
  readonly continuityFor?: (to: string | undefined) => Continuity
  readonly store: Store
  readonly log: Logger
  readonly now: () => number
  readonly rejected: Counter
}

const InboundSms = TypeCompiler.Compile(Type.Object({ From: Type.String({ minLength: 1, maxLength: 64 }), To: Type.Optional(Type.String({ maxLength: 64 })), Body: Type.String({ maxLength: 1600 }) }, { additionalProperties: true }))
const SmsStatus = TypeCompiler.Compile(Type.Object({ MessageSid: Type.String({ minLength: 1, maxLength: 64 }), MessageStatus: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: true }))
const DialoutStatus = TypeCompiler.Compile(Type.Object({ conversationId: Type.String({ minLength: 1, maxLength: 200 }), status: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: true }))

const MAX_BODY = 64 * 1024

export function notifySignature(secret: string): string {
  return createHmac('sha256', secret).update('fastagent:dialout-status').digest('hex').slice(0, 32)
}

export function dialoutNotifyUrl(publicBaseUrl: string | undefined, secret: string): string | undefined {
  return publicBaseUrl ? `${publicBaseUrl.replace(/\/+$/, '')}/audiocodes/dialout-status?sig=${notifySignature(secret)}` : undefined
}

/** The twilio package, loaded with the first webhook rather than at boot (~55 ms of start-up otherwise). */
let twilioLoaded: Promise<typeof twilioModule> | undefined
const loadTwilio = () => (twilioLoaded ??= import('twilio').then((m) => m.default))

async function twiml(message: string | undefined): Promise<Response> {
  const twilio = await loadTwilio()
  const r = new twilio.twiml.MessagingResponse()
  if (message) r.message(message)
  return new Response(r.toString(), { headers: { 'content-type': 'text/xml; charset=utf-8' } })
}

export function webhookRoutes(d: WebhookDeps) {
  const forbidden = (why: string) => {
    d.rejected.inc({ reason: why })
    d.log.warn('webhook.rejected', { why })
    return new Response('forbidden', { status: 403 })
  }

  /** Returns the verified form parameters, or the 403 response. */
  const verifyTwilio = async (request: Request, path: string): Promise<Record<string, string> | Response> => {
    if (!d.authToken || !d.publicBaseUrl) return forbidden('webhook verification not configured (TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL)')
    const signature = request.headers.get('x-twilio-signature')
    if (!signature) return forbidden('missing signature')
    // Refuse big bodies before reading them (the server's maxRequestBodySize caps what is read at all).
    if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY) return forbidden('body too large')
    const raw = await request.text()
    if (raw.length > MAX_BODY) return forbidden('body too large')
    const params: Record<string, string> = {}
    for (const [k, v] of new URLSearchParams(raw)) params[k] = v
    const query = new URL(request.url).search
    const url = `${d.publicBaseUrl.replace(/\/+$/, '')}${path}${query}`
    if (!(await loadTwilio()).validateRequest(d.authToken, signature, url, params)) return forbidden('bad signature')
    return params
  }

  return new Elysia({ name: 'continuity-webhooks' })
    .post(
      '/twilio/sms',
      async ({ request }) => {
        const params = await verifyTwilio(request, '/twilio/sms')
        if (params instanceof Response) return params
        const sid = params.MessageSid ?? params.SmsSid
        if (!InboundSms.Check(params)) return new Response('bad request', { status: 400 })
        const from = normaliseCaller(params.From)
        if (!from) return twiml(undefined)
        const reply = await (d.continuityFor?.(params.To) ?? d.continuity).inboundSms(from, params.Body, sid)
        d.log.info('webhook.sms', { from, keyword: params.Body.trim().toUpperCase().slice(0, 10), replied: reply !== undefined })
        return twiml(reply)
      },
      { parse: 'none' },
    )
    .post(
      '/twilio/sms-status',
      async ({ request }) => {
        const params = await verifyTwilio(request, '/twilio/sms-status')
        if (params instanceof Response) return params
        if (!SmsStatus.Check(params)) return new Response('bad request', { status: 400 })
        await d.store.sms.setStatusBySid(params.MessageSid, params.MessageStatus, d.now())
        return new Response(null, { status: 204 })
      },
      { parse: 'none' },
    )
    .post(
      '/audiocodes/dialout-status',
      async ({ request }) => {
        const sig = new URL(request.url).searchParams.get('sig') ?? ''
        if (!safeEqual(sig, notifySignature(d.notifySecret))) return forbidden('bad dial-out notify signature')
        const raw = await request.text()
        if (raw.length > MAX_BODY) return new Response('too large', { status: 413 })
        let body: unknown
        try {
          body = JSON.parse(raw)
        } catch {
          return new Response('bad request', { status: 400 })
        }
        if (!DialoutStatus.Check(body)) return new Response('bad request', { status: 400 })
        const known = await d.continuity.dialoutStatus(body.conversationId, body.status)
        d.log.info('webhook.dialout_status', { conversationId: body.conversationId, status: body.status, known })
        return new Response(null, { status: known ? 204 : 404 })
      },
      { parse: 'none' },
    )
}
