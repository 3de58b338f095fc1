/**
 * @module agents/declared/webhook-job
 * The `task_webhook` outbox job: a declared task's submission. The body is fixed when the confirming step commits
 * (the same bytes, signature and Idempotency-Key on every retry), signed `X-FastAgent-Signature: sha256=<hex HMAC>`
 * with the secret from the task's `secret_env`. 5xx, 408, 429, timeouts and network errors are retried with the
 * runner's backoff; any other 4xx is final. A look-up's answer must be `{ "say": "…" }` (≤ 500 characters). The
 * outcome goes to the task (see submissions.ts) before the row is marked done.
 */
import { createHmac } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { DeclaredTask } from '../../config/business/business'
import type { OutboxHandler } from '../../continuity/outbox-runner'
import type { Logger } from '../../ops/log'
import { maskPhone } from '../../ops/mask'
import type { Submissions, Outcome } from './submissions'

export const WEBHOOK_JOB = 'task_webhook'

const Payload = Type.Object({
  taskId: Type.String({ minLength: 1 }),
  task: Type.String({ minLength: 1 }),
  url: Type.String({ pattern: '^https?://' }),
  secretEnv: Type.String({ minLength: 1 }),
  timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
  lookup: Type.Boolean(),
  /** The exact bytes that are signed and sent. */
  body: Type.String({ minLength: 2 }),
})
export type WebhookPayload = Static<typeof Payload>
const PayloadCheck = TypeCompiler.Compile(Payload)

/** What a look-up's webhook must answer. Extra keys are ignored; `say` is data for the model, never instructions. */
export const LookupAnswer = Type.Object({ say: Type.String({ minLength: 1, maxLength: 500 }) })
const AnswerCheck = TypeCompiler.Compile(LookupAnswer)

export type WebhookBody = {
  readonly task: string
  /** Also the Idempotency-Key header: the receiver's dedup key. */
  readonly submission: string
  readonly fields: Readonly<Record<string, string | number | boolean>>
  readonly caller: string | null
}

/** The outbox payload for one submission (built in the step's transaction, so the body never changes after). */
export function webhookPayload(d: DeclaredTask, key: string, taskId: string, fields: WebhookBody['fields'], caller: string | undefined): WebhookPayload {
  const shown = caller === undefined || d.submit.caller === 'none' ? null : d.submit.caller === 'full' ? caller : maskPhone(caller)
  const body: WebhookBody = { task: d.id, submission: key, fields, caller: shown }
  return { taskId, task: d.id, url: d.submit.url, secretEnv: d.submit.secretEnv, timeoutMs: d.submit.timeoutMs, lookup: d.kind === 'lookup', body: JSON.stringify(body) }
}

export const sign = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

export type WebhookJobDeps = {
  readonly log: Logger
  readonly now: () => number
  readonly secret: (name: string) => string | undefined
  readonly submissions: Submissions
  /** Applies an outcome to a task nobody is waiting on (the call is over, or the process restarted). */
  readonly stored: (taskId: string, key: string, event: Outcome) => Promise<void>
  /** The runner's attempt limit: the last attempt's failure is final for the task too. */
  readonly maxAttempts: number
}

const RETRYABLE = new Set([408, 425, 429])

export function webhookJobHandler(d: WebhookJobDeps): OutboxHandler {
  const finish = async (taskId: string, key: string, event: Outcome) => {
    if (!(await d.submissions.deliver(key, event))) await d.stored(taskId, key, event)
  }
  return async (row, payload) => {
    if (!PayloadCheck.Check(payload)) return { kind: 'fail', error: 'invalid task_webhook payload' }
    const p = payload
    const last = row.attempts + 1 >= d.maxAttempts
    const failed = async (reason: string) => {
      await finish(p.taskId, row.idem_key, { type: 'submit_failed', reason, at: d.now() })
      return { kind: 'fail' as const, error: reason }
    }
    const secret = d.secret(p.secretEnv)
    if (secret === undefined || secret === '') return failed(`${p.secretEnv} is not set`)
    let res: Response
    try {
      res = await fetch(p.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fastagent-signature': sign(secret, p.body), 'idempotency-key': row.idem_key, 'user-agent': 'FastAgent' },
        body: p.body,
        signal: AbortSignal.timeout(p.timeoutMs),
        redirect: 'manual',
      })
    } catch (err) {
      const error = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${p.timeoutMs} ms` : `unreachable: ${err instanceof Error ? err.message : String(err)}`
      return last ? failed(`gave up: ${error}`) : { kind: 'retry', error }
    }
    const text = await res.text().catch(() => '')
    if (res.status >= 500 || RETRYABLE.has(res.status)) {
      const error = `HTTP ${res.status}`
      return last ? failed(`gave up: ${error}`) : { kind: 'retry', error }
    }
    if (res.status < 200 || res.status >= 300) {
      d.log.warn('task.webhook_refused', { taskId: p.taskId, task: p.task, status: res.status })
      return failed(`HTTP ${res.status}`)
    }
    if (!p.lookup) {
      await finish(p.taskId, row.idem_key, { type: 'submitted', at: d.now() })
      return { kind: 'done', result: { status: res.status } }
    }
    let answer: unknown
    try {
      answer = JSON.parse(text)
    } catch {
      answer = undefined
    }
    if (!AnswerCheck.Check(answer)) {
      d.log.warn('task.lookup_bad_answer', { taskId: p.taskId, task: p.task, status: res.status })
      return failed('the answer is not { "say": "…" } of at most 500 characters')
    }
    await finish(p.taskId, row.idem_key, { type: 'submitted', say: answer.say.trim(), at: d.now() })
    return { kind: 'done', result: { status: res.status } }
  }
}
