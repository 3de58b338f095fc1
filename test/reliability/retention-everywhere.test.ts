/**
 * Retention reaches every copy of personal data (issue 13 item 16). Real flows through the real server: a booking; a
 * leave_message with a name, a message and a callback number (from a withheld number, so the bot asks for one); a
 * drop with its SMS. Then every timestamp of every table is aged past RETENTION_DAYS, the server restarts (its
 * retention job runs at start), and every text column of every table is scanned for the numbers (as written and as
 * bare digits), the name and the message: none may be left. The booked slot stays booked, anonymised.
 */
import { afterEach, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import type { Database } from 'bun:sqlite'
import { SqliteEngine } from '../../src/store/sqlite-engine'

const HOURS = { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', DROP_GRACE_SECONDS: '0.3' }
const DAY = 86_400_000
let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

async function turn(call: VaicSimulator, say: string, expectBot: string): Promise<void> {
  await call.say(say)
  await call.waitForBotSaid(expectBot, 20_000)
  await call.waitForPlaybackIdle(20_000)
}

async function started(call: VaicSimulator): Promise<VaicSimulator> {
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid('how can i help', 20_000)
  await call.waitForPlaybackIdle(20_000)
  return call
}

test('after RETENTION_DAYS no number, name or message is left in any text column of any table; the slot stays booked', async () => {
  world = await startWorld({ env: HOURS })
  const w = world
  const BOOKER = '+14155550177'
  const DROPPER = '+14155550199'
  const CALLBACK = '415 555 0188'

  const booking = await started(w.call({ caller: BOOKER, supportedMediaFormats: ['raw/lpcm16_24'] }))
  await turn(booking, 'Book an appointment for tomorrow at 10 AM.', 'book for tomorrow at 10 am?')
  await turn(booking, 'Yes.', 'booked')
  await booking.hangup()

  const message = await started(w.call({ caller: 'anonymous', supportedMediaFormats: ['raw/lpcm16_24'] }))
  await turn(message, 'I would like to leave a message.', 'may i have your name?')
  await turn(message, 'My name is Zelda.', 'what message would you like to leave?')
  await turn(message, 'Please ring me about the purple invoice.', 'what number should we call you back on?')
  await turn(message, CALLBACK, 'shall i pass it on?')
  await turn(message, 'Yes.', "i've passed your message on")
  await message.hangup()

  const drop = await started(w.call({ caller: DROPPER, supportedMediaFormats: ['raw/lpcm16_24'] }))
  await turn(drop, 'Book an appointment for tomorrow.', 'what time')
  await drop.drop()
  await w.twilio.waitForMessages(1, 15_000)
  await w.server.outbox.idle()
  await w.server.calls.idle()

  const db = sqliteOf(w.server.store)
  const tables = tablesOf(db)
  const needles = ['zelda', 'purple invoice', BOOKER, DROPPER, CALLBACK]
  const digits = [BOOKER, DROPPER, CALLBACK].map((n) => n.replace(/\D/g, ''))
  const scan = (d: Sqlite) => scanText(d, tables, needles, digits)
  // The flows really put the data everywhere (or the scan below would prove nothing).
  const before = scan(db)
  for (const where of ['messages.name', 'messages.message', 'tasks.context', 'task_events.event', 'outbox.payload', 'calls.caller', 'sms_messages.number', 'transcript_items.text']) {
    expect(before.some((f) => f.startsWith(`${where}:`))).toBe(true)
  }

  // Age every row past the retention period: every time column of every table moves back.
  const shift = (w.config.RETENTION_DAYS + 2) * DAY
  for (const t of tables) {
    const times = columnsOf(db, t).filter((c) => c.type === 'INTEGER' && (c.name === 'at' || c.name.endsWith('_at')))
    if (times.length > 0) db.run(`UPDATE ${t} SET ${times.map((c) => `${c.name} = ${c.name} - ${shift}`).join(', ')}`)
  }
  const server = await w.restart()

  expect(scan(sqliteOf(server.store))).toEqual([])
  // The booked slot is still taken (nobody can book it twice), with nobody's number on it.
  const appts = (await server.store.sql.all(`SELECT status, caller FROM appointments`))
  expect(appts).toEqual([{ status: 'booked', caller: null }])
}, 180_000)

type Sqlite = Database

/** This scan reads SQLite's catalogue: the raw connection under the store. */
function sqliteOf(store: World['server']['store']): Sqlite {
  if (!(store.sql instanceof SqliteEngine)) throw new Error('this test scans a SQLite database')
  return store.sql.db
}

const tablesOf = (db: Sqlite) => (db.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[]).map((t) => t.name)
const columnsOf = (db: Sqlite, table: string) => db.query(`PRAGMA table_info(${table})`).all() as { name: string; type: string }[]

/** Every TEXT cell of every table, searched for each needle (case-insensitively) and each number as bare digits. */
function scanText(db: Sqlite, tables: readonly string[], needles: readonly string[], digits: readonly string[]): string[] {
  const found: string[] = []
  for (const t of tables) {
    for (const c of columnsOf(db, t).filter((c) => c.type === 'TEXT')) {
      for (const row of db.query(`SELECT "${c.name}" AS v FROM ${t} WHERE "${c.name}" IS NOT NULL`).all() as { v: string }[]) {
        const v = row.v.toLowerCase()
        const bare = v.replace(/\D/g, '')
        for (const n of needles) if (v.includes(n.toLowerCase())) found.push(`${t}.${c.name}: ${n}`)
        for (const d of digits) if (bare.includes(d)) found.push(`${t}.${c.name}: digits ${d}`)
      }
    }
  }
  return [...new Set(found)]
}
