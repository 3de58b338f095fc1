/**
 * Forged and malformed webhook requests against the real server (startWorld), fast-check with a fixed seed: random
 * form bodies, random bytes, JSON, huge bodies, and signatures that are missing, empty, garbage, made with the wrong
 * token, over another URL or over other parameters — on `POST /twilio/sms`, `/twilio/sms-status` and
 * `/audiocodes/dialout-status`. Proves: a request that cannot be verified gets 403, a verified one with a bad body
 * gets 400, and neither changes a single row; replies never quote the request.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { startWorld, type World } from '../../src/sim/world'
import { BOOKING_ENV, dumpTables } from './kit'
import { CANARY } from './vaic-fuzz'
import { sendWebhookCase, webhookCases } from './webhook-fuzz'

let world: World
beforeAll(async () => {
  world = await startWorld({ env: BOOKING_ENV, logLevel: 'silent' })
})
afterAll(async () => {
  await world.stop()
})

describe('webhooks under forged and malformed requests', () => {
  test('403 when unverifiable, 400 when verified but unusable; nothing in the database changes', async () => {
    const db = world.server.store.sql
    const before = await dumpTables(db)
    await fc.assert(
      fc.asyncProperty(webhookCases(world.config.PUBLIC_BASE_URL ?? ''), async (c) => {
        const r = await sendWebhookCase(world.server.url, c)
        if (r.status !== c.expected) throw new Error(`${c.path} ${c.label}: expected ${c.expected}, got ${r.status} (${r.body.slice(0, 100)})`)
        if (r.body.includes(CANARY)) throw new Error(`${c.path} ${c.label}: the reply quotes the request`)
        const now = await dumpTables(db)
        if (now !== before) throw new Error(`${c.path} ${c.label}: the database changed`)
        return true
      }),
      { seed: 8080, numRuns: 150 },
    )
    // The genuine article still works (and is the only thing that writes).
    const ok = await world.twilio.reply(`${world.server.url}/twilio/sms`, '+14155550500', 'HELP')
    expect(ok.status).toBe(200)
    expect(await dumpTables(db)).not.toBe(before)
  }, 60_000)
})
