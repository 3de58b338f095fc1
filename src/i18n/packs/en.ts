/** @module i18n/packs/en — English, the lines FastAgent shipped with. */
import type { LanguagePack } from '../pack'

const clock = (minutes: number): string => {
  const h = Math.floor(minutes / 60) % 24
  const m = minutes % 60
  const h12 = h % 12 === 0 ? 12 : h % 12
  return `${m === 0 ? h12 : `${h12}:${String(m).padStart(2, '0')}`} ${h < 12 ? 'AM' : 'PM'}`
}

export const en = {
  language: 'en',
  englishName: 'English',
  call: {
    greeting: 'Hello, thank you for calling {business}. How can I help you today?',
    anythingElse: 'Is there anything else I can help you with today?',
    openTasks: (titles) => `We haven't finished ${titles.join(' and ')} yet. Shall we finish it now?`,
    stillThere: 'Are you still there?',
    silenceGoodbye: "I haven't heard from you, so I'll end the call now. Feel free to call us again. Goodbye!",
    timeLimit: "We've reached the time limit for this call. Thank you for calling, and goodbye!",
    transferring: "Of course. I'll connect you with a colleague now. Please hold.",
    transferFailed: "I'm sorry, I couldn't reach anyone right now. Is there anything else I can help you with?",
    shutdown: "I'm sorry, I have to end the call now. Please call us again. Goodbye!",
    shutdownSaved: "I'm sorry, I have to end the call now. Everything we discussed is saved, and we'll text you so we can pick up where we left off.",
    closing: 'Thank you for calling {business}. Have a great day!',
    closingDone: "I'm glad I could help. {summary} Have a great day!",
    welcomeBack: 'Welcome back! We were {what}. Would you like to continue or start over?',
    welcomeBackDone: 'Welcome back! {summary} Is there anything else I can help you with today?',
    smsDropped: 'Our call was disconnected. Your {task} request was saved. Reply CALL to continue where we left off.',
    smsSilence: "We ended our call because we couldn't hear you. Your {task} request was saved. Reply CALL to continue where we left off.",
    smsNoCall: "We couldn't find a call to continue. Please call {business} again and we'll be glad to help.",
    somethingOpen: 'in the middle of something',
  },
  dates: {
    today: 'today',
    tomorrow: 'tomorrow',
    locale: 'en-US',
    clock,
    at: (day, time) => `${day} at ${time}`,
    onDay: (d, bare) => `${bare ? '' : 'on '}${d}`,
    or: 'or',
    and: 'and',
  },
  booking: {
    askService: (names) => `Which would you like: ${names}?`,
    unknownService: (words) => `Sorry, we don't offer ${JSON.stringify(words)}.`,
    ambiguousService: (names) => `Do you mean ${names}?`,
    askDate: 'What day would you like?',
    askTime: 'What time would you like?',
    confirm: (what, when) => `Book ${what}for ${when}?`,
    booked: (what, when) => `${what === '' ? 'Appointment ' : what.charAt(0).toUpperCase() + what.slice(1)}booked for ${when}.`,
    summary: (what, when) => `Your ${what === '' ? 'appointment ' : what}is confirmed for ${when}`,
    appointment: 'appointment',
  },
} as const satisfies LanguagePack
