/**
 * Graceful deploy with live calls (SIGTERM does exactly `shutdown()`): readiness flips at once, new calls are refused,
 * a live call that ends within the drain time ends normally, a straggler is asked to hang up with its state saved
 * (resumable, its SMS in the outbox), and the database is checkpointed and closed.
 */
import { afterEach, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { startWorld, type World } from '../../src/sim/world'

let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

async function upgradeStatus(url: string, token: string): Promise<number> {
  const res = await fetch(url.replace('ws://', 'http://'), {
    headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13', authorization: `Bearer ${token}` },
  })
  return res.status
}

test('SIGTERM with live calls: 503 at once, new calls refused, the straggler hangs up with its task saved', async () => {
  world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', DRAIN_TIMEOUT_SECONDS: '2' } })
  const w = world
  const finishing = w.call({ supportedMediaFormats: ['raw/mulaw'], caller: '+14155550111' })
  const straggler = w.call({ supportedMediaFormats: ['raw/lpcm16_24'], caller: '+14155550122' })
  for (const c of [finishing, straggler]) {
    await c.startCall()
    await c.waitForBotSaid('how can i help', 15_000)
    await c.waitForPlaybackIdle(15_000)
  }
  await straggler.say('Book an appointment for tomorrow.')
  await straggler.waitForBotSaid('what time', 15_000)

  const stopping = w.server.shutdown('SIGTERM')
  // Readiness and admission flip at once.
  expect((await fetch(`${w.server.url}/readyz`)).status).toBe(503)
  expect(await upgradeStatus(`${w.server.wsUrl}/audiocodes`, 'world-bot-token-0123456789')).toBe(503)
  // One live call finishes normally during the drain.
  await finishing.hangup()
  await stopping
  // The straggler heard a short goodbye and was then hung up (by VAIC, on our request) rather than cut.
  expect(straggler.ended?.by).toBe('bot-hangup')
  const goodbye = straggler.streams.find((s) => s.text.includes('end the call now'))
  expect(goodbye?.text).toContain("we'll text you so we can pick up where we left off")
  expect(goodbye?.interrupted).toBe(false)
  const hangup = straggler.log.find((e) => e.dir === 'in' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('server-shutdown'))
  expect(hangup).toBeDefined()
  straggler.assertNoViolations()
  finishing.assertNoViolations()

  // The database was checkpointed and closed cleanly; the straggler's state is all there.
  const db = new Database(w.config.DATABASE_PATH, { readonly: true })
  try {
    expect(db.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
    const rows = db.query('SELECT caller, end_reason, resume_status FROM calls ORDER BY caller').all()
    expect(rows).toEqual([
      { caller: '+14155550111', end_reason: 'caller-hangup', resume_status: null },
      { caller: '+14155550122', end_reason: 'shutdown', resume_status: 'pending' },
    ])
    const task = db.query(`SELECT kind, state, status FROM tasks`).get()
    expect(task).toEqual({ kind: 'book_appointment', state: 'collectingTime', status: 'open' })
    // Its follow-up SMS is in the outbox (sent now or by the next process), exactly once.
    expect(db.query(`SELECT COUNT(*) AS n FROM outbox WHERE kind = 'sms'`).get()).toEqual({ n: 1 })
  } finally {
    db.close()
  }
}, 60_000)
