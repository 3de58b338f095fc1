/**
 * @module continuity/handlers
 * Outbox executors: the drop SMS (Twilio) and the callback (AudioCodes dial-out). Payloads are validated; a row
 * that was already attempted (attempts > 0: a retry, or a crash mid-send) is first checked against Twilio so the
 * message is never sent twice.
 */
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Logger } from '../ops/log'
import type { Store } from '../store/store'
import type { DialoutClient } from '../telephony/audiocodes/dialout-client'
import type { OutboxHandler } from './outbox-runner'
import type { SmsSender } from './sms-sender'

const SmsPayload = TypeCompiler.Compile(Type.Object({ to: Type.String({ pattern: '^\\+[1-9]\\d{6,14}$' }), body: Type.String({ minLength: 1, maxLength: 1600 }), callId: Type.String() }))
const DialoutPayload = TypeCompiler.Compile(Type.Object({ to: Type.String({ pattern: '^\\+[1-9]\\d{6,14}$' }), callId: Type.String(), callbackId: Type.Integer() }))

/** `sender`: one for every business, or the row's business's own (its SMS number: tenant.sms_from). */
export function smsHandler(d: { store: Store; sender: SmsSender | undefined | ((tenant: string) => SmsSender | undefined); log: Logger; now: () => number }): OutboxHandler {
  return async (row, payload) => {
    if (!SmsPayload.Check(payload)) return { kind: 'fail', error: 'invalid sms payload' }
    const sender = typeof d.sender === 'function' ? d.sender(row.tenant_id) : d.sender
    // The row's business: its opt-outs and its record of what was sent (store/tenant).
    const store = d.store.forTenant(row.tenant_id)
    if (await store.sms.isOptedOut(payload.to)) return { kind: 'hold', why: 'recipient opted out' }
    if (!sender) {
      // No provider configured: the message stays in the outbox, and the operator sees it in the log.
      d.log.info('sms.not_sent_no_provider', { to: payload.to, body: payload.body, callId: payload.callId })
      await store.sms.record({ direction: 'out', callId: payload.callId, number: payload.to, body: payload.body, status: 'held', at: d.now() })
      return { kind: 'hold', why: 'no SMS provider configured' }
    }
    if (row.attempts > 0) {
      const sid = await sender.alreadySent(payload.to, payload.body, row.created_at)
      if (sid) {
        await store.sms.record({ direction: 'out', callId: payload.callId, number: payload.to, body: payload.body, sid, status: 'sent', at: d.now() })
        return { kind: 'done', result: { sid, reconciled: true } }
      }
    }
    const r = await sender.send(payload.to, payload.body)
    if (r.ok) {
      await store.sms.record({ direction: 'out', callId: payload.callId, number: payload.to, body: payload.body, sid: r.sid, status: r.status, at: d.now() })
      d.log.info('sms.sent', { to: payload.to, sid: r.sid, callId: payload.callId })
      return { kind: 'done', result: { sid: r.sid } }
    }
    return r.retry ? { kind: 'retry', error: r.error } : { kind: 'fail', error: r.error }
  }
}

/** `client`: one for every business, or the row's business's own (its bot name and caller id). */
export function dialoutHandler(d: { store: Store; client: DialoutClient | undefined | ((tenant: string) => DialoutClient | undefined); log: Logger; now: () => number }): OutboxHandler {
  return async (row, payload) => {
    if (!DialoutPayload.Check(payload)) return { kind: 'fail', error: 'invalid dial-out payload' }
    const client = typeof d.client === 'function' ? d.client(row.tenant_id) : d.client
    const cb = await d.store.callbacks.get(payload.callbackId)
    // Already dialled (a crash after the request), or the caller rang us first: nothing to do.
    if (!cb || cb.status !== 'pending') return { kind: 'done', result: { skipped: cb?.status ?? 'missing' } }
    if (!client) return { kind: 'hold', why: 'dial-out not configured' }
    const r = await client.dial({ to: payload.to, metadata: { fastagentCallId: payload.callId, fastagentCallbackId: String(payload.callbackId) } })
    if (r.ok) {
      const now = d.now()
      // VAIC may have connected the call before it answered us: the socket already identified this callback (and
      // it may even be over, unanswered). The answer then only adds the conversation id.
      const latest = await d.store.callbacks.get(payload.callbackId)
      const ended = await d.store.calls.byConversation(r.conversationId)
      const status = ended?.state === 'ended' && ended.end_reason === 'unanswered' ? 'failed' : latest?.status === 'pending' ? 'dialing' : (latest?.status ?? 'dialing')
      await d.store.callbacks.setStatus(payload.callbackId, status, now, r.conversationId)
      d.log.info('callback.dialing', { to: payload.to, conversationId: r.conversationId, callId: payload.callId, status })
      return { kind: 'done', result: { conversationId: r.conversationId } }
    }
    if (!r.retry) await d.store.callbacks.setStatus(payload.callbackId, 'failed', d.now())
    return r.retry ? { kind: 'retry', error: r.error } : { kind: 'fail', error: r.error }
  }
}
