/**
 * Several businesses in one server (FASTAGENT_CONFIG = a folder), through the real server and its simulated peers:
 * the business is chosen per call by VoiceAI Connect's botName or the dialled number; a call nobody answers, or whose
 * token does not open that business, gets session.error and leaves no row; the same slot books in both businesses at
 * once, and no row crosses businesses; a CALL reply to business B's number dials out as B (its bot, its number) and
 * the callback speaks B's wording; a reload adds a business, and a folder with a clash is refused (old kept).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld, WORLD_SECRETS, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import type { DialRecord } from '../../src/sim/audiocodes-api/fake-audiocodes-api'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'

const ALPHA_SMS = '+18005550111'
const BETA_SMS = '+18005550222'
const BETA_NUMBER = '+18005550202'
const BETA_TOKEN = 'beta-own-bot-token-42'
const ADMIN = 'tenants-admin-token-0123456789'

const file = (o: { tenant: string; name: string; greeting: string; extra?: string }) => `tenant: ${o.tenant}
business: { name: ${o.name}, timezone: UTC }
hours: { mon-sun: "08:00-20:00" }
wording:
  en:
    greeting: "${o.greeting}"
${o.extra ?? ''}`

const ALPHA = file({ tenant: `{ bot_names: [alpha-bot], numbers: ["+18005550101"], sms_from: "${ALPHA_SMS}" }`, name: 'Alpha Dental', greeting: 'Hello, Alpha Dental. How can I help?' })
const BETA = file({
  tenant: `{ bot_names: [beta-bot], numbers: ["${BETA_NUMBER}"], sms_from: "${BETA_SMS}", bot_token: ${BETA_TOKEN} }`,
  name: 'Beta Clinic',
  greeting: 'Good day, Beta Clinic. How can I help?',
  extra: `    sms_dropped: "Beta Clinic: we got cut off. Your {task} request is saved. Reply CALL to continue where we left off."\n    welcome_back: "Beta Clinic again, welcome back! We were {what}. Would you like to continue or start over?"\n`,
})

let world: World
let dir: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fa-tenants-'))
  writeFileSync(join(dir, 'alpha.yaml'), ALPHA)
  writeFileSync(join(dir, 'beta.yaml'), BETA)
  world = await startWorld({ env: { FASTAGENT_CONFIG: dir, ADMIN_TOKEN: ADMIN }, twilioNumbers: [ALPHA_SMS, BETA_SMS], botNames: ['alpha-bot', 'beta-bot'], logLevel: 'warn' })
})
afterAll(async () => {
  await world.stop()
  rmSync(dir, { recursive: true, force: true })
})

const count = async (table: string) => Number((await world.server.store.sql.get(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0)

async function greeted(call: VaicSimulator, words: string): Promise<VaicSimulator> {
  const r = await call.startCall()
  if (!r.ok) throw new Error(`call refused: ${r.reason}`)
  await call.waitForBotSaid(words, 15_000)
  await call.waitForPlaybackIdle(15_000)
  return call
}

describe('tenants', () => {
  test('chosen by botName, by the dialled number, or refused (session.error, no row); a business token opens only its business', async () => {
    const calls0 = await count('calls')
    const a = await greeted(world.call({ botName: 'alpha-bot' }), 'hello, alpha dental')
    // Case does not matter in a bot name; the business's own token opens it.
    const b = await greeted(world.call({ botName: 'Beta-Bot', token: BETA_TOKEN }), 'good day, beta clinic')
    // No bot name of ours, but the dialled number is Beta's (a VAIC that puts callee in session.initiate).
    const byNumber = await greeted(world.call({ botName: 'front-desk', callee: BETA_NUMBER, calleeInInitiate: true, token: BETA_TOKEN }), 'good day, beta clinic')
    const tenants = (await world.server.store.sql.all(`SELECT tenant_id, bot_name FROM calls ORDER BY started_at`)).slice(calls0).map((r) => `${r.bot_name}:${r.tenant_id}`)
    expect(tenants).toEqual(['alpha-bot:alpha', 'Beta-Bot:beta', 'front-desk:beta'])
    for (const c of [a, b, byNumber]) {
      await c.hangup()
      c.assertNoViolations()
    }
    // The operator console shows each call's business.
    await world.server.calls.idle()
    const listed = (await (await fetch(`${world.server.url}/console/api/calls`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { recent: { tenant: string }[] }
    expect(listed.recent.slice(0, 3).map((c) => c.tenant).sort()).toEqual(['alpha', 'beta', 'beta'])

    const rows = await Promise.all(['calls', 'tasks', 'outbox', 'appointments', 'sms_messages', 'callbacks', 'messages'].map(count))
    const refused = async (opts: Parameters<World['call']>[0], why: RegExp) => {
      const call = world.call(opts)
      const r = await call.startCall()
      if (r.ok) throw new Error(`accepted: ${JSON.stringify(opts)}`)
      expect(`${r.reason} ${r.status ?? ''}`).toMatch(why)
      call.dispose()
    }
    // Nobody answers this bot name (no business takes unclaimed calls here).
    await refused({ botName: 'nobody-bot' }, /^unknown tenant/)
    // Beta has its own token: the shared one does not open it, and Beta's does not open Alpha.
    await refused({ botName: 'beta-bot' }, /^unknown tenant/)
    await refused({ botName: 'alpha-bot', token: BETA_TOKEN }, /^unknown tenant/)
    // A token of nobody's is refused at the upgrade.
    await refused({ botName: 'alpha-bot', token: 'not-a-token-of-anyone' }, /401/)
    // Nothing was created for any of them.
    expect(await Promise.all(['calls', 'tasks', 'outbox', 'appointments', 'sms_messages', 'callbacks', 'messages'].map(count))).toEqual(rows)
  }, 60_000)

  test('the same slot booked at once in both businesses books both; no row and no slot crosses businesses', async () => {
    const caller = '+14155557001'
    const book = async (botName: string, token: string, greeting: string) => {
      const call = await greeted(world.call({ botName, token, caller }), greeting)
      await call.say('Book an appointment for tomorrow at 10 AM.')
      await call.waitForBotSaid('book for tomorrow at 10 am?', 20_000)
      await call.waitForPlaybackIdle(20_000)
      return call
    }
    const [a, b] = await Promise.all([book('alpha-bot', WORLD_SECRETS.botToken, 'hello, alpha dental'), book('beta-bot', BETA_TOKEN, 'good day, beta clinic')])
    // Both say yes together.
    const heard = await Promise.all(
      [a, b].map(async (c) => {
        const from = c.streams.length
        await c.say('Yes.')
        return (await c.waitForBotSaid('booked', 20_000, { fromStream: from })).text
      }),
    )
    expect(heard.every((t) => /booked/i.test(t))).toBe(true)
    for (const c of [a, b]) {
      await c.hangup()
      c.assertNoViolations()
    }
    await world.server.calls.idle()
    const slot = dateMinutesToEpoch(addDays(localDate(Date.now(), 'UTC'), 1), 600, 'UTC')
    const booked = await world.server.store.sql.all(`SELECT a.tenant_id, a.starts_at, c.tenant_id AS call_tenant FROM appointments a JOIN calls c ON c.id = a.call_id WHERE a.caller = $caller AND a.status = 'booked' ORDER BY a.tenant_id`, { caller })
    expect(booked).toEqual([
      { tenant_id: 'alpha', starts_at: slot, call_tenant: 'alpha' },
      { tenant_id: 'beta', starts_at: slot, call_tenant: 'beta' },
    ])
    // Every row that names a call names that call's business; the rows hung on calls follow them.
    for (const table of ['tasks', 'outbox', 'appointments', 'sms_messages', 'callbacks', 'messages']) {
      const crossed = await world.server.store.sql.all(`SELECT x.tenant_id, c.tenant_id AS call_tenant FROM ${table} x JOIN calls c ON c.id = x.call_id WHERE x.tenant_id != c.tenant_id`)
      expect({ table, crossed }).toEqual({ table, crossed: [] })
    }
    // One business's view never holds the other's appointment.
    const alpha = world.server.store.forTenant('alpha')
    expect((await alpha.appointments.upcomingFor(caller, 0)).map((x) => x.tenant_id)).toEqual(['alpha'])
  }, 90_000)

  test("a dropped Beta call texts from Beta's number in Beta's words; CALL to Beta's number dials out as Beta, whose callback welcomes back in Beta's words", async () => {
    const number = '+14155557002'
    const first = await greeted(world.call({ botName: 'beta-bot', token: BETA_TOKEN, caller: number }), 'good day, beta clinic')
    await first.say('Book an appointment for tomorrow.')
    await first.waitForBotSaid('what time', 15_000)
    await first.waitForPlaybackIdle(15_000)
    const before = world.twilio.messages.length
    await first.drop()
    await world.twilio.waitForMessages(before + 1, 15_000)
    const sms = world.twilio.messages[before]
    expect(sms).toMatchObject({ to: number, from: BETA_SMS })
    expect(sms?.body).toStartWith('Beta Clinic: we got cut off.')

    const dialed = new Promise<DialRecord>((resolve) => world.audiocodesApi.onDial(resolve))
    const r = await world.twilio.reply(`${world.server.url}/twilio/sms`, number, 'CALL', { to: BETA_SMS })
    expect(r.status).toBe(200)
    const dial = await dialed
    // Beta's bot, Beta's number as caller id.
    expect(dial.body).toMatchObject({ bot: 'beta-bot', caller: BETA_NUMBER, target: `tel:${number}` })
    const back = world.call({ conversationId: dial.conversationId, botName: dial.body.bot, token: BETA_TOKEN, caller: dial.body.caller ?? '', callee: number, dialoutMetadata: dial.body.metadata ?? {} })
    expect((await back.startCall()).ok).toBe(true)
    await back.waitForBotSaid('beta clinic again, welcome back', 15_000)
    await back.hangup()
    back.assertNoViolations()
    await world.server.calls.idle()
    const cb = await world.server.store.sql.all(`SELECT tenant_id FROM callbacks c WHERE c.number = $number`, { number })
    expect(cb.map((x) => x.tenant_id)).toEqual(['beta'])
    const inbound = await world.server.store.sql.all(`SELECT tenant_id FROM sms_messages WHERE direction = 'in' AND number = $number`, { number })
    expect(inbound.map((x) => x.tenant_id)).toEqual(['beta'])
    // Alpha never heard of this caller.
    expect(await world.server.store.forTenant('alpha').calls.resumableFor(number, 0)).toBeUndefined()
  }, 90_000)

  test('a reload adds a business for new calls; a folder with a clash is refused and the running version kept', async () => {
    const refusedBefore = world.call({ botName: 'gamma-bot' })
    expect((await refusedBefore.startCall()).ok).toBe(false)
    refusedBefore.dispose()
    writeFileSync(join(dir, 'gamma.yaml'), file({ tenant: '{ bot_names: [gamma-bot] }', name: 'Gamma Physio', greeting: 'Gamma Physio, hello. How can I help?' }))
    expect(world.server.reloadBusinesses()).toBe(true)
    const g = await greeted(world.call({ botName: 'gamma-bot' }), 'gamma physio, hello')
    await g.hangup()
    // A fourth file claiming Alpha's bot name: the whole reload is refused; gamma and the others stay.
    const version = world.server.businesses.version.version
    writeFileSync(join(dir, 'delta.yaml'), file({ tenant: '{ bot_names: [alpha-bot] }', name: 'Delta', greeting: 'Delta here.' }))
    expect(world.server.reloadBusinesses()).toBe(false)
    expect(world.server.businesses.version.version).toBe(version)
    const again = await greeted(world.call({ botName: 'alpha-bot' }), 'hello, alpha dental')
    await again.hangup()
    rmSync(join(dir, 'delta.yaml'))
  }, 60_000)
})
