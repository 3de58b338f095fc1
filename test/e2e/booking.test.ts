/**
 * Scenario 1 of ../shared/scenarios.md through the real server, the VoiceAI Connect simulator and the Realtime
 * emulator (the same script the demo plays), plus what the demo does not show: the rows in SQLite. Played in
 * English, German and Spanish (BUSINESS_LANGUAGE): the caller speaks the language, the bot's fixed lines come from
 * its pack, and the model is instructed in it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import { bookingScenario } from '../../src/sim/scenarios'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'
import type { Language } from '../../src/i18n/languages'

/**
 * What only this test checks per language: the closing's words, one caller line and one bot line of the transcript;
 * sentences of the model's instructions (the hours in the language's words, the re-prompt) and English ones a
 * German or Spanish call's instructions must not hold; and the hours the emulated model told the caller, read from
 * those instructions.
 */
const CASES: readonly { lang: Language; closing: string; callerTime: string; botAsked: string; instructed: readonly string[]; notEnglish: boolean; hoursSaid: string }[] = [
  { lang: 'en', closing: 'have a great day', callerTime: '10 am.', botAsked: 'What time', instructed: ['Opening hours: Monday to Sunday, 8 AM to 8 PM.', 'ask "Are you still there?"', 'Open tasks: none'], notEnglish: false, hoursSaid: "We're open Monday to Sunday, 8 AM to 8 PM." },
  {
    lang: 'de',
    closing: 'einen schönen tag noch',
    callerTime: 'um 10 uhr.',
    botAsked: 'Um wie viel Uhr möchten Sie kommen?',
    instructed: ['Sprechen Sie mit dem Anrufer immer Deutsch', 'Öffnungszeiten: Montag bis Sonntag, 8 Uhr bis 20 Uhr.', 'fragen Sie "Sind Sie noch da?"', 'Offene Aufgaben: keine', 'book_appointment'],
    notEnglish: true,
    hoursSaid: 'Unsere Öffnungszeiten: Montag bis Sonntag, 8 Uhr bis 20 Uhr.',
  },
  {
    lang: 'es',
    closing: 'que tenga un buen día',
    callerTime: 'a las 10.',
    botAsked: '¿A qué hora le viene bien?',
    instructed: ['Hable siempre en español', 'Horario: de lunes a domingo, de las 8 a las 20.', 'pregunte "¿Sigue ahí?"', 'Tareas abiertas: ninguna'],
    notEnglish: true,
    hoursSaid: 'Nuestro horario: de lunes a domingo, de las 8 a las 20.',
  },
]

/** Sentences of the English instructions: none may be left in a German or Spanish call's. */
const ENGLISH = /\b(?:You are|Opening hours|Open tasks|waiting for|It is now|Tasks:|When the caller|If the caller|Speak)\b/

for (const c of CASES) {
  describe(`scenario 1 in ${c.lang}`, () => {
    let world: World
    beforeAll(async () => {
      world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', BUSINESS_LANGUAGE: c.lang } })
    })
    afterAll(async () => {
      await world.stop()
    })

    test('book with a pivot, anything else, closing summary, hang-up after playback', async () => {
      const { steps, calls } = await bookingScenario(world, { step: () => undefined }, { caller: '+14155550123', language: c.lang })
      expect(steps).toContain('hang-up after the summary was played')
      const call = calls[0]!
      // The hang-up activity came only after the closing line had finished playing.
      const hangup = call.log.find((e) => e.dir === 'in' && e.type === 'activities' && JSON.stringify(e.message ?? {}).includes('"hangup"'))
      const closing = call.streams.find((s) => s.text.toLowerCase().includes(c.closing))
      expect(hangup).toBeDefined()
      expect(closing?.finishedAt).toBeDefined()
      expect((closing?.finishedAt ?? Infinity) <= (hangup?.t ?? 0)).toBe(true)

      // The booking: tomorrow 10:00 in the business zone, tied to the caller's number; the task is done.
      const tomorrow = addDays(localDate(Date.now(), 'UTC'), 1)
      const rows = await world.server.store.appointments.upcomingFor('+14155550123', 0)
      expect(rows.map((r) => r.starts_at)).toEqual([dateMinutesToEpoch(tomorrow, 600, 'UTC')])
      const row = (await world.server.store.calls.byConversation(call.conversationId))!
      await Bun.sleep(100)
      expect((await world.server.store.calls.get(row.id))?.end_reason).toBe('completed')
      const tasks = await world.server.store.tasks.forCall(row.id)
      expect(tasks.map((t) => [t.kind, t.status, t.state])).toEqual([['book_appointment', 'done', 'booked']])
      // Every transition was checkpointed with its event.
      expect((await world.server.store.tasks.journal(tasks[0]!.id)).map((j) => (j.event as { type: string }).type)).toEqual(['start', 'input', 'availability', 'input', 'booked'])
      // The transcript has both sides, in the call's language, and the tool calls.
      const transcript = await world.server.store.transcript.list(row.id)
      expect(transcript.filter((r) => r.role === 'caller').map((r) => r.text.toLowerCase())).toContain(c.callerTime)
      expect(transcript.some((r) => r.role === 'bot' && r.text.includes(c.botAsked))).toBe(true)
      expect(transcript.some((r) => r.role === 'tool' && r.text.startsWith('book_appointment('))).toBe(true)
      // The model is instructed in the call's language: every session.update's instructions, hours and date included.
      const updates = world.emulator.sessions.flatMap((s) => s.received.filter((e) => e.event.type === 'session.update').map((e) => JSON.stringify(e.event.raw)))
      expect(updates.length).toBeGreaterThan(0)
      const instructions = world.emulator.sessions.map((s) => s.config.instructions ?? '').join('\n')
      for (const line of c.instructed) expect(instructions).toContain(line)
      if (c.notEnglish) expect(instructions).not.toMatch(ENGLISH)
      // While the booking waited, the status block said so in the language.
      if (c.lang === 'de') expect(updates.join('\n')).toContain('book_appointment: eine Terminbuchung für morgen; wartet auf: time')
      // The date in the instructions is written in the language (Intl, in the business's zone).
      const weekday = new Intl.DateTimeFormat(c.lang === 'en' ? 'en-US' : c.lang === 'de' ? 'de-DE' : 'es-ES', { weekday: 'long', timeZone: 'UTC' }).format(new Date())
      expect(instructions).toContain(weekday)
      // Asked for the opening hours mid-booking, the emulated model answered from those instructions, in the language.
      expect(transcript.some((r) => r.role === 'bot' && r.text.includes(c.hoursSaid))).toBe(true)
      // A completed call is never a drop: no SMS.
      expect(world.twilio.messages).toHaveLength(0)
    }, 120_000)
  })
}
