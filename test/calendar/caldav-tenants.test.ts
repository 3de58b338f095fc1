/**
 * Two businesses in different time zones, each with its own CalDAV calendar (two real Radicale servers): a call to
 * each books "tomorrow at 10 AM" in its own zone into its own calendar only, and the operator console shows each
 * business's appointments and calls in that business's zone.
 */
import { afterAll, beforeAll, expect } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { radicaleMissing, startRadicale, type Radicale } from '../../scripts/radicale'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'
import { caldavClient } from '../../src/calendar/caldav-client'
import { busyIn } from '../../src/calendar/ics'
import { when } from '../../src/console/html'
import { startWorld, type World } from '../../src/sim/world'
import { greetedCall, turn } from '../kit/call-steps'
import { requireTool } from '../kit/require-tool'

const gate = requireTool({ name: 'radicale', find: () => radicaleMissing() === undefined, install: 'radicale' })
const ADMIN = 'admin-token-tenants-1234'
const ZONES = { alpha: 'America/New_York', beta: 'Asia/Tokyo' } as const
type Tenant = keyof typeof ZONES

gate.describe('CalDAV per business', () => {
  const radicale: Partial<Record<Tenant, Radicale>> = {}
  let world: World
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fa-caldav-tenants-'))
    for (const t of ['alpha', 'beta'] as const) {
      const r = (radicale[t] = await startRadicale())
      writeFileSync(
        join(dir, `${t}.yaml`),
        `tenant: { bot_names: [${t}-bot] }
business: { name: ${t} clinic, timezone: ${ZONES[t]} }
hours: { mon-sun: "08:00-20:00" }
calendar: { url: "${r.url}", username: ${r.username}, password: "${r.password}", calendar: ${r.calendar}, caller_details: [number] }
`,
      )
    }
    world = await startWorld({ env: { FASTAGENT_CONFIG: dir, ADMIN_TOKEN: ADMIN }, botNames: ['alpha-bot', 'beta-bot'], logLevel: 'warn' })
  }, 90_000)
  afterAll(async () => {
    await world?.stop()
    for (const r of Object.values(radicale)) await r?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const tomorrow = (t: Tenant) => addDays(localDate(Date.now(), ZONES[t]), 1)
  const eventsIn = async (t: Tenant, from: number, to: number) => {
    const r = radicale[t]!
    const direct = caldavClient({ url: r.url, username: r.username, password: r.password, calendar: r.calendar, callerDetails: [], timeoutSeconds: 10 })
    return (await direct.objectsBetween(from, to)).flatMap((o) => busyIn(o.data, from, to, ZONES[t]).map((b) => ({ start: b.start, text: o.data })))
  }
  const api = async (path: string) => (await fetch(`${world.server.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<Record<string, unknown>>

  gate.test('each call books tomorrow 10 AM in its business zone, into that business calendar only; the console shows each in its zone', async () => {
    expect(await world.server.booking.checked).toBe('connected')
    const callers = { alpha: '+14155550191', beta: '+14155550192' } as const
    const conversations: Partial<Record<Tenant, string>> = {}
    for (const t of ['alpha', 'beta'] as const) {
      const call = await greetedCall(world.call({ botName: `${t}-bot`, caller: callers[t], supportedMediaFormats: ['raw/lpcm16_24'] }))
      await turn(call, 'Book an appointment for tomorrow at 10 AM.', 'book for tomorrow at 10 am?')
      await turn(call, 'Yes.', 'appointment booked for tomorrow at 10 am')
      conversations[t] = call.conversationId
      await call.hangup()
      call.assertNoViolations()
    }
    // Ten in the morning where each business is: 15:00 UTC in New York's winter, 01:00 UTC in Tokyo.
    const at = { alpha: dateMinutesToEpoch(tomorrow('alpha'), 600, ZONES.alpha), beta: dateMinutesToEpoch(tomorrow('beta'), 600, ZONES.beta) }
    expect(at.alpha).not.toBe(at.beta)
    for (const t of ['alpha', 'beta'] as const) expect((await world.server.store.forTenant(t).appointments.upcomingFor(callers[t], 0)).map((a) => a.starts_at)).toEqual([at[t]])
    // Each calendar holds its own business's booking and nothing of the other's.
    const span = [Math.min(at.alpha, at.beta) - 2 * 86_400_000, Math.max(at.alpha, at.beta) + 2 * 86_400_000] as const
    for (const t of ['alpha', 'beta'] as const) {
      const events = await eventsIn(t, ...span)
      expect(events.map((e) => e.start)).toEqual([at[t]])
      expect(events[0]!.text).toContain(callers[t])
    }

    // The console: each business's day of appointments, in its zone; each call's page in its business's zone.
    for (const t of ['alpha', 'beta'] as const) {
      const r = await api(`/console/api/appointments?business=${t}&day=${tomorrow(t)}`)
      expect({ business: r.business, timeZone: r.timeZone, starts: (r.appointments as { startsAt: number }[]).map((a) => a.startsAt) }).toEqual({ business: t, timeZone: ZONES[t], starts: [at[t]] })
      const page = await (await fetch(`${world.server.url}/console/appointments?business=${t}&day=${tomorrow(t)}`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
      expect(page).toContain('>10:00<')
      const row = (await world.server.store.calls.byConversation(conversations[t]!))!
      const callPage = await (await fetch(`${world.server.url}/console/calls/${row.id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
      expect(callPage).toContain(when(row.started_at, ZONES[t]))
    }
    expect((await fetch(`${world.server.url}/console/api/appointments?business=nobody`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404)
  }, 120_000)
})
