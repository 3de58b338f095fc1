/** @module i18n/packs/de — German. */
import type { LanguagePack } from '../pack'

const clock = (minutes: number): string => {
  const h = Math.floor(minutes / 60) % 24
  const m = minutes % 60
  return m === 0 ? `${h} Uhr` : `${h}:${String(m).padStart(2, '0')} Uhr`
}

export const de = {
  language: 'de',
  englishName: 'German',
  call: {
    greeting: 'Guten Tag, vielen Dank für Ihren Anruf bei {business}. Wie kann ich Ihnen helfen?',
    anythingElse: 'Kann ich sonst noch etwas für Sie tun?',
    openTasks: (titles) => `Wir sind mit ${titles.join(' und ')} noch nicht fertig. Sollen wir das jetzt abschließen?`,
    stillThere: 'Sind Sie noch da?',
    silenceGoodbye: 'Ich höre nichts mehr von Ihnen, daher beende ich das Gespräch jetzt. Rufen Sie gerne wieder an. Auf Wiederhören!',
    timeLimit: 'Wir haben die maximale Gesprächsdauer erreicht. Vielen Dank für Ihren Anruf und auf Wiederhören!',
    transferring: 'Gerne. Ich verbinde Sie jetzt mit einer Kollegin oder einem Kollegen. Bitte bleiben Sie dran.',
    transferFailed: 'Es tut mir leid, ich konnte gerade niemanden erreichen. Kann ich sonst noch etwas für Sie tun?',
    shutdown: 'Es tut mir leid, ich muss das Gespräch jetzt beenden. Bitte rufen Sie uns wieder an. Auf Wiederhören!',
    shutdownSaved: 'Es tut mir leid, ich muss das Gespräch jetzt beenden. Alles Besprochene ist gespeichert, und wir schicken Ihnen eine SMS, damit wir dort weitermachen können.',
    closing: 'Vielen Dank für Ihren Anruf bei {business}. Einen schönen Tag noch!',
    closingDone: 'Schön, dass ich helfen konnte. {summary} Einen schönen Tag noch!',
    welcomeBack: 'Willkommen zurück! Wir waren dabei: {what}. Möchten Sie weitermachen oder neu beginnen?',
    welcomeBackDone: 'Willkommen zurück! {summary} Kann ich sonst noch etwas für Sie tun?',
    smsDropped: 'Unser Gespräch wurde unterbrochen. Ihre Anfrage ({task}) ist gespeichert. Antworten Sie mit CALL, dann machen wir dort weiter.',
    smsSilence: 'Wir haben das Gespräch beendet, weil wir Sie nicht mehr gehört haben. Ihre Anfrage ({task}) ist gespeichert. Antworten Sie mit CALL, dann machen wir dort weiter.',
    smsNoCall: 'Wir haben kein Gespräch zum Fortsetzen gefunden. Bitte rufen Sie {business} noch einmal an, wir helfen Ihnen gerne.',
    somethingOpen: 'mitten in einer Anfrage',
  },
  dates: {
    today: 'heute',
    tomorrow: 'morgen',
    locale: 'de-DE',
    clock,
    at: (day, time) => `${day} um ${time}`,
    onDay: (d, bare) => `${bare ? '' : 'am '}${d}`,
    or: 'oder',
    and: 'und',
  },
  booking: {
    askService: (names) => `Was möchten Sie buchen: ${names}?`,
    unknownService: (words) => `Das bieten wir leider nicht an: ${JSON.stringify(words)}.`,
    ambiguousService: (names) => `Meinen Sie ${names}?`,
    askDate: 'An welchem Tag möchten Sie kommen?',
    askTime: 'Um wie viel Uhr möchten Sie kommen?',
    confirm: (what, when) => `Soll ich ${what === '' ? 'den Termin' : what.trim()} für ${when} buchen?`,
    booked: (what, when) => `${what === '' ? 'Termin' : what.trim()} für ${when} ist gebucht.`,
    summary: (what, when) => `${what === '' ? 'Ihr Termin' : what.trim()} ist für ${when} bestätigt`,
    appointment: 'Termin',
  },
} as const satisfies LanguagePack
