/**
 * @module continuity/sms-sender
 * Sends SMS with the `twilio` package over the fetch client. Errors are classified for the outbox: 4xx (bad number,
 * opted out at Twilio) are final; 5xx, timeouts and network errors are retried. `alreadySent` asks Twilio whether a
 * message with this body already went to this number — checked before every retry, so a crash after Twilio accepted
 * the message (but before we recorded it) never sends it twice.
 */
import type RequestClient from 'twilio/lib/base/RequestClient'
import type { Twilio } from 'twilio'
import { fetchHttpClient } from './twilio-http-client'

export type SendResult = { ok: true; sid: string; status: string } | { ok: false; retry: boolean; error: string; status?: number }

export interface SmsSender {
  send(to: string, body: string): Promise<SendResult>
  alreadySent(to: string, body: string, since: number): Promise<string | undefined>
}

export type TwilioSettings = {
  readonly accountSid: string
  readonly authToken: string
  readonly from: string
  readonly apiBaseUrl: string
  readonly statusCallback?: string
  readonly timeoutMs?: number
}

export function twilioSender(s: TwilioSettings): SmsSender {
  const timeout = s.timeoutMs ?? 10_000
  const base = s.apiBaseUrl === 'https://api.twilio.com' ? undefined : s.apiBaseUrl
  // The twilio package is loaded on the first SMS, not at boot (it is the slowest import we have: ~55 ms).
  let client: Promise<Twilio> | undefined
  const getClient = () =>
    (client ??= import('twilio').then(({ default: twilio }) => {
      // The twilio type names its axios class; any object with a compatible request() is accepted at run time.
      const httpClient = fetchHttpClient(base, timeout) as unknown as RequestClient
      // autoRetry off: the outbox owns retries (with the duplicate check); the twilio retry loop would bypass it.
      return twilio(s.accountSid, s.authToken, { httpClient, timeout, autoRetry: false })
    }))
  return {
    async send(to, body) {
      try {
        const m = await (await getClient()).messages.create({ to, from: s.from, body, ...(s.statusCallback ? { statusCallback: s.statusCallback } : {}) })
        return { ok: true, sid: m.sid, status: m.status }
      } catch (err) {
        const status = (err as { status?: unknown }).status
        if (typeof status === 'number') return { ok: false, retry: status >= 500 || status === 429, error: `twilio ${status}: ${(err as Error).message}`, status }
        return { ok: false, retry: true, error: `network: ${(err as Error).message ?? String(err)}` }
      }
    },
    async alreadySent(to, body, since) {
      const list = await (await getClient()).messages.list({ to, dateSentAfter: new Date(since - 60_000), limit: 50 })
      return list.find((m) => m.body === body && m.from === s.from)?.sid
    },
  }
}
