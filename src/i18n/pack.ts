/**
 * @module i18n/pack
 * A language pack: every line the bot says on its own, in one language. The type lists every key, so a pack that
 * lacks one does not compile (see packs.types.test.ts). Templates use `{business}`, `{summary}`, `{what}`, `{task}`.
 */
import type { Language } from './languages'
import type { FormLines } from './form-lines'

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
  /** The recorded apology's text when the model cannot speak (the clip itself is English; this is its altText). */
  readonly technicalTrouble: string
  /** SMS replies to the caller's texts. */
  readonly smsHelp: string
  /** Replaces the "Reply CALL …" sentence of an SMS when dial-out is not configured. */
  readonly smsCallUsBack: string
  readonly smsNoDialout: string
  readonly smsRateLimited: string
  readonly smsAlreadyCalling: string
  readonly smsCallingNow: string
  /** What an answering machine hears when a callback is not picked up ({business}, {task}). */
  readonly voicemail: string
  readonly voicemailNoDialout: string
  /** The word for a request whose task has no noun of its own. */
  readonly request: string
  /** The SMS when a booking held while the calendar was away is confirmed, or lost ({business}, {when}). */
  readonly smsCalendarConfirmed: string
  readonly smsCalendarLost: string
  /** A step the caller asked for is not saved yet (the database is slow or away): "One moment, please …" */
  readonly saving: string
  /** Still not saved after STORE_WAIT_SECONDS: the offer to text the result (never says it is done). */
  readonly savingSlow: string
  /** The same without a number to text. */
  readonly savingSlowNoText: string
  /** The text with the result of such a step, once it is saved after the call ended ({business}, {summary}). */
  readonly smsSavedLater: string
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
  /** "10 AM tomorrow": time first, for "… is available". */
  readonly timeFirst: (clock: string, day: string) => string
}

export type BookingLines = {
  readonly askService: (names: string) => string
  /** Not the caller's words: what they asked for is free text, and the line is the bot's own. */
  readonly unknownService: string
  readonly ambiguousService: (names: string) => string
  readonly askDate: string
  readonly askTime: string
  readonly confirm: (what: string, when: string) => string
  readonly booked: (what: string, when: string) => string
  readonly summary: (what: string, when: string) => string
  /** The default "what" when the business has one service. */
  readonly appointment: string
}

/** Why a day or a time cannot be booked, and the questions that follow; shared by every slot-collecting task. */
export type SlotLines = {
  readonly noDate: string
  readonly noTime: string
  /** "{problem} Which (other) day would suit you?" — `other` when a day was understood but cannot be used. */
  readonly askDayAgain: (problem: string, other: boolean) => string
  readonly askTimeAgain: (problem: string) => string
  /** "{problem} I can offer 10 AM or 11 AM. Which would suit you?" (problem may be ''). */
  readonly offer: (problem: string, slots: string) => string
  readonly taken: (when: string) => string
  readonly past: string
  readonly dayOver: string
  readonly closedOn: (weekday: number) => string
  /** "On Mondays we're open from 9 AM to 5 PM" — `spans` already joined. */
  readonly openOn: (weekday: number, spans: string) => string
  readonly span: (from: string, to: string) => string
  readonly notAligned: (every: number, nearest: string) => string
  /** `date` is the spoken day and month. */
  readonly holiday: (date: string) => string
  readonly tooSoon: (minutes: number) => string
  readonly tooFar: (days: number) => string
  readonly declined: string
  readonly passed: string
}

/** What a task is called: in "We were {summary}", in the SMS ("Your {noun} request"), in "We haven't finished {title}". */
export type TaskWords = { readonly title: string; readonly noun: string }

export type TaskNames = {
  readonly book_appointment: TaskWords
  readonly cancel_appointment: TaskWords
  readonly reschedule_appointment: TaskWords
  readonly check_availability: TaskWords
  readonly leave_message: TaskWords
}

export type BookingMore = {
  readonly held: (when: string) => string
  readonly heldSummary: (when: string) => string
  readonly cancelled: string
  readonly checkFailed: string
  readonly bookFailed: string
  /** "booking an appointment for tomorrow at 10 AM" (`when` bare, may be ''). */
  readonly progress: (when: string) => string
}

export type CancelLines = {
  readonly none: string
  readonly which: (list: string) => string
  readonly notFound: string
  readonly confirm: (when: string) => string
  readonly cancelled: (when: string) => string
  readonly summary: (when: string) => string
  readonly kept: string
  readonly abandoned: string
  readonly lookupFailed: string
  readonly cancelFailed: string
  readonly progress: (when: string) => string
}

export type RescheduleLines = {
  readonly which: (list: string) => string
  readonly found: (when: string) => string
  readonly askDate: string
  readonly confirm: (from: string, to: string) => string
  readonly moved: (when: string) => string
  readonly summary: (when: string) => string
  readonly sameSlot: string
  readonly abandoned: string
  readonly checkFailed: string
  readonly moveFailed: string
  /** from/to may be '' (not known yet). */
  readonly progress: (from: string, to: string) => string
}

export type AvailabilityLines = {
  readonly askDate: string
  /** "For a check-up, …" */
  readonly forService: (service: string, text: string) => string
  readonly free: (what: string) => string
  readonly takenNoneNear: (what: string) => string
  readonly takenNearest: (what: string, count: number, slots: string) => string
  readonly dayFree: (day: string, times: string) => string
  readonly dayFull: (day: string) => string
  readonly dayFullNext: (day: string, next: string) => string
  readonly cancelled: string
  readonly failed: string
  readonly progress: (when: string) => string
}

export type MessageLines = {
  readonly askName: string
  readonly askMessage: string
  readonly askNumber: string
  /** `number` '' means the number they are calling from. */
  /** The caller's name and message are free text: referred to, never quoted ('' number: the one they call from). */
  readonly readBack: (number: string) => string
  readonly saved: string
  readonly summary: string
  readonly badNumber: string
  readonly declined: string
  readonly cancelled: string
  readonly failed: string
  readonly progress: string
}

/**
 * The model's session instructions (realtime/instructions), in the call's language: the model is instructed in the
 * language it speaks. Tool, field and task names stay as they are (they are the API the model calls); everything
 * else is said in the language. Caller words never reach these lines: they take configuration (the business's
 * name, hours, services, FAQ) and lines the product built.
 */
export type InstructionLines = {
  /** "You are the phone assistant of {business}. …" */
  readonly persona: string
  /** Which language to speak and understand, and that the task agents' lines are already in it. */
  readonly speak: string
  /** "It is now {now} ({zone})." — `now` is the date and time written out in the pack's locale. */
  readonly now: (now: string, timeZone: string) => string
  /** The hours line's label: "Opening hours" in "Opening hours: Monday to Friday, 9 AM to 5 PM." */
  readonly hoursLabel: string
  /** The hours when no day has any. */
  readonly closed: string
  /** "Monday to Friday" (weekday names come from Intl in the pack's locale). */
  readonly dayRange: (first: string, last: string) => string
  /** "9 AM to 5 PM" (clock times from `dates.clock`). */
  readonly hoursSpan: (from: string, to: string) => string
  /** The services line's label, with how to pass a service to the tools. */
  readonly servicesLabel: string
  /** "Check-up (30 minutes, also called: examination, exam)" — `synonyms` already joined, may be ''. */
  readonly service: (name: string, minutes: number, synonyms: string) => string
  /** How tasks work: starting them, task_input, never inventing results. */
  readonly tasks: string
  /** The caller may talk about something else while a task waits; task_cancel. */
  readonly whileWaiting: string
  readonly endCall: string
  /** Added when a transfer target is configured. */
  readonly transfer: string
  /** `stillThere` is the pack's re-prompt. */
  readonly silence: (stillThere: string) => string
  /** The FAQ block's heading: answer from it, do not improvise. */
  readonly faqIntro: string
  /** "Q" and "A" in "- Q: … / A: …". */
  readonly faqQ: string
  readonly faqA: string
  /** The task status block: "Open tasks:", "none", "waiting for:", and what an open task may wait for. */
  readonly openTasks: string
  readonly none: string
  readonly waitingFor: string
  readonly waitingResume: string
  readonly waitingAgent: string
}

export type LanguagePack = {
  readonly language: Language
  /** The language's English name, for the model's instructions ("Speak German"). */
  readonly englishName: string
  readonly call: CallLines
  readonly dates: DateWords
  readonly booking: BookingLines & BookingMore
  readonly slots: SlotLines
  readonly tasks: TaskNames
  readonly cancel: CancelLines
  readonly reschedule: RescheduleLines
  readonly availability: AvailabilityLines
  readonly message: MessageLines
  /** Declared forms and look-ups. */
  readonly forms: FormLines
  /** The model's instructions. */
  readonly instructions: InstructionLines
}

/** Fills `{name}` placeholders. */
export const fill = (template: string, values: Readonly<Record<string, string>>): string =>
  template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m)
