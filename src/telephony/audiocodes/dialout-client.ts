/**
 * @module telephony/audiocodes/dialout-client
 * VoiceAI Connect outbound calling: `POST {base}/api/v1/actions/dialout` with HTTP Basic auth (client id : secret).
 * The answer carries the new call's `conversationId`; when VAIC then opens our WebSocket with that id we know the
 * call is our callback. Status arrives later at `notifyUrl`.
 */
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

export type DialoutRequest = {
  /** E.164 number to call. */
  readonly to: string
  /** Carried to the bot as `dialoutMetadata` in the start event (our ids). */
  readonly metadata: Record<string, string>
}

export type DialoutResult = { ok: true; conversationId: string } | { ok: false; retry: boolean; error: string }

export type DialoutSettings = {
  readonly baseUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly bot: string
  /** Always sent as `caller`: the number the callee sees (and that tells us a new conversation is our dial-out). */
  readonly callerId: string
  readonly notifyUrl?: string
  readonly timeoutMs?: number
}

const Answer = TypeCompiler.Compile(Type.Object({ conversationId: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: true }))

export function dialoutClient(s: DialoutSettings) {
  const auth = 'Basic ' + btoa(`${s.clientId}:${s.clientSecret}`)
  return {
    async dial(r: DialoutRequest): Promise<DialoutResult> {
      const body = {
        bot: s.bot,
        target: `tel:${r.to}`,
        caller: s.callerId,
        ...(s.notifyUrl ? { notifyUrl: s.notifyUrl } : {}),
        // Detect (not disconnect): when a machine answers, the bot leaves a short voicemail before hanging up.
        machineDetection: 'detect',
        metadata: r.metadata,
      }
      let res: Response
      try {
        res = await fetch(`${s.baseUrl.replace(/\/+$/, '')}/api/v1/actions/dialout`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(s.timeoutMs ?? 10_000),
        })
      } catch (err) {
        return { ok: false, retry: true, error: `network: ${(err as Error).message}` }
      }
      const text = await res.text().catch(() => '')
      if (!res.ok) return { ok: false, retry: res.status >= 500 || res.status === 429, error: `dial-out HTTP ${res.status}` }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return { ok: false, retry: false, error: 'dial-out answer is not JSON' }
      }
      if (!Answer.Check(json)) return { ok: false, retry: false, error: 'dial-out answer has no conversationId' }
      return { ok: true, conversationId: json.conversationId }
    },
  }
}

export type DialoutClient = ReturnType<typeof dialoutClient>

/** The caller id of our dial-outs: AUDIOCODES_CALLER_ID, else the SMS sender (boot refuses a dial-out with neither). */
export function dialoutCallerId(c: { readonly AUDIOCODES_CALLER_ID?: string | undefined; readonly TWILIO_FROM_NUMBER?: string | undefined }): string {
  const id = c.AUDIOCODES_CALLER_ID ?? c.TWILIO_FROM_NUMBER
  if (id === undefined) throw new Error('dial-out needs AUDIOCODES_CALLER_ID or TWILIO_FROM_NUMBER (checked at boot)')
  return id
}
