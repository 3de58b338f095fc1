/**
 * The operator console in a real browser (Debian's chromium driven by playwright-core): log in with the token, see a
 * live call appear during a simulated booking call, follow its transcript live (server-sent events), then open its
 * page after the call and see the latency chart and the task's path. Screenshots go to test-artifacts/console/
 * (gitignored). CI installs chromium from .ci/apt-packages; with CI=true a missing chromium fails this test.
 */
import { afterAll, beforeAll, expect } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { requireTool } from '../kit/require-tool'
import { startWorld, type World } from '../../src/sim/world'
import { bookingScenario } from '../../src/sim/scenarios'

const TOKEN = 'browser-admin-token-0123456789'
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = join(import.meta.dir, '..', '..', 'test-artifacts', 'console')
const chromium = requireTool({ name: 'chromium', find: () => Bun.file(CHROMIUM).size > 0 && CHROMIUM, install: 'chromium' })

chromium.describe('console in chromium', () => {
  let world: World
  let browser: Browser
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    world = await startWorld({ env: { ADMIN_TOKEN: TOKEN, BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC' } })
    const { chromium: pw } = await import('playwright-core')
    browser = await pw.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await world?.stop()
  })

  chromium.test('log in, watch a live call and its transcript, then its history page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const base = world.server.url
    // Not logged in: the login form, with status 401.
    const first = await page.goto(`${base}/console`)
    expect(first?.status()).toBe(401)
    await page.fill('input[name=token]', 'wrong-token-wrong-token')
    await page.click('button[type=submit]')
    await page.waitForSelector('text=Wrong token.')
    await page.fill('input[name=token]', TOKEN)
    await page.click('button[type=submit]')
    await page.waitForSelector('h1:has-text("Live calls")')
    const cookies = await page.context().cookies()
    expect(cookies.find((c) => c.name === 'fa_console')).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    await page.screenshot({ path: join(ARTIFACTS, '1-live-empty.png') })

    // A call starts: it appears in the live list by itself.
    const scenario = bookingScenario(world, { step: () => undefined }, { caller: '+14155550123' })
    const row = await page.waitForSelector('#live-calls tbody tr[data-call]', { timeout: 20_000 })
    const callId = (await row.getAttribute('data-call')) ?? ''
    expect(callId).toMatch(/^[0-9a-f-]{36}$/)
    expect(await row.textContent()).toContain('+********123')
    // Its open task shows with its FSM state; phase, duration and media format are in the row.
    const withTask = await page.waitForSelector(`#live-calls tbody tr[data-call="${callId}"]:has-text("book_appointment")`, { timeout: 20_000 })
    expect(await withTask.textContent()).toMatch(/collectingTime|checking|confirming|booking/)
    expect(await withTask.textContent()).toContain('raw/')
    await page.screenshot({ path: join(ARTIFACTS, '2-live-call.png') })

    // Open it and follow the transcript live (the list re-renders every second: click by selector).
    await page.click(`#live-calls tbody tr[data-call="${callId}"] a`)
    await page.waitForSelector('#following')
    await page.waitForSelector('#transcript li.bot', { timeout: 20_000 })
    await page.waitForSelector('#transcript li.caller', { timeout: 30_000 })
    await page.waitForSelector('#transcript li.task', { timeout: 30_000 })
    await page.screenshot({ path: join(ARTIFACTS, '3-live-transcript.png'), fullPage: true })
    // Followed until the end: the stream says the call ended.
    await page.waitForSelector('#following:has-text("ended")', { timeout: 60_000 })
    await scenario
    const live = await page.$$eval('#transcript li', (lis) => lis.map((li) => ({ kind: li.className, spoken: Number(li.getAttribute("data-spoken")) })))
    expect(live.map((l) => l.spoken)).toEqual([...live.map((l) => l.spoken)].sort((a, b) => a - b))
    expect(live.some((l) => l.kind === 'latency')).toBe(true)

    // The history page of the same call: the latency chart and the task's path in its state diagram.
    await world.server.calls.idle()
    world.server.watch.flush()
    await page.goto(`${base}/console/history?digits=123`)
    await page.screenshot({ path: join(ARTIFACTS, '4a-history.png') })
    await page.click(`#history tr[data-call="${callId}"] a`)
    await page.waitForSelector('svg.latency-chart')
    const bars = await page.$$('svg.latency-chart .bar.turn')
    expect(bars.length).toBeGreaterThanOrEqual(4)
    expect(await page.$$eval('svg.fsm .node.visited', (n) => n.map((x) => x.getAttribute('data-state')))).toEqual(expect.arrayContaining(['collectingTime', 'checking', 'confirming', 'booked']))
    expect(await page.textContent('#call-state')).toContain('completed')
    await page.screenshot({ path: join(ARTIFACTS, '4-call-page.png'), fullPage: true })

    // The number stays masked until revealed (a POST with the page's CSRF token).
    expect(await page.textContent('#caller-number')).toBe('+********123')
    await page.click('#reveal')
    await page.waitForSelector('#caller-number:has-text("+14155550123")')

    // The appointment the call booked, on tomorrow's list: the operator cancels it and texts the caller.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    await page.goto(`${base}/console/appointments?day=${tomorrow}`)
    const booked = await page.waitForSelector('table.appointments tr[data-appointment]')
    expect(await booked.textContent()).toContain('booked')
    page.once('dialog', (d) => void d.accept())
    await page.check('table.appointments input.sms')
    await page.click('table.appointments button.cancel')
    await page.waitForSelector('table.appointments td.status:has-text("cancelled (SMS queued)")')
    await page.screenshot({ path: join(ARTIFACTS, '5-appointments.png') })
    const deadline = Date.now() + 10_000
    while (world.twilio.messages.length === 0 && Date.now() < deadline) await Bun.sleep(50)
    expect(world.twilio.messages.map((m) => m.body)).toEqual([expect.stringContaining('has been cancelled')])
    await page.close()
  }, 150_000)
})
