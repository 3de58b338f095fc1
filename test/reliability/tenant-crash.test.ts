/**
 * kill -9 with calls of two businesses live (FASTAGENT_CONFIG = a folder), and what the restarted server texts for
 * them. Keller Physio speaks German and has its own drop SMS; Harbour Clinic speaks English, has its own drop SMS and
 * a declared form (Keller declares a task with the same id, titled differently, and is the first file). Keller's
 * caller is mid-booking, Harbour's has said yes to the form while Harbour's system holds the POST. After the kill and
 * the restart:
 *   - each recovered call's drop SMS is in its business's wording and its call's language, from its business's number
 *     (issue 16: recovery used the default English text);
 *   - the form's outcome, texted after the call (the webhook answered the restarted server), is Harbour's: its tenant
 *     id on the outbox row, its number, its task's title (issue 19: the row carried the default tenant).
 */
import { afterAll, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, WORLD_SECRETS } from '../../src/sim/world'
import { VaicSimulator } from '../../src/sim/vaic/simulator'
import { binaryEnv, kill9, ROOT, startPeers, waitReady, type Peers, type Running } from './crash-kit'
import { turn } from '../kit/turn'
import { startReceiver } from '../kit/webhook-receiver'
import { clinic } from '../kit/clinic'
import { spawnAppendingLog } from '../../scripts/append-log'

const SECRET = 'refill-secret-0123456789'
const HARBOUR_SMS = '+18005550111'
const KELLER_SMS = '+18005550222'
const H_CALLER = '+14155550181'
const K_CALLER = '+14155550182'
const H_DROP = 'Harbour Clinic: we got cut off. Your {task} request is saved. Reply CALL to continue.'
const K_DROP = 'Keller Physio: Verbindung unterbrochen. Ihre {task} ist gespeichert. Antworten Sie mit CALL, dann rufen wir zurück.'

const KELLER = `tenant: { id: keller, bot_names: [keller-physio], sms_from: "${KELLER_SMS}" }
business: { name: Keller Physio, timezone: UTC, language: de }
hours: { mon-sun: "08:00-20:00" }
wording:
  de:
    sms_dropped: "${K_DROP}"
tasks:
  - id: prescription_refill
    title: Rezeptbestellung
    fields:
      - { name: full_name, type: text, ask: "Wie ist Ihr vollständiger Name?" }
    submit: { url: "http://127.0.0.1:9/keller", secret_env: REFILL_SECRET }
    done: "Ihre Bestellung ist gesendet."
`

const dir = mkdtempSync(join(tmpdir(), 'fa-tenant-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function serve(peers: Peers, db: string, config: string, log: string): Promise<Running> {
  const port = await freePort()
  const env = { ...binaryEnv(peers, port, db), FASTAGENT_CONFIG: config, REFILL_SECRET: SECRET, OUTBOX_CLAIM_SECONDS: '2' }
  const proc = spawnAppendingLog([process.execPath, join(ROOT, 'src', 'main.ts'), 'serve'], log, { env })
  return { proc, port, url: `http://127.0.0.1:${port}` }
}


test('kill -9 with two businesses on the line: each drop SMS in its business wording and call language, the late form outcome texted as its business', async () => {
  const peers = await startPeers({ twilioNumbers: [HARBOUR_SMS, KELLER_SMS] })
  const twilio = peers.twilio
  const receiver = startReceiver(SECRET)
  const running: Running[] = []
  try {
    const config = join(dir, 'businesses')
    const db = join(dir, 'fastagent.db')
    mkdirSync(config)
    writeFileSync(join(config, '1-keller.yaml'), KELLER)
    writeFileSync(
      join(config, '2-harbour.yaml'),
      `tenant: { id: harbour, bot_names: [harbour-bot], sms_from: "${HARBOUR_SMS}" }\n${clinic(receiver.url, `wording:\n  en:\n    sms_dropped: "${H_DROP}"\n`)}`,
    )
    const a = await serve(peers, db, config, join(dir, 'a.log'))
    running.push(a)
    await waitReady(a, 20_000)
    const ws = `ws://127.0.0.1:${a.port}/audiocodes`

    // Keller's caller (German) starts a booking; the task waits for the time.
    const k = new VaicSimulator({ url: ws, token: WORLD_SECRETS.botToken, caller: K_CALLER, botName: 'keller-physio', supportedMediaFormats: ['raw/lpcm16_24'], realtime: true })
    expect((await k.startCall()).ok).toBe(true)
    await k.waitForBotSaid('wie kann ich ihnen helfen', 20_000)
    await k.waitForPlaybackIdle(20_000)
    await turn(k, 'Ich möchte einen Termin für morgen buchen.', 'um wie viel uhr möchten sie kommen', 20_000)

    // Harbour's caller fills the form and says yes; Harbour's system holds the POST (received, not answered).
    const h = new VaicSimulator({ url: ws, token: WORLD_SECRETS.botToken, caller: H_CALLER, botName: 'harbour-bot', supportedMediaFormats: ['raw/lpcm16_24'], realtime: true })
    expect((await h.startCall()).ok).toBe(true)
    await h.waitForBotSaid('how can i help', 20_000)
    await h.waitForPlaybackIdle(20_000)
    await turn(h, 'I need a prescription refill.', 'what is your full name', 20_000)
    await turn(h, 'Ann Smith.', 'date of birth', 20_000)
    await turn(h, 'May 3rd, 1980.', 'which medication', 20_000)
    await turn(h, 'Ibuprofen.', 'shall i send it', 20_000)
    receiver.answer('hold')
    await h.say('Yes.')
    await receiver.waitFor(1, 20_000)

    await kill9(a)
    k.dispose()
    h.dispose()
    expect(twilio.messages).toHaveLength(0)

    // The restart recovers both calls and sends the held submission again (the receiver now answers 200).
    const b = await serve(peers, db, config, join(dir, 'b.log'))
    running.push(b)
    await waitReady(b, 20_000)
    await receiver.waitFor(2, 30_000)
    await twilio.waitForMessages(3, 30_000)
    await Bun.sleep(300)
    const texts = twilio.messages.map((m) => ({ from: m.from, to: m.to, body: m.body }))
    expect(texts).toHaveLength(3)
    expect(texts).toContainEqual({ from: KELLER_SMS, to: K_CALLER, body: K_DROP.replace('{task}', 'Terminbuchung') })
    expect(texts).toContainEqual({ from: HARBOUR_SMS, to: H_CALLER, body: H_DROP.replace('{task}', 'prescription refill') })
    expect(texts).toContainEqual({ from: HARBOUR_SMS, to: H_CALLER, body: 'Prescription refill: Your refill request is sent. The pharmacy will text you when it is ready.' })
    expect(receiver.processed.size).toBe(1)

    const d = new Database(db, { readonly: true })
    try {
      // Every text row is its business's; each call row kept the language it was held in.
      const rows = d.query("SELECT tenant_id, payload FROM outbox WHERE kind = 'sms' ORDER BY id").all() as { tenant_id: string; payload: string }[]
      const byTenant = rows.map((r) => [r.tenant_id, (JSON.parse(r.payload) as { to: string }).to])
      expect(byTenant.sort()).toEqual([['harbour', H_CALLER], ['harbour', H_CALLER], ['keller', K_CALLER]])
      const calls = d.query('SELECT tenant_id, language, end_reason FROM calls ORDER BY tenant_id').all()
      expect(calls).toEqual([
        { tenant_id: 'harbour', language: 'en', end_reason: 'crashed' },
        { tenant_id: 'keller', language: 'de', end_reason: 'crashed' },
      ])
      const tasks = d.query('SELECT tenant_id, kind, state FROM tasks ORDER BY tenant_id').all()
      expect(tasks).toEqual([
        { tenant_id: 'harbour', kind: 'prescription_refill', state: 'done' },
        { tenant_id: 'keller', kind: 'book_appointment', state: 'collectingTime' },
      ])
    } finally {
      d.close()
    }
  } finally {
    for (const r of running) if (r.proc.exitCode === null) await kill9(r)
    await receiver.stop()
    await peers.stop()
  }
}, 180_000)
