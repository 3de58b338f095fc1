/**
 * @module test/reliability/webhook-fuzz
 * Forged and malformed webhook requests (fast-check): for `POST /twilio/sms`, `/twilio/sms-status` and
 * `/audiocodes/dialout-status`, each case carries the status it must get — 403 when it cannot be verified (missing,
 * empty, garbage or forged signature, wrong token, other URL, other parameters, too large), 400 when verified but
 * unusable. Shared by the fuzz test and the soak.
 */
import fc from 'fast-check'
import twilio from 'twilio'
import { WORLD_SECRETS } from '../../src/sim/world'
import { notifySignature } from '../../src/continuity/webhooks'
import { CANARY } from './vaic-fuzz'

export type WebhookCase = {
  readonly path: '/twilio/sms' | '/twilio/sms-status' | '/audiocodes/dialout-status'
  readonly query: string
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array
  readonly expected: number
  readonly label: string
}

const text = fc.string({ maxLength: 40 }).map((s) => CANARY + s)
const params = fc.dictionary(fc.oneof(fc.constantFrom('From', 'Body', 'To', 'MessageSid', 'MessageStatus', 'AccountSid', 'SmsSid'), text), text, { maxKeys: 8 })
/** At least one parameter, each value carrying the canary: never equal to a genuine request's parameters. */
const extraParams = fc.dictionary(fc.oneof(fc.constantFrom('From', 'Body', 'To', 'MessageSid', 'MessageStatus', 'AccountSid', 'SmsSid'), text), text, { minKeys: 1, maxKeys: 8 })
const form = (p: Record<string, string>) => new URLSearchParams(p).toString()

/** Parameters that pass no schema: the field the route needs is missing or out of bounds. */
const badSmsParams = fc.oneof(
  params.map((p) => {
    const { From: _f, ...rest } = p
    return rest
  }),
  fc.record({ From: fc.constant('+14155550500'), Body: fc.string({ minLength: 1601, maxLength: 3000 }) }),
  fc.record({ From: fc.string({ minLength: 65, maxLength: 200 }), Body: fc.constant('CALL') }),
  fc.record({ From: fc.constant(''), Body: fc.constant('CALL') }),
)
const badStatusParams = fc.oneof(
  params.map((p) => {
    const { MessageSid: _s, ...rest } = p
    return rest
  }),
  fc.record({ MessageSid: fc.string({ minLength: 65, maxLength: 100 }), MessageStatus: fc.constant('delivered') }),
  fc.record({ MessageSid: fc.constant('SM123'), MessageStatus: fc.constant('') }),
)

/** Every kind of refused request, signed (or not) for a server whose PUBLIC_BASE_URL is `publicBase`. */
export function webhookCases(publicBase: string): fc.Arbitrary<WebhookCase> {
  const url = (path: string, query = '') => `${publicBase}${path}${query}`
  const sign = (path: string, p: Record<string, string>, token: string = WORLD_SECRETS.twilioToken, query = '') => twilio.getExpectedTwilioSignature(token, url(path, query), p)

  function twilioCases(path: '/twilio/sms' | '/twilio/sms-status'): fc.Arbitrary<WebhookCase> {
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' }
    const bad = path === '/twilio/sms' ? badSmsParams : badStatusParams
    const good = path === '/twilio/sms' ? fc.constant({ From: '+14155550500', Body: 'CALL' }) : fc.constant({ MessageSid: 'SM' + 'a'.repeat(32), MessageStatus: 'delivered' })
    return fc.oneof(
      // No signature, an empty one, garbage.
      fc.tuple(fc.oneof(params, good), fc.constantFrom(undefined, '', 'garbage', 'a'.repeat(5000), '\u00ff\u00fe'), text).map(([p, sig]) => ({
        path,
        query: '',
        headers: { ...formHeaders, ...(sig === undefined ? {} : { 'x-twilio-signature': sig }) },
        body: form(p),
        expected: 403,
        label: `signature ${JSON.stringify(sig?.slice(0, 10))}`,
      })),
      // Signed with the wrong token, over another URL, or over other parameters than the ones sent.
      fc.tuple(good, extraParams, fc.constantFrom('token', 'url', 'params', 'query')).map(([p, other, how]) => ({
        path,
        query: how === 'query' ? '?x=1' : '',
        headers: {
          ...formHeaders,
          'x-twilio-signature':
            how === 'token' ? sign(path, p, 'not-the-token') : how === 'url' ? twilio.getExpectedTwilioSignature(WORLD_SECRETS.twilioToken, `https://evil.example${path}`, p) : how === 'params' ? sign(path, { ...p, ...other }) : sign(path, p),
        },
        body: form(p),
        expected: 403,
        label: `forged (${how})`,
      })),
      // Random bytes and JSON with a garbage signature.
      fc.tuple(fc.uint8Array({ maxLength: 3000 }), fc.string()).map(([bytes, sig]) => ({ path, query: '', headers: { 'content-type': 'application/octet-stream', 'x-twilio-signature': sig || 'x' }, body: bytes, expected: 403, label: 'bytes' })),
      // Huge bodies: refused (without a valid signature, or too large to verify); past the server's 1 MiB body limit
      // Bun answers 413 without reading the body.
      fc.tuple(fc.integer({ min: 70_000, max: 2_000_000 }), fc.boolean()).map(([n, signed]) => {
        const p = { From: '+14155550500', Body: 'x'.repeat(n) }
        const body = form(p)
        const expected = new TextEncoder().encode(body).length > 1024 * 1024 ? 413 : 403
        return { path, query: '', headers: { ...formHeaders, 'x-twilio-signature': signed ? sign(path, p) : 'forged' }, body, expected, label: `huge ${n}` }
      }),
      // A valid signature over a body the route cannot use: 400.
      bad.map((p) => ({ path, query: '', headers: { ...formHeaders, 'x-twilio-signature': sign(path, p as Record<string, string>) }, body: form(p as Record<string, string>), expected: 400, label: 'signed, bad body' })),
    )
  }

  const dialoutCases: fc.Arbitrary<WebhookCase> = fc.oneof(
    fc.tuple(fc.constantFrom('', '?sig=', '?sig=garbage', `?sig=${'0'.repeat(32)}`, `?sig=${notifySignature('wrong-secret')}`), fc.oneof(text, fc.json())).map(([query, body]) => ({
      path: '/audiocodes/dialout-status' as const,
      query,
      headers: { 'content-type': 'application/json' },
      body,
      expected: 403,
      label: `notify sig ${query}`,
    })),
    fc.oneof(text, fc.json().filter((j) => !/"conversationId"/.test(j)), fc.constant('{"conversationId":"","status":"answered"}'), fc.constant(`{"conversationId":"${'c'.repeat(201)}","status":"answered"}`)).map((body) => ({
      path: '/audiocodes/dialout-status' as const,
      query: `?sig=${notifySignature(WORLD_SECRETS.botToken)}`,
      headers: { 'content-type': 'application/json' },
      body,
      expected: 400,
      label: 'signed notify, bad body',
    })),
  )
  return fc.oneof(twilioCases('/twilio/sms'), twilioCases('/twilio/sms-status'), dialoutCases)
}

/** Sends one case to a server at `baseUrl`. */
export async function sendWebhookCase(baseUrl: string, c: WebhookCase): Promise<{ status: number; body: string }> {
  const res = await fetch(`${baseUrl}${c.path}${c.query}`, { method: 'POST', headers: c.headers, body: c.body })
  return { status: res.status, body: await res.text() }
}

