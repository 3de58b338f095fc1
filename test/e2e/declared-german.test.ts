/**
 * A declared form end to end in German, through the real server, the VoiceAI Connect simulator and the Realtime
 * emulator (which speaks German because the session instructions say so, and knows the form only by its tool): the
 * caller gives a name, a date of birth and a pick-up time in German words ("3. Mai 1980", "um 10 Uhr"), which the
 * form parses in the call's language (chrono's German locale), and corrects the date of birth ("Nein, mein
 * Geburtsdatum ist …"); the read-back says them in German; "Ja" sends one
 * signed POST whose body carries the canonical values.
 */
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld, type World } from '../../src/sim/world'
import { turn } from '../kit/turn'
import { startReceiver, type Receiver } from '../kit/webhook-receiver'

const SECRET = 'rezept-secret-0123456789'
const CALLER = '+4930555000177'

const apotheke = (url: string) => `business: { name: Apotheke Keller, timezone: Europe/Berlin, language: de }
hours: { mon-sun: "08:00-20:00" }
tasks:
  - id: rezept
    title: Rezeptbestellung
    description: Der Anrufer möchte ein Rezept bestellen.
    fields:
      - { name: full_name, label: Name, type: text, ask: "Wie ist Ihr vollständiger Name?", min_length: 3 }
      - { name: geburtsdatum, type: date, ask: "Wie ist Ihr Geburtsdatum?" }
      - { name: abholzeit, type: time, ask: "Um wie viel Uhr möchten Sie es abholen?" }
    confirm: "Ein Rezept für {full_name}, geboren am {geburtsdatum}, abzuholen um {abholzeit}. Soll ich es absenden?"
    submit: { url: "${url}/rezepte", secret_env: REZEPT_SECRET, caller: none }
    done: "Ihre Rezeptbestellung ist abgeschickt."
`

let world: World | undefined
let receiver: Receiver | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
  await receiver?.stop()
  receiver = undefined
})


test('a form in German: name, date of birth (corrected) and pick-up time in German words, the read-back in German, "Ja" → one signed POST with the canonical values', async () => {
  receiver = startReceiver(SECRET)
  const dir = mkdtempSync(join(tmpdir(), 'fa-declared-de-'))
  const file = join(dir, 'apotheke.yaml')
  writeFileSync(file, apotheke(receiver.url))
  world = await startWorld({ env: { FASTAGENT_CONFIG: file }, server: { secrets: { REZEPT_SECRET: SECRET } } })
  const call = world.call({ caller: CALLER, supportedMediaFormats: ['raw/lpcm16_24'] })
  expect((await call.startCall()).ok).toBe(true)
  await call.waitForBotSaid('wie kann ich ihnen helfen', 15_000)
  await call.waitForPlaybackIdle(15_000)

  await turn(call, 'Ich brauche ein neues Rezept.', 'wie ist ihr vollständiger name')
  await turn(call, 'Anna Keller.', 'wie ist ihr geburtsdatum')
  await turn(call, '3. Mai 1980.', 'um wie viel uhr möchten sie es abholen')
  // A correction of the earlier field, in German: replaced, and the form asks on.
  await turn(call, 'Nein, mein Geburtsdatum ist 4. Mai 1980.', 'um wie viel uhr möchten sie es abholen')
  const readBack = await turn(call, 'Um 10 Uhr.', 'soll ich es absenden')
  // Read back in German: the date and the time as the form understood them, the name as the caller's quoted words.
  expect(readBack.toLowerCase()).toContain('ein rezept für anna keller, geboren am 4. mai 1980, abzuholen um 10 uhr')
  await turn(call, 'Ja.', 'ihre rezeptbestellung ist abgeschickt')

  expect(receiver.requests).toHaveLength(1)
  const req = receiver.requests[0]!
  expect(req.signed).toBe(true)
  expect(JSON.parse(req.body)).toEqual({ task: 'rezept', submission: req.key, fields: { full_name: 'anna keller', geburtsdatum: '1980-05-04', abholzeit: '10:00' }, caller: null })
  const row = (await world.server.store.calls.byConversation(call.conversationId))!
  expect(row.language).toBe('de')
  const [task] = await world.server.store.tasks.forCall(row.id)
  expect(task).toMatchObject({ kind: 'rezept', state: 'done', status: 'done' })
  // The model was instructed in German.
  expect(world.emulator.sessions.map((s) => s.config.instructions ?? '').join('\n')).toContain('Sprechen Sie mit dem Anrufer immer Deutsch')
  await call.hangup()
  call.assertNoViolations()
}, 120_000)
