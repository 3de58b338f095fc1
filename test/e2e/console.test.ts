/**
 * The operator console over HTTP, against the real server after a real (simulated) booking call: no console without
 * ADMIN_TOKEN; 401 without a session or bearer on every route; login → HttpOnly SameSite=Strict cookie; CSRF on
 * state changes; masked numbers and the logged reveal; the call's detail (ordered timeline, latency, task path,
 * usage and cost); history search; appointments by day and the operator's cancel with an SMS through the outbox;
 * the latency histograms on /metrics; login rate limit.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { bookingScenario } from '../../src/sim/scenarios'
import type { CallDetail } from '../../src/console/call-detail'
import { tmpdir } from 'node:os'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const TOKEN = 'console-admin-token-0123456789'
const CALLER = '+14155550123'
let world: World
let base: string
const logs: string[] = []
let callId = ''

beforeAll(async () => {
  world = await startWorld({ env: { ADMIN_TOKEN: TOKEN, BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', RECORD_CALLS: 'true', RECORDINGS_DIR: join(tmpdir(), `fastagent-rec-${process.pid}-${Date.now()}`) }, logSink: (l) => logs.push(l), logLevel: 'info' })
  base = world.server.url
  await bookingScenario(world, { step: () => undefined }, { caller: CALLER })
  const row = (await world.server.store.console.searchCalls({ limit: 1 }))[0]
  callId = row?.id ?? ''
  // The call's end and its batched events reach the store.
  await world.server.calls.idle()
  world.server.watch.flush()
  await world.server.recordings.idle()
}, 120_000)
afterAll(async () => {
  await world.stop()
})

const bearer = { authorization: `Bearer ${TOKEN}` }

async function login(token = TOKEN, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token }), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } })
}

describe('authentication', () => {
  const routes = (id: string) => [
    ['GET', '/console'],
    ['GET', '/console/'],
    ['GET', '/console/history'],
    ['GET', '/console/appointments'],
    ['GET', `/console/calls/${id}`],
    ['GET', '/console/assets/console.js'],
    ['GET', '/console/api/calls'],
    ['GET', `/console/api/calls/${id}`],
    ['GET', `/console/api/calls/${id}/events`],
    ['GET', `/console/api/calls/${id}/recording.wav`],
    ['GET', '/console/api/history?digits=123'],
    ['GET', '/console/api/appointments'],
    ['POST', `/console/api/calls/${id}/reveal`],
    ['POST', '/console/api/appointments/x/cancel'],
    ['POST', '/console/logout'],
    ['GET', '/console/no-such-page'],
    ['GET', '/console/api/no-such-thing'],
  ] as const

  test('every console route answers 401 without a session or token, with no call data in the body', async () => {
    for (const [method, path] of routes(callId)) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { cookie: 'fa_console=forged' }] as Record<string, string>[]) {
        const r = await fetch(base + path, { method, headers })
        const body = await r.text()
        expect(`${method} ${path} ${r.status}`).toBe(`${method} ${path} 401`)
        expect(body).not.toContain(callId)
        expect(body).not.toContain('0123')
        expect(body).not.toContain('book_appointment')
      }
    }
  })

  test('a bearer token opens the API; the list has the call with its id and state, number masked', async () => {
    const r = await fetch(`${base}/console/api/calls`, { headers: bearer })
    expect(r.status).toBe(200)
    const body = (await r.json()) as { live: unknown[]; recent: { id: string; state: string; caller: string; outcome: string; tasks: string[] }[] }
    const call = body.recent.find((c) => c.id === callId)
    expect(call).toMatchObject({ state: 'ended', outcome: 'completed', caller: '+********123', tasks: ['book_appointment'] })
    expect(JSON.stringify(body)).not.toContain(CALLER)
  })

  test('login: wrong token 401; right token → HttpOnly SameSite=Strict cookie that opens the pages', async () => {
    expect((await login('not-the-token-at-all')).status).toBe(401)
    const r = await login()
    expect(r.status).toBe(303)
    const cookie = r.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^fa_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=\d+$/)
    const session = cookie.split(';')[0] ?? ''
    const page = await fetch(`${base}/console`, { headers: { cookie: session } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Live calls')
    expect(html).toContain('+********123')
    expect(html).not.toContain(CALLER)
    // Logged out: the cookie is dead.
    const csrf = /name="csrf" content="([^"]+)"/.exec(html)?.[1] ?? ''
    const out = await fetch(`${base}/console/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }) })
    expect(out.status).toBe(303)
    expect((await fetch(`${base}/console/api/calls`, { headers: { cookie: session } })).status).toBe(401)
  })

  test('a login from a foreign origin is refused', async () => {
    expect((await login(TOKEN, { origin: 'https://evil.example' })).status).toBe(401)
  })
})

describe('CSRF and the number reveal', () => {
  test('a session POST needs the CSRF token; a foreign Origin is refused even with it; the reveal is logged', async () => {
    const session = (await login()).headers.get('set-cookie')?.split(';')[0] ?? ''
    const html = await (await fetch(`${base}/console/calls/${callId}`, { headers: { cookie: session } })).text()
    const csrf = /name="csrf" content="([^"]+)"/.exec(html)?.[1] ?? ''
    expect(csrf.length).toBeGreaterThan(20)
    const reveal = (headers: Record<string, string>) => fetch(`${base}/console/api/calls/${callId}/reveal`, { method: 'POST', headers: { cookie: session, ...headers } })
    expect((await reveal({})).status).toBe(403)
    expect((await reveal({ 'x-console-csrf': 'wrong' })).status).toBe(403)
    expect((await reveal({ 'x-console-csrf': csrf, origin: 'https://evil.example' })).status).toBe(403)
    const before = logs.filter((l) => l.includes('console.number_revealed')).length
    const ok = await reveal({ 'x-console-csrf': csrf })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ number: CALLER })
    const lines = logs.filter((l) => l.includes('console.number_revealed'))
    expect(lines.length).toBe(before + 1)
    expect(lines.at(-1)).toContain(callId)
    expect(lines.at(-1)).not.toContain(CALLER)
  })
})

describe('the call', () => {
  test('detail: transcript ordered by when spoken, voice-to-voice turns, tool latency, task path, usage and cost', async () => {
    const d = (await (await fetch(`${base}/console/api/calls/${callId}`, { headers: bearer })).json()) as CallDetail
    expect(d.live).toBe(false)
    expect(d.summary).toMatchObject({ id: callId, state: 'ended', outcome: 'completed', caller: '+********123' })
    const spoken = d.entries.map((e) => e.spokenAt)
    expect(spoken).toEqual([...spoken].sort((a, b) => a - b))
    const said = d.entries.filter((e) => e.kind === 'caller' || e.kind === 'bot').map((e) => `${e.kind}: ${e.text}`)
    expect(said[0]).toContain('bot: Hello, thank you for calling')
    const tomorrow = said.findIndex((s) => s.startsWith('caller:') && s.toLowerCase().includes('tomorrow'))
    const whatTime = said.findIndex((s) => s.startsWith('bot:') && s.includes('What time'))
    expect(tomorrow).toBeGreaterThan(0)
    expect(whatTime).toBeGreaterThan(tomorrow)
    // Every caller line sits at its speech start, before the bot's answer to it.
    expect(d.turns.length).toBeGreaterThanOrEqual(4)
    for (const t of d.turns) expect(t.ms).toBeGreaterThanOrEqual(0)
    expect(d.tools.map((t) => t.name)).toContain('book_appointment')
    expect(d.tasks).toHaveLength(1)
    expect(d.tasks[0]).toMatchObject({ kind: 'book_appointment', status: 'done', state: 'booked' })
    expect(d.tasks[0]?.path.map((p) => `${p.from}>${p.to}`)).toEqual(['new>collectingTime', 'collectingTime>checking', 'checking>confirming', 'confirming>booking', 'booking>booked'])
    expect(d.usage.responses).toBeGreaterThan(3)
    expect(d.usage.outputAudio).toBeGreaterThan(0)
    expect(d.costUsd).toBeGreaterThan(0)
    expect(d.entries.some((e) => e.kind === 'task' && e.text.includes('checking → confirming'))).toBe(true)
    expect(d.entries.some((e) => e.kind === 'latency' && e.text.startsWith('voice-to-voice'))).toBe(true)
    // The lifecycle machine's phases were recorded as they happened.
    const phases = (await world.server.store.console.events(callId)).filter((e) => e.kind === 'phase').map((e) => (e.data as { phase: string }).phase)
    expect(phases).toEqual(expect.arrayContaining(['greeting', 'conversing']))
  })

  test('the call page draws the latency chart and the task diagram with the path taken', async () => {
    const html = await (await fetch(`${base}/console/calls/${callId}`, { headers: bearer })).text()
    expect(html).toContain('class="latency-chart"')
    expect(html).toContain('class="fsm"')
    expect(html).toMatch(/class="node visited[^"]*" data-state="confirming"/)
    expect(html).toMatch(/class="node visited final" data-state="booked"/)
    expect(html).not.toContain(CALLER)
  })

  test('history search by number digits, outcome, task and date', async () => {
    const search = async (q: string) => ((await (await fetch(`${base}/console/api/history?${q}`, { headers: bearer })).json()) as { calls: { id: string }[] }).calls.map((c) => c.id)
    expect(await search('digits=0123')).toContain(callId)
    expect(await search('digits=9999')).not.toContain(callId)
    expect(await search('outcome=completed&task=book_appointment')).toContain(callId)
    expect(await search('outcome=lost')).not.toContain(callId)
    expect(await search('task=leave_message')).not.toContain(callId)
    const today = new Date().toISOString().slice(0, 10)
    expect(await search(`from=${today}&to=${today}`)).toContain(callId)
    expect(await search('from=2001-01-01&to=2001-01-02')).not.toContain(callId)
    // Wildcards are not digits: refused as a filter, so nothing special happens.
    expect((await fetch(`${base}/console/api/history?digits=%25`, { headers: bearer })).status).toBe(200)
  })

  test('RECORD_CALLS: one stereo WAV, caller left and bot right, as long as the call, playable on the call page', async () => {
    const r = await fetch(`${base}/console/api/calls/${callId}/recording.wav`, { headers: bearer })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('audio/wav')
    const bytes = new Uint8Array(await r.arrayBuffer())
    const v = new DataView(bytes.buffer)
    expect([v.getUint16(22, true), v.getUint32(24, true), v.getUint32(40, true)]).toEqual([2, 24000, bytes.length - 44])
    const samples = new Int16Array(bytes.buffer, 44, (bytes.length - 44) / 2)
    const frames = samples.length / 2
    const row = (await world.server.store.calls.get(callId))!
    const callMs = (row.ended_at ?? 0) - row.started_at
    // The file covers the call (the last bot words end it), give or take the settle margin.
    expect(Math.abs((frames / 24) - callMs)).toBeLessThan(3000)
    let left = 0
    let right = 0
    for (let i = 0; i < frames; i++) {
      left += Math.abs(samples[2 * i] ?? 0)
      right += Math.abs(samples[2 * i + 1] ?? 0)
    }
    // Both sides spoke (the modem tones of the simulated caller and of the emulated model).
    expect(left / frames).toBeGreaterThan(50)
    expect(right / frames).toBeGreaterThan(50)
    const html = await (await fetch(`${base}/console/calls/${callId}`, { headers: bearer })).text()
    expect(html).toContain(`<audio controls preload="none" src="/console/api/calls/${callId}/recording.wav">`)
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('fastagent_recording_dropped_chunks_total 0')
  })

  test('/metrics has the turn and tool latency histograms', async () => {
    const text = await (await fetch(`${base}/metrics`)).text()
    expect(text).toMatch(/fastagent_turn_latency_seconds_count [1-9]/)
    expect(text).toMatch(/fastagent_tool_latency_seconds_count [1-9]/)
  })
})

describe('appointments', () => {
  test('by day; the operator cancels through the domain path and the caller gets an SMS through the outbox', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    const list = (await (await fetch(`${base}/console/api/appointments?day=${tomorrow}`, { headers: bearer })).json()) as { appointments: { id: string; status: string; caller: string }[] }
    expect(list.appointments).toHaveLength(1)
    const a = list.appointments[0]!
    expect(a).toMatchObject({ status: 'booked', caller: '+********123' })
    const cancel = (body: unknown) => fetch(`${base}/console/api/appointments/${a.id}/cancel`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect((await cancel({ sms: 'yes' })).status).toBe(400)
    expect((await world.server.store.appointments.get(a.id))?.status).toBe('booked')
    const r = await cancel({ sms: true })
    expect(await r.json()).toEqual({ ok: true, sms: true })
    expect((await world.server.store.appointments.get(a.id))?.status).toBe('cancelled')
    expect((await cancel({})).status).toBe(409)
    const deadline = Date.now() + 10_000
    while (world.twilio.messages.length === 0 && Date.now() < deadline) await Bun.sleep(50)
    expect(world.twilio.messages.map((m) => [m.to, m.body.includes('has been cancelled')])).toEqual([[CALLER, true]])
  })
})

test('appointments are split by service and staff member when the business file has them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-console-services-'))
  writeFileSync(
    join(dir, 'dental.yaml'),
    `business: { name: Harbour Dental, timezone: UTC }
hours: { mon-sun: "08:00-20:00" }
services:
  - { id: checkup, name: Check-up, minutes: 30 }
  - { id: cleaning, name: Dental cleaning, minutes: 60 }
staff:
  - { name: Dr. Weber, services: [checkup] }
  - { name: Anna, services: [cleaning] }
`,
  )
  const dental = await startWorld({ env: { ADMIN_TOKEN: TOKEN, FASTAGENT_CONFIG: join(dir, 'dental.yaml') } })
  try {
    const [weber, anna] = (dental.server.businesses.version.businesses[0]?.staff ?? []).map((x) => x.id)
    const day = '2030-01-07'
    const at = Date.parse(`${day}T09:00:00Z`)
    const s = dental.server.store
    await s.appointments.book({ id: 'split-a', caller: CALLER, startsAt: at, minutes: 30, serviceId: 'checkup', resource: weber ?? '', at: Date.now() })
    await s.appointments.book({ id: 'split-b', caller: CALLER, startsAt: at, minutes: 60, serviceId: 'cleaning', resource: anna ?? '', at: Date.now() })
    const url = dental.server.url
    const list = (await (await fetch(`${url}/console/api/appointments?day=${day}`, { headers: bearer })).json()) as { appointments: { id: string; group: string }[] }
    expect(list.appointments.map((a) => [a.id, a.group]).sort()).toEqual([['split-a', 'Check-up · Dr. Weber'], ['split-b', 'Dental cleaning · Anna']])
    const html = await (await fetch(`${url}/console/appointments?day=${day}`, { headers: bearer })).text()
    expect(html).toContain('<h2>Check-up · Dr. Weber</h2>')
    expect(html).toContain('<h2>Dental cleaning · Anna</h2>')
  } finally {
    await dental.stop()
  }
})

test('login attempts are rate-limited per client', async () => {
  const statuses: number[] = []
  for (let i = 0; i < 14; i++) statuses.push((await login('wrong-token-' + i)).status)
  expect(statuses.slice(-2)).toEqual([429, 429])
  // Even the right token is refused while limited.
  expect((await login()).status).toBe(429)
})

test('without ADMIN_TOKEN there is no console at all', async () => {
  const plain = await startWorld({})
  try {
    for (const path of ['/console', '/console/api/calls', '/console/login']) {
      const r = await fetch(plain.server.url + path, { headers: bearer })
      expect(r.status).toBe(404)
    }
  } finally {
    await plain.stop()
  }
})
