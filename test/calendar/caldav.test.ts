/**
 * The CalDAV booking backend against a real CalDAV server (Debian's Radicale, started by scripts/radicale.ts), with
 * the real task runtime and tasks: booking, cancel and reschedule; slots blocked, moved or deleted by staff directly in
 * the calendar; a crash between the PUT and the checkpoint; the calendar down, then back; and a slow calendar (a
 * gated proxy) that never makes one call wait for another's calendar request. CI installs radicale
 * (.ci/apt-packages): there a missing server fails this file instead of skipping it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { radicaleMissing, startRadicale, type Radicale } from '../../scripts/radicale'
import { TaskRuntime } from '../../src/agents/runtime'
import { defaultRegistry } from '../../src/agents/tasks/registry'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'
import type { TaskUpdate } from '../../src/call/task-port'
import { bookingBackend, type BookingBackend } from '../../src/calendar/booking-backend'
import { caldavClient, type CalendarClient } from '../../src/calendar/caldav-client'
import type { CalendarSettings } from '../../src/calendar/calendar-config'
import { buildEvent, busyIn, readEvent } from '../../src/calendar/ics'
import { eventSummary } from '../../src/calendar/calendar-sync'
import { parseBusinessHours } from '../../src/config/business-hours'
import { createLogger } from '../../src/ops/log'
import { Store } from '../../src/store/store'
import { requireTool } from '../kit/require-tool'
import { calendarProxy } from './calendar-proxy'
import { fakeTokenServer } from '../../src/sim/oauth/fake-token-server'
import { personalLine } from '../../src/call/spoken-line'

const HOURS = (() => {
  const r = parseBusinessHours('Mon-Sun 08:00-20:00')
  if (!r.ok) throw new Error(r.error)
  return r.hours
})()
const log = createLogger({ level: process.env.DEBUG_CALDAV ? "debug" : "silent" })

type Out = { task_id: string; status: string; say?: string; ask?: string; need?: string[]; note?: string }

requireTool({ name: 'radicale', find: () => radicaleMissing() === undefined, install: 'radicale' }).describe('CalDAV backend against Radicale', () => {
  let radicale: Radicale
  let dir: string
  let direct: CalendarClient
  let week = 0
  const cleanups: (() => unknown)[] = []

  beforeAll(async () => {
    radicale = await startRadicale()
    dir = mkdtempSync(join(tmpdir(), 'fa-caldav-'))
    direct = caldavClient(settings(radicale.url))
  }, 90_000)
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c()
    await radicale?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  function settings(url: string, timeoutSeconds = 10, oauth?: CalendarSettings['oauth'], callerDetails: CalendarSettings['callerDetails'] = ['number']): CalendarSettings {
    const signIn = oauth ? { oauth } : { username: radicale.username, password: radicale.password }
    return { url, ...signIn, calendar: radicale.calendar, callerDetails, timeoutSeconds }
  }

  type BackendOptions = Omit<Parameters<typeof bookingBackend>[0], 'tz' | 'business' | 'wakeSms'>

  /** The backend as the server builds it for this test business (UTC, no SMS wake-ups), on `o.store`. */
  const backendFor = (o: BackendOptions) => bookingBackend({ tz: 'UTC', business: 'Test Clinic', wakeSms: () => undefined, ...o })

  /** A backend on a store of its own whose log lines are kept: what its start-up check concluded, and what it logged. */
  async function startUpCheck(db: string, calendar: CalendarSettings, level: 'info' | 'debug') {
    const lines: string[] = []
    const store = await Store.open(join(dir, db))
    cleanups.push(() => store.close())
    const backend = await backendFor({ store, log: createLogger({ level, sink: (l) => lines.push(l) }), now: Date.now, calendar })
    return { checked: await backend.checked, lines, unreachable: lines.find((l) => l.includes('calendar.unreachable')) }
  }

  /** Each test books in a week of its own (the calendar is shared), "now" is a Monday 07:00 UTC of that week. */
  async function world(opts: { url?: string; client?: CalendarClient; timeoutSeconds?: number; oauth?: CalendarSettings['oauth']; callerDetails?: CalendarSettings['callerDetails'] } = {}) {
    const n = week++
    const now = Date.UTC(2027, 0, 4 + 7 * n, 7, 0)
    const store = await Store.open(join(dir, `w${n}.db`))
    cleanups.push(() => store.close())
    // The outbox runner needs time to pass (its backoff); the tasks keep a fixed "now".
    const t0 = Date.now()
    const backend = await backendFor({
      store,
      log,
      now: () => now + (Date.now() - t0),
      calendar: settings(opts.url ?? radicale.url, opts.timeoutSeconds, opts.oauth, opts.callerDetails),
      backoffMs: 5,
      ...(opts.client ? { client: opts.client } : {}),
    })
    cleanups.push(() => backend.runner?.stop())
    const tomorrow = addDays(localDate(now, 'UTC'), 1)
    const at = (clock: string, date = tomorrow) => dateMinutesToEpoch(date, Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3)), 'UTC')
    let calls = 0
    const call = async (o: { caller?: string; settleMs?: number; domain?: BookingBackend['domain']; callId?: string } = {}) => {
      const callId = o.callId ?? `w${n}-call-${++calls}`
      const caller = o.caller ?? `+1415555${String(1000 + n * 10 + calls)}`
      if (!(await store.calls.get(callId))) await store.calls.create({ id: callId, conversationId: `conv-${callId}`, direction: 'inbound', caller, botName: undefined, mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: now })
      const updates: TaskUpdate[] = []
      const rt = new TaskRuntime({
        callId,
        caller,
        registry: defaultRegistry(),
        store,
        domain: o.domain ?? backend.domain,
        log,
        now: () => now,
        tz: 'UTC',
        hours: HOURS,
        slotMinutes: 30,
        onUpdate: (u) => updates.push(u),
        onChange: () => undefined,
        settleMs: o.settleMs ?? 30_000,
      })
      cleanups.push(() => rt.stop())
      const tool = async (name: string, args: Record<string, unknown>) => JSON.parse(await rt.call(name, JSON.stringify(args))) as Out
      return { rt, callId, caller, updates, tool }
    }
    /** The events in the calendar on `date` (FastAgent's and staff's), read straight from the server. */
    const events = async (date = tomorrow) => {
      const from = at('00:00', date)
      const objects = await direct.objectsBetween(from, from + 86_400_000)
      return objects.flatMap((o) => busyIn(o.data, from, from + 86_400_000, 'UTC').map((b) => ({ ...b, data: o.data, url: o.url })))
    }
    const staffEvent = async (file: string, start: number, minutes: number) =>
      expect(await direct.create(file, buildEvent({ uid: file.replace('.ics', ''), startsAt: start, minutes, summary: 'Staff meeting', stamp: now }))).toBe('ok')
    return { n, now, store, backend, tomorrow, at, call, events, staffEvent }
  }

  test('the start-up connection test logs its result', async () => {
    const ok = await world()
    expect(await ok.backend.checked).toBe('connected')
    const bad = await startUpCheck('bad-password.db', { ...settings(radicale.url), password: 'wrong-password' }, 'info')
    expect(bad.checked).toBe('unreachable')
    expect(bad.unreachable).toContain('credentials refused (401)')
    expect(bad.unreachable).not.toContain('wrong-password')
  }, 60_000)

  test('booking, rescheduling and cancelling write, move and delete one event', async () => {
    const w = await world()
    const c = await w.call()
    const asked = await c.tool('book_appointment', { date: 'tomorrow', time: '10 AM' })
    expect(asked).toMatchObject({ status: 'waiting_for_input', ask: 'Book for tomorrow at 10 AM?' })
    const booked = await c.tool('task_input', { task_id: asked.task_id, confirm: true })
    expect(booked).toMatchObject({ status: 'done', say: 'Appointment booked for tomorrow at 10 AM.' })
    let evs = await w.events()
    expect(evs).toHaveLength(1)
    expect(evs[0]).toMatchObject({ start: w.at('10:00'), end: w.at('10:30') })
    expect(evs[0]?.uid).toStartWith(`fastagent-${asked.task_id}-`)
    expect(evs[0]?.data).toContain(`SUMMARY:Appointment: ${c.caller}`)

    const move = await c.tool('reschedule_appointment', { date: 'tomorrow', time: '11 AM' })
    expect(move).toMatchObject({ status: 'waiting_for_input', ask: 'Move your appointment from tomorrow at 10 AM to tomorrow at 11 AM?' })
    expect(await c.tool('task_input', { task_id: move.task_id, confirm: true })).toMatchObject({ status: 'done', say: 'Done. Your appointment is now tomorrow at 11 AM.' })
    evs = await w.events()
    expect(evs.map((e) => [e.start, e.uid])).toEqual([[w.at('11:00'), evs[0]?.uid]])

    const cancel = await c.tool('cancel_appointment', {})
    expect(cancel).toMatchObject({ status: 'waiting_for_input', ask: 'Cancel your appointment tomorrow at 11 AM?' })
    expect(await c.tool('task_input', { task_id: cancel.task_id, confirm: true })).toMatchObject({ status: 'done' })
    expect(await w.events()).toEqual([])
    expect(await w.store.appointments.upcomingFor(c.caller, w.now)).toEqual([])
  }, 60_000)

  test("the event's title carries the caller's name and number as configured; retention forgets the name", async () => {
    const w = await world({ callerDetails: ['name', 'number'] })
    const c = await w.call()
    const asked = await c.tool('book_appointment', { date: 'tomorrow', time: '10 AM', name: 'Anna Müller' })
    expect(asked.ask).toBe('Book for tomorrow at 10 AM?')
    expect(await c.tool('task_input', { task_id: asked.task_id, confirm: true })).toMatchObject({ status: 'done' })
    const evs = await w.events()
    expect(evs).toHaveLength(1)
    expect(readEvent(evs[0]?.data ?? '', 'UTC')?.summary).toBe(`Appointment: Anna Müller, ${c.caller}`)
    // Without a name the title has the number only; with details "none" neither.
    const d = await w.call()
    const plain = await d.tool('book_appointment', { date: 'tomorrow', time: '11 AM' })
    await d.tool('task_input', { task_id: plain.task_id, confirm: true })
    expect((await w.events()).map((e) => readEvent(e.data, 'UTC')?.summary).sort()).toEqual([`Appointment: ${d.caller}`, `Appointment: Anna Müller, ${c.caller}`].sort())
    expect(eventSummary({ name: 'Anna Müller', number: c.caller }, [])).toBe('Appointment')
    // The store's copy of the name goes with the number when the slot is past retention (the slot itself stays).
    await w.store.purge(w.at('23:59'))
    expect(await w.store.sql.all(`SELECT caller, caller_name, status FROM appointments ORDER BY starts_at`)).toEqual([
      { caller: null, caller_name: null, status: 'booked' },
      { caller: null, caller_name: null, status: 'booked' },
    ])
  }, 60_000)

  test('staff events block slots (at the check and again at confirmation); staff moves and deletions are respected', async () => {
    const w = await world()
    await w.staffEvent(`staff-${w.n}-a.ics`, w.at('10:00'), 60)
    const c = await w.call()
    const check = await c.tool('check_availability', { date: 'tomorrow', time: '10:30 AM' })
    expect(check).toMatchObject({ status: 'done', say: '10:30 AM tomorrow is taken; the nearest free times are 9:30 AM, 11 AM and 11:30 AM.' })
    const book = await c.tool('book_appointment', { date: 'tomorrow', time: '10 AM' })
    expect(book).toMatchObject({ status: 'waiting_for_input', need: ['time'] })
    expect(book.ask).toStartWith('Sorry, tomorrow at 10 AM is taken. I can offer 9 AM, 9:30 AM or 11 AM')

    // Free at the check, given to someone in the calendar before the caller said yes.
    const two = await c.tool('task_input', { task_id: book.task_id, time: '2 PM' })
    expect(two).toMatchObject({ ask: 'Book for tomorrow at 2 PM?' })
    await w.staffEvent(`staff-${w.n}-b.ics`, w.at('14:00'), 30)
    const refused = await c.tool('task_input', { task_id: book.task_id, confirm: true })
    expect(refused).toMatchObject({ status: 'waiting_for_input', need: ['time'] })
    expect(refused.ask).toStartWith('Sorry, tomorrow at 2 PM is taken.')
    expect(await w.store.appointments.upcomingFor(c.caller, w.now)).toEqual([])

    // Booked at 3 PM, then moved to 4 PM by staff in the calendar: the caller's appointment is at 4 PM now.
    await c.tool('task_input', { task_id: book.task_id, time: '3 PM' })
    expect(await c.tool('task_input', { task_id: book.task_id, confirm: true })).toMatchObject({ status: 'done' })
    const [ours] = (await w.events()).filter((e) => e.uid?.startsWith('fastagent-'))
    const [obj] = await direct.get([new URL(ours?.url ?? '').pathname.split('/').pop() ?? ''])
    if (!obj) throw new Error('own event not found')
    expect(await direct.update(obj, obj.data.replace(/DTSTART:\d{8}T150000Z/, 'DTSTART:' + ical(w.at('16:00'))).replace(/DTEND:\d{8}T153000Z/, 'DTEND:' + ical(w.at('16:30'))))).toBe('ok')
    const cancel = await c.tool('cancel_appointment', {})
    expect(cancel).toMatchObject({ ask: 'Cancel your appointment tomorrow at 4 PM?' })
    expect((await w.store.appointments.upcomingFor(c.caller, w.now)).map((a) => a.starts_at)).toEqual([w.at('16:00')])
    await c.tool('task_cancel', { task_id: cancel.task_id })

    // Deleted by staff: the appointment is gone for FastAgent too.
    const [moved] = await direct.get([new URL(ours?.url ?? '').pathname.split('/').pop() ?? ''])
    expect(readEvent(moved?.data ?? '', 'UTC')?.start).toBe(w.at('16:00'))
    expect(await direct.remove({ url: moved?.url ?? '', etag: moved?.etag })).toBe('ok')
    const again = await c.tool('cancel_appointment', {})
    expect(again).toMatchObject({ status: 'failed', say: "I couldn't find any upcoming appointments for your number." })

    // Booked in the built-in store before the calendar was set up: it never had an event, so it is not "deleted".
    expect((await w.store.appointments.book({ id: 'before-calendar', caller: c.caller, startsAt: w.at('17:00'), minutes: 30, at: w.now })).ok).toBe(true)
    expect(await c.tool('cancel_appointment', {})).toMatchObject({ ask: 'Cancel your appointment tomorrow at 5 PM?' })
  }, 60_000)

  test('a crash between the PUT and the checkpoint: the replay finds its own event, exactly one', async () => {
    const w = await world()
    // The first process dies right after the calendar accepted the PUT: it never hears the answer.
    let putDone: () => void = () => undefined
    const landed = new Promise<void>((r) => (putDone = r))
    const dying: CalendarClient = {
      ...caldavClient(settings(radicale.url)),
      async create(file, ics) {
        const r = await direct.create(file, ics)
        putDone()
        expect(r).toBe('ok')
        return new Promise(() => undefined)
      },
    }
    const first = await backendFor({ store: w.store, log, now: () => w.now, calendar: settings(radicale.url), client: dying })
    const a = await w.call({ domain: first.domain, settleMs: 50 })
    const asked = await a.tool('book_appointment', { date: 'tomorrow', time: '9 AM' })
    const ack = await a.tool('task_input', { task_id: asked.task_id, confirm: true })
    expect(ack.status).toBe('working')
    await landed
    a.rt.stop()
    expect(await w.events()).toHaveLength(1)
    expect((await w.store.tasks.get(asked.task_id))?.state).toBe('booking')

    // The next process (or the callback) adopts the open task and re-runs the committed book effect.
    const b = await w.call({ callId: a.callId, caller: a.caller })
    await b.rt.adopt(await w.store.tasks.openForCall(a.callId))
    await b.rt.settleAdopted(30_000)
    expect(b.rt.takeResume()).toEqual({ open: [], completed: [personalLine('Your appointment is confirmed for tomorrow at 9 AM')] })
    const evs = await w.events()
    expect(evs).toHaveLength(1)
    expect(evs[0]).toMatchObject({ start: w.at('09:00') })
    expect(await w.store.sql.get(`SELECT count(*) AS n FROM appointments WHERE status = 'booked'`)).toEqual({ n: 1 })
  }, 60_000)

  test('calendar down, then back: the slot is held, the caller is told about the SMS, the booking lands once', async () => {
    const proxy = calendarProxy(radicale.url)
    cleanups.push(() => proxy.stop())
    const w = await world({ url: proxy.url, timeoutSeconds: 2 })
    expect(await w.backend.checked).toBe('connected')
    proxy.down()
    const a = await w.call()
    const asked = await a.tool('book_appointment', { date: 'tomorrow', time: '10 AM' })
    expect(asked).toMatchObject({ ask: 'Book for tomorrow at 10 AM?' })
    const held = await a.tool('task_input', { task_id: asked.task_id, confirm: true })
    expect(held).toMatchObject({
      status: 'done',
      say: "I've reserved tomorrow at 10 AM for you. Our calendar isn't answering right now, so you'll get a text message when the booking is confirmed.",
    })
    expect(a.rt.doneSummaries()).toEqual([personalLine("Your appointment for tomorrow at 10 AM is reserved; we'll confirm it by text message")])

    // Nobody else gets the held slot meanwhile.
    const b = await w.call()
    const other = await b.tool('book_appointment', { date: 'tomorrow', time: '10 AM' })
    expect(other.ask).toStartWith('Sorry, tomorrow at 10 AM is taken.')

    const runner = w.backend.runner
    if (!runner) throw new Error('no calendar runner')
    const row = async () => (await w.store.sql.get(`SELECT status, attempts FROM outbox WHERE kind = 'calendar_sync'`)) as { status: string; attempts: number }
    runner.start()
    while ((await row()).attempts < 2) await Bun.sleep(5)
    expect((await row()).status).toBe('pending')
    expect(await w.events()).toEqual([])

    proxy.up()
    const deadline = Date.now() + 30_000
    while ((await row()).status !== 'done' && Date.now() < deadline) await Bun.sleep(10)
    expect((await row()).status).toBe('done')
    runner.wake()
    await runner.idle()
    const evs = await w.events()
    expect(evs).toHaveLength(1)
    expect(evs[0]).toMatchObject({ start: w.at('10:00') })
    // The text message promised on the phone is queued for the SMS runner, once.
    const sms = (await w.store.sql.all(`SELECT payload FROM outbox WHERE kind = 'sms'`)) as { payload: string }[]
    expect(sms.map((s) => JSON.parse(s.payload))).toEqual([{ to: a.caller, body: 'Test Clinic: your appointment tomorrow at 10 AM is confirmed.', callId: a.callId }])
  }, 60_000)

  test('OAuth 2.0 (Google): bearer tokens from the refresh token; one dead early is refreshed once; a revoked grant holds the booking', async () => {
    const google = fakeTokenServer({ clientId: 'client-1.apps.example', clientSecret: 'client-secret-1', refreshToken: '1//refresh-token-1' })
    cleanups.push(() => google.stop())
    // The real Radicale behind a gate that takes only the fake provider's live bearer tokens, as Google's CalDAV does.
    const basic = `Basic ${Buffer.from(`${radicale.username}:${radicale.password}`).toString('base64')}`
    const proxy = calendarProxy(radicale.url, { accepts: (h) => google.accepts(h), upstream: basic })
    cleanups.push(() => proxy.stop())
    const oauth = { tokenUrl: google.url, clientId: 'client-1.apps.example', clientSecret: 'client-secret-1', refreshToken: '1//refresh-token-1' }
    const w = await world({ url: proxy.url, timeoutSeconds: 5, oauth })
    expect(await w.backend.checked).toBe('connected')
    // Discovery took several requests and one token.
    expect(google.requests).toEqual([{ grantType: 'refresh_token', clientAuth: 'body' }])

    const a = await w.call()
    const asked = await a.tool('book_appointment', { date: 'tomorrow', time: '10 AM' })
    expect(await a.tool('task_input', { task_id: asked.task_id, confirm: true })).toMatchObject({ status: 'done', say: 'Appointment booked for tomorrow at 10 AM.' })
    expect(await w.events()).toHaveLength(1)
    expect(google.requests).toHaveLength(1)

    // The provider kills the access token before its stated expiry: the 401 brings one refresh and the same request again.
    google.invalidateAccessTokens()
    const b = await w.call()
    const askedB = await b.tool('book_appointment', { date: 'tomorrow', time: '11 AM' })
    expect(askedB).toMatchObject({ ask: 'Book for tomorrow at 11 AM?' })
    expect(await b.tool('task_input', { task_id: askedB.task_id, confirm: true })).toMatchObject({ status: 'done', say: 'Appointment booked for tomorrow at 11 AM.' })
    expect(google.requests).toHaveLength(2)
    expect((await w.events()).map((e) => e.start).sort()).toEqual([w.at('10:00'), w.at('11:00')])

    // The user revokes the app: the calendar cannot be asked, so the slot is held locally and confirmed later by SMS,
    // exactly as when the calendar is down. Nothing is written and nobody else gets the slot meanwhile.
    google.revokeRefreshToken()
    const c = await w.call()
    const askedC = await c.tool('book_appointment', { date: 'tomorrow', time: '2 PM' })
    const held = await c.tool('task_input', { task_id: askedC.task_id, confirm: true })
    expect(held.say).toContain("you'll get a text message when the booking is confirmed")
    expect((await w.events()).map((e) => e.start).sort()).toEqual([w.at('10:00'), w.at('11:00')])
    const other = await (await w.call()).tool('book_appointment', { date: 'tomorrow', time: '2 PM' })
    expect(other.ask).toStartWith('Sorry, tomorrow at 2 PM is taken.')
  }, 60_000)

  test('OAuth: the start-up check names the refused grant, and no secret reaches the log', async () => {
    const google = fakeTokenServer({ clientId: 'client-2', clientSecret: 'client-secret-2', refreshToken: '1//refresh-token-2' })
    cleanups.push(() => google.stop())
    google.revokeRefreshToken()
    const oauth = { tokenUrl: google.url, clientId: 'client-2', clientSecret: 'client-secret-2', refreshToken: '1//refresh-token-2' }
    const bad = await startUpCheck('oauth-revoked.db', settings(radicale.url, 5, oauth), 'debug')
    expect(bad.checked).toBe('unreachable')
    expect(bad.unreachable).toContain('token endpoint answered 400 (invalid_grant): the refresh token was revoked or expired')
    const all = bad.lines.join('\n')
    for (const secret of ['client-secret-2', '1//refresh-token-2', 'ya29.']) expect(all).not.toContain(secret)
  }, 60_000)

  test('a held booking whose time staff gave away during the outage is released, and the caller is told by SMS', async () => {
    const proxy = calendarProxy(radicale.url)
    cleanups.push(() => proxy.stop())
    const w = await world({ url: proxy.url, timeoutSeconds: 2 })
    await w.backend.checked
    proxy.down()
    const a = await w.call()
    const asked = await a.tool('book_appointment', { date: 'tomorrow', time: '1 PM' })
    expect((await a.tool('task_input', { task_id: asked.task_id, confirm: true })).say).toStartWith("I've reserved tomorrow at 1 PM")
    await w.staffEvent(`staff-${w.n}-c.ics`, w.at('13:00'), 30)
    proxy.up()
    const runner = w.backend.runner
    if (!runner) throw new Error('no calendar runner')
    runner.start()
    const row = async () => ((await w.store.sql.get(`SELECT status FROM outbox WHERE kind = 'calendar_sync'`)) as { status: string }).status
    const deadline = Date.now() + 30_000
    while ((await row()) !== 'done' && Date.now() < deadline) await Bun.sleep(10)
    expect(await row()).toBe('done')
    expect((await w.events()).map((e) => e.uid)).toEqual([`staff-${w.n}-c`])
    expect(await w.store.appointments.upcomingFor(a.caller, w.now)).toEqual([])
    const sms = (await w.store.sql.all(`SELECT payload FROM outbox WHERE kind = 'sms'`)) as { payload: string }[]
    expect(sms.map((s) => (JSON.parse(s.payload) as { body: string }).body)).toEqual([
      'Test Clinic: sorry, we could not confirm your appointment tomorrow at 1 PM; that time was taken in our calendar meanwhile. Please call us to choose another time.',
    ])
  }, 60_000)

  test('a slow calendar: the booking is acknowledged, the caller and other calls carry on, the result follows', async () => {
    const proxy = calendarProxy(radicale.url)
    cleanups.push(() => proxy.stop())
    const w = await world({ url: proxy.url })
    await w.backend.checked
    proxy.delay(200)
    const a = await w.call({ settleMs: 100 })
    const b = await w.call({ settleMs: 30_000 })
    const asked = await a.tool('book_appointment', { date: 'tomorrow', time: '10 AM' })
    // The first answer took longer than the settle time: acknowledged, the question follows as an update.
    expect(asked.status).toBe('working')
    while (a.updates.length === 0) await Bun.sleep(5)
    expect(a.updates.shift()).toMatchObject({ ask: { text: 'Book for tomorrow at 10 AM?' } })

    // The calendar write of call A stalls (held at the proxy) …
    proxy.hold((r) => r.method === 'PUT')
    const ack = await a.tool('task_input', { task_id: asked.task_id, confirm: true })
    expect(ack).toMatchObject({ status: 'working' })
    expect(ack.note).toContain('the result will follow')
    await proxy.held(1)
    // … while caller A asks something else (another task on the same call) and call B checks and books: neither waits.
    const check = await a.tool('check_availability', { date: 'tomorrow', time: '3 PM' })
    const checked = check.status === 'done' ? check.say : await (async () => {
      while (a.updates.length === 0) await Bun.sleep(5)
      return a.updates.shift()?.say?.text
    })()
    expect(checked).toBe('3 PM tomorrow is available.')
    const bAsk = await b.tool('check_availability', { date: 'tomorrow', time: '10 AM' })
    // A's slot is already held locally while its write is in flight.
    expect(bAsk).toMatchObject({ status: 'done' })
    expect(bAsk.say).toStartWith('10 AM tomorrow is taken')
    // All the while, A's calendar write is still held at the proxy.
    expect(proxy.seen.filter((r) => r.method === 'PUT')).toHaveLength(1)
    expect(a.updates).toEqual([])

    proxy.release()
    while (a.updates.length === 0) await Bun.sleep(5)
    expect(a.updates).toMatchObject([{ taskId: asked.task_id, kind: 'book_appointment', say: personalLine('Appointment booked for tomorrow at 10 AM.') }])
    expect((await w.events()).map((e) => e.start)).toEqual([w.at('10:00')])
  }, 60_000)
})

const ical = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
