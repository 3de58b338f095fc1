/**
 * @module i18n/pack
 * A language pack: every line the bot says on its own, in one language. The type lists every key, so a pack that
 * lacks one does not compile (see packs.types.test.ts). Templates use `{business}`, `{summary}`, `{what}`, `{task}`.
 */
import type { Language } from './languages'

export type CallLines = {
  readonly greeting: string
  readonly anythingElse: string
  readonly openTasks: (titles: readonly string[]) => string
  readonly stillThere: string
  readonly silenceGoodbye: string
  readonly timeLimit: string
  readonly transferring: string
  readonly transferFailed: string
  readonly shutdown: string
  readonly shutdownSaved: string
  /** Nothing was done: "Thank you for calling {business}. Have a great day!" */
  readonly closing: string
  /** "I'm glad I could help. {summary} Have a great day!" */
  readonly closingDone: string
  /** "Welcome back! We were {what}. Would you like to continue or start over?" */
  readonly welcomeBack: string
  /** "Welcome back! {summary} Is there anything else I can help you with today?" */
  readonly welcomeBackDone: string
  /** The drop SMS: "… Your {task} request was saved. Reply CALL …" */
  readonly smsDropped: string
  /** The SMS after the bot hung up on silence with a task open: "… we couldn't hear you. Your {task} request …" */
  readonly smsSilence: string
  /** A CALL reply with nothing to continue. */
  readonly smsNoCall: string
  /** What "in the middle of something" is when no task summary is known. */
  readonly somethingOpen: string
}

export type DateWords = {
  readonly today: string
  readonly tomorrow: string
  /** BCP 47 locale for weekday and month names. */
  readonly locale: string
  /** "10 AM" / "10 Uhr" / "las 10" */
  readonly clock: (minutes: number) => string
  /** "tomorrow at 10 AM" */
  readonly at: (day: string, clock: string) => string
  /** "on Monday, December 1" (bare: without "on"). */
  readonly onDay: (weekdayAndDate: string, bare: boolean) => string
  readonly or: string
  readonly and: string
}

export type BookingLines = {
  readonly askService: (names: string) => string
  readonly unknownService: (words: string) => string
  readonly ambiguousService: (names: string) => string
  readonly askDate: string
  readonly askTime: string
  readonly confirm: (what: string, when: string) => string
  readonly booked: (what: string, when: string) => string
  readonly summary: (what: string, when: string) => string
  /** The default "what" when the business has one service. */
  readonly appointment: string
}

export type LanguagePack = {
  readonly language: Language
  /** The language's English name, for the model's instructions ("Speak German"). */
  readonly englishName: string
  readonly call: CallLines
  readonly dates: DateWords
  readonly booking: BookingLines
}

/** Fills `{name}` placeholders. */
export const fill = (template: string, values: Readonly<Record<string, string>>): string =>
  template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m)
