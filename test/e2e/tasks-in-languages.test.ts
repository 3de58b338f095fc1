/**
 * Cancel, reschedule and leave a message in German and Spanish, end to end: the real server, the VoiceAI Connect
 * simulator and the Realtime emulator, whose brain understands these requests in the language its (German or
 * Spanish) instructions name. The caller speaks the language; the task lines come from the pack; the rows in SQLite
 * are checked.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import { greetedCall, turn } from '../kit/call-steps'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'
import type { Language } from '../../src/i18n/languages'

const CALLER = '+14155550166'
const tomorrowAt = (minutes: number) => dateMinutesToEpoch(addDays(localDate(Date.now(), 'UTC'), 1), minutes, 'UTC')

/** Per language: what the caller says and (lowercase) what the bot must say back at each step. */
const CASES: readonly {
  lang: Language
  greeted: string
  cancel: { say: string; asked: string; done: string }
  reschedule: { say: string; asked: string; when: string; confirm: string; done: string }
  message: { say: string; askedName: string; name: string; askedMessage: string; text: string; readBack: string; saved: string }
  yes: string
}[] = [
  {
    lang: 'de',
    greeted: 'wie kann ich ihnen helfen',
    cancel: { say: 'Ich möchte meinen Termin absagen.', asked: 'soll ich ihren termin morgen um 10 uhr absagen?', done: 'ihr termin morgen um 10 uhr ist abgesagt.' },
    reschedule: { say: 'Ich möchte meinen Termin verschieben.', asked: 'auf welchen tag möchten sie ihn verschieben?', when: 'Morgen um 11 Uhr.', confirm: 'soll ich ihren termin von morgen um 10 uhr auf morgen um 11 uhr verschieben?', done: 'erledigt. ihr termin ist jetzt morgen um 11 uhr.' },
    message: { say: 'Ich möchte eine Nachricht hinterlassen.', askedName: 'darf ich ihren namen erfahren?', name: 'Mein Name ist Anna Schmidt.', askedMessage: 'welche nachricht möchten sie hinterlassen?', text: 'Bitte rufen Sie mich wegen der Rechnung zurück.', readBack: 'soll ich sie weitergeben?', saved: 'ich habe ihre nachricht weitergegeben.' },
    yes: 'Ja, bitte.',
  },
  {
    lang: 'es',
    greeted: 'en qué puedo ayudarle',
    cancel: { say: 'Quiero cancelar mi cita.', asked: '¿cancelo su cita de mañana a las 10?', done: 'su cita de mañana a las 10 está cancelada.' },
    reschedule: { say: 'Quiero cambiar mi cita.', asked: '¿a qué día quiere cambiarla?', when: 'Mañana a las 11.', confirm: '¿cambio su cita de mañana a las 10 a mañana a las 11?', done: 'hecho. su cita es ahora mañana a las 11.' },
    message: { say: 'Quiero dejar un mensaje.', askedName: '¿me dice su nombre, por favor?', name: 'Me llamo Ana García.', askedMessage: '¿qué mensaje quiere dejar?', text: 'Por favor llámenme por la factura.', readBack: '¿lo paso?', saved: 'he pasado su mensaje.' },
    yes: 'Sí, por favor.',
  },
]

for (const c of CASES) {
  describe(`tasks in ${c.lang}`, () => {
    let world: World
    beforeAll(async () => {
      world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', BUSINESS_TIMEZONE: 'UTC', BUSINESS_LANGUAGE: c.lang } })
    })
    afterAll(async () => {
      await world.stop()
    })

    const start = () => greetedCall(world.call({ supportedMediaFormats: ['raw/lpcm16_24'], caller: CALLER }), c.greeted)
    const tasksOf = async (call: VaicSimulator) => {
      const row = (await world.server.store.calls.byConversation(call.conversationId))!
      return (await world.server.store.tasks.forCall(row.id)).map((t) => [t.kind, t.status])
    }

    test('cancel an appointment: found by the caller number, confirmed, cancelled', async () => {
      const id = `${c.lang}-cancel`
      await world.server.store.appointments.book({ id, caller: CALLER, startsAt: tomorrowAt(600), minutes: 30, at: Date.now() })
      const call = await start()
      await turn(call, c.cancel.say, c.cancel.asked)
      await turn(call, c.yes, c.cancel.done)
      expect((await world.server.store.appointments.get(id))?.status).toBe('cancelled')
      expect(await tasksOf(call)).toEqual([['cancel_appointment', 'done']])
      await call.hangup()
      call.assertNoViolations()
    }, 90_000)

    test('reschedule an appointment to another time the same day', async () => {
      const id = `${c.lang}-move`
      await world.server.store.appointments.book({ id, caller: CALLER, startsAt: tomorrowAt(600), minutes: 30, at: Date.now() })
      const call = await start()
      await turn(call, c.reschedule.say, c.reschedule.asked)
      await turn(call, c.reschedule.when, c.reschedule.confirm)
      await turn(call, c.yes, c.reschedule.done)
      expect((await world.server.store.appointments.get(id))?.starts_at).toBe(tomorrowAt(660))
      expect(await tasksOf(call)).toEqual([['reschedule_appointment', 'done']])
      await world.server.store.appointments.cancel(id, Date.now())
      await call.hangup()
      call.assertNoViolations()
    }, 90_000)

    test('leave a message: name, message, read-back, saved', async () => {
      const call = await start()
      await turn(call, c.message.say, c.message.askedName)
      await turn(call, c.message.name, c.message.askedMessage)
      await turn(call, c.message.text, c.message.readBack)
      await turn(call, c.yes, c.message.saved)
      expect(await tasksOf(call)).toEqual([['leave_message', 'done']])
      const saved = (await world.server.store.messages.list()).map((m) => [m.name, m.message])
      expect(saved).toEqual([[c.message.name.replace(/^(?:Mein Name ist|Me llamo) /, '').replace(/\.$/, '').toLowerCase(), c.message.text.toLowerCase()]])
      await call.hangup()
      call.assertNoViolations()
    }, 90_000)
  })
}
