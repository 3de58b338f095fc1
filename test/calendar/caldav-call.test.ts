/**
 * The CalDAV backend in real calls: the real server (configured by CALDAV_* like production) books into a real
 * Radicale behind a gated proxy, driven by the VoiceAI Connect simulator against the Realtime emulator. While call
 * A's calendar write is stalled, A is told the bot is on it and keeps talking (the opening hours are answered), and
 * call B checks and confirms its own slot; when the write goes through, A hears "booked" once the line is idle.
 */
import { afterAll, beforeAll, expect } from 'bun:test'
import { radicaleMissing, startRadicale, type Radicale } from '../../scripts/radicale'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'
import { caldavClient } from '../../src/calendar/caldav-client'
import { busyIn } from '../../src/calendar/ics'
import { startWorld, type World } from '../../src/sim/world'
import { requireTool } from '../kit/require-tool'
import { calendarProxy, type CalendarProxy } from './calendar-proxy'

const gate = requireTool({ name: 'radicale', find: () => radicaleMissing() === undefined, install: 'radicale' })

gate.describe('CalDAV booking in real calls', () => {
  let radicale: Radicale
  let proxy: CalendarProxy
  let world: World
  const lines: string[] = []
  beforeAll(async () => {
    radicale = await startRadicale()
    proxy = calendarProxy(radicale.url)
    world = await startWorld({
      env: {
        BUSINESS_HOURS: 'Mon-Sun 08:00-20:00',
        BUSINESS_TIMEZONE: 'UTC',
        CALDAV_URL: proxy.url,
        CALDAV_USERNAME: radicale.username,
        CALDAV_PASSWORD: radicale.password,
        CALDAV_CALENDAR: radicale.calendar,
      },
      server: { settleMs: 300 },
      logLevel: 'info',
      logSink: (l) => lines.push(l),
    })
  }, 90_000)
  afterAll(async () => {
    await world?.stop()
    proxy?.stop()
    await radicale?.stop()
  })

  gate.test('a stalled calendar write: acknowledged, the caller keeps talking, another call books, then "booked"', async () => {
    expect(await world.server.booking.checked).toBe('connected')
    expect(lines.some((l) => l.includes('"calendar.connected"') && l.includes('"calendar":"Appointments"'))).toBe(true)
    expect(lines.join('\n')).not.toContain(radicale.password)

    const a = world.call({ caller: '+14155550181', supportedMediaFormats: ['raw/lpcm16_24'] })
    const b = world.call({ caller: '+14155550182', supportedMediaFormats: ['raw/mulaw'] })
    for (const c of [a, b]) {
      expect((await c.startCall()).ok).toBe(true)
      await c.waitForBotSaid('how can i help', 20_000)
      await c.waitForPlaybackIdle(20_000)
    }
    await a.say('Book an appointment for tomorrow at 10 AM.')
    await a.waitForBotSaid('book for tomorrow at 10 am?', 20_000)
    await a.waitForPlaybackIdle(20_000)

    proxy.hold((r) => r.method === 'PUT')
    const fromA = a.streams.length
    await a.say('Yes.')
    await proxy.held(1)
    // The caller keeps talking while the write is stalled …
    await a.say('What are your opening hours?')
    await a.waitForBotSaid("we're open", 20_000, { fromStream: fromA })
    await a.waitForPlaybackIdle(20_000)
    // … and another call checks and is asked to confirm its own slot: it never waits for A's calendar request.
    await b.say('Book an appointment for tomorrow at 11 AM.')
    await b.waitForBotSaid('book for tomorrow at 11 am?', 20_000)
    expect(a.streams.slice(fromA).some((s) => /booked/i.test(s.text))).toBe(false)

    proxy.release()
    await a.waitForBotSaid('appointment booked for tomorrow at 10 am', 20_000, { fromStream: fromA })
    await b.waitForPlaybackIdle(20_000)
    const fromB = b.streams.length
    await b.say('Yes.')
    await b.waitForBotSaid('appointment booked for tomorrow at 11 am', 20_000, { fromStream: fromB })
    await a.hangup()
    await b.hangup()
    a.assertNoViolations()
    b.assertNoViolations()

    // Two events in the calendar, one per booking, at the booked times.
    const day = dateMinutesToEpoch(addDays(localDate(Date.now(), 'UTC'), 1), 0, 'UTC')
    const direct = caldavClient({ url: radicale.url, username: radicale.username, password: radicale.password, calendar: radicale.calendar, callerDetails: [], timeoutSeconds: 10 })
    const objects = await direct.objectsBetween(day, day + 86_400_000)
    const starts = objects.flatMap((o) => busyIn(o.data, day, day + 86_400_000, 'UTC').map((x) => x.start)).sort()
    expect(starts).toEqual([day + 600 * 60_000, day + 660 * 60_000])
    for (const o of objects) expect(o.data).toMatch(/SUMMARY:Appointment: \+1415555018[12]/)
  }, 120_000)
})
