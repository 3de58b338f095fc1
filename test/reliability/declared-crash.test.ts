/**
 * Exactly once across kill -9 for a declared form's webhook. (1) A process commits the caller's "yes" (the
 * submission in the outbox) and is killed -9 before it sends; `fastagent serve` started on that database sends it:
 * one POST. (2) That server is killed -9 while the receiver holds the POST (received, not answered); the restarted
 * server sends it again with the same Idempotency-Key and body, and the receiver — deduplicating on the key as the
 * README says — processes it once. The task ends done, and the caller (whose call died with the first process) is
 * texted the outcome.
 */
import { afterAll, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/sim/world'
import { startReceiver } from '../kit/webhook-receiver'
import { clinic } from '../kit/clinic'
import { spawnAppendingLog } from '../../scripts/append-log'

const ROOT = join(import.meta.dir, '..', '..')
const SECRET = 'refill-secret-0123456789'
const CALLER = '+14155550142'
const dir = mkdtempSync(join(tmpdir(), 'fa-declared-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function serve(db: string, config: string, log: string) {
  const port = await freePort()
  const proc = spawnAppendingLog([process.execPath, join(ROOT, 'src', 'main.ts'), 'serve'], log, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      HOST: '127.0.0.1',
      PORT: String(port),
      AUDIOCODES_BOT_TOKEN: 'declared-crash-token',
      OPENAI_API_KEY: 'sk-declared-crash',
      OPENAI_REALTIME_URL: 'ws://127.0.0.1:9/none',
      REALTIME_POOL_SIZE: '0',
      // A killed server's claim on the row runs out after this (the restart then sends it).
      OUTBOX_CLAIM_SECONDS: '2',
      DATABASE_PATH: db,
      FASTAGENT_CONFIG: config,
      REFILL_SECRET: SECRET,
      LOG_LEVEL: 'info',
    },
  })
  return proc
}

const taskRow = (db: string) => {
  const d = new Database(db, { readonly: true })
  try {
    return d.query("SELECT state, status FROM tasks WHERE call_id = 'killed-call'").get() as { state: string; status: string } | null
  } finally {
    d.close()
  }
}

async function until(what: string, ms: number, ok: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(25)
  }
}

test('kill -9 between the confirmation and the send, and again while the POST is in flight: processed exactly once', async () => {
  const receiver = startReceiver(SECRET)
  try {
    const db = join(dir, 'fastagent.db')
    const config = join(dir, 'clinic.yaml')
    writeFileSync(config, clinic(receiver.url))

    // (1) The caller's yes is committed; the process dies before anything is sent.
    const child = Bun.spawn([process.execPath, join(import.meta.dir, 'declared-confirm-child.ts'), db, receiver.url, CALLER], { stdout: 'pipe', stderr: 'pipe', cwd: ROOT })
    const reader = child.stdout.getReader()
    let line = ''
    while (!line.includes('\n')) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`child ended: ${await new Response(child.stderr).text()}`)
      line += new TextDecoder().decode(value)
    }
    expect(line).toMatch(/^CONFIRMED T\S+ working/)
    child.kill('SIGKILL')
    await child.exited
    expect(taskRow(db)).toEqual({ state: 'submitting', status: 'open' })
    expect(receiver.requests).toHaveLength(0)

    // (2) The server sends it; the receiver holds the request, and the server is killed -9 while it waits.
    receiver.answer('hold')
    const first = await serve(db, config, join(dir, 'first.log'))
    await receiver.waitFor(1, 20_000)
    first.kill('SIGKILL')
    await first.exited
    expect(taskRow(db)?.state).toBe('submitting')

    const second = await serve(db, config, join(dir, 'second.log'))
    try {
      await receiver.waitFor(2, 20_000)
      await until('the task to be done', 20_000, () => taskRow(db)?.state === 'done')
      // No third send: give the runner a moment to do something wrong.
      await Bun.sleep(500)
      expect(receiver.requests).toHaveLength(2)
      const [a, b] = receiver.requests
      expect(a?.key).toBe(b?.key ?? '')
      expect(a?.body).toBe(b?.body ?? '')
      expect(a?.signed && b?.signed).toBe(true)
      expect(receiver.processed.size).toBe(1)
      expect(JSON.parse(a?.body ?? '{}')).toMatchObject({ task: 'prescription_refill', fields: { full_name: 'Ann Smith', date_of_birth: '1980-05-03', medication: 'ibuprofen' }, caller: '+********142' })
      // The caller whose call died is texted: the drop SMS (their request was saved), then the outcome.
      const d = new Database(db, { readonly: true })
      const texts = (d.query("SELECT payload FROM outbox WHERE kind = 'sms'").all() as { payload: string }[]).map((r) => (JSON.parse(r.payload) as { body: string }).body)
      d.close()
      expect(texts).toContain('Prescription refill: Your refill request is sent. The pharmacy will text you when it is ready.')
      expect(texts.filter((t) => t.startsWith('Prescription refill:'))).toHaveLength(1)
    } finally {
      second.kill('SIGTERM')
      await second.exited
    }
  } finally {
    await receiver.stop()
  }
}, 120_000)
