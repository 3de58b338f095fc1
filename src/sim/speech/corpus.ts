/**
 * @module sim/speech/corpus
 * What the two recognizers of the speech demo expect to hear, as sentences for their domain language models
 * (language-model.ts): what callers of a booking line say, and what FastAgent says to them. Each corpus holds the
 * reference lines of shared/scenarios.md AND their everyday neighbours — other days, other times, other intents — so
 * the recognizer still has to tell "10 AM" from "10 PM" or "2 AM", and "booked" from "book", from the audio.
 */

const HOURS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']
const DAYS = ['today', 'tomorrow', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']

/** "10 AM", "10 PM", "10:30 AM" … for every hour: times are slots, the model must not know which one comes. */
function times(): string[] {
  return HOURS.flatMap((h) => [`${h} AM`, `${h} PM`, `${h}:30 AM`, `${h}:30 PM`])
}

/** The caller's lines of scenarios 1 and 2. */
export const CALLER_REFERENCE: readonly string[] = [
  'Book an appointment for tomorrow.',
  'What are your opening hours?',
  '10 AM.',
  'Yes.',
  "No, that's all I needed.",
  "Let's continue.",
  'Yes, please.',
  "No, that's all.",
]

/** What a caller says on a booking line (the scenarios' lines among them). */
export const CALLER_CORPUS: readonly string[] = [
  ...CALLER_REFERENCE,
  "I'd like to book an appointment.",
  'I want to book an appointment.',
  'Can I book an appointment?',
  'Can I make an appointment?',
  ...DAYS.map((d) => `Book an appointment for ${d}.`),
  ...DAYS.map((d) => `Can I come in ${d}?`),
  ...times().map((t) => `${t}.`),
  ...times().map((t) => `At ${t}.`),
  ...HOURS.map((h) => `Tomorrow at ${h} AM.`),
  'When are you open?',
  'Are you open on Sunday?',
  'What time do you close?',
  'Do you have anything available tomorrow?',
  'What times are available?',
  'I want to cancel my appointment.',
  'Can I reschedule my appointment?',
  'I would like to leave a message.',
  'Can I speak to a person?',
  'Yes, that is right.',
  'Yes, go ahead.',
  'Yeah, sure.',
  'No.',
  'No, thank you.',
  "That's all, thank you.",
  'Nothing else, thanks.',
  'Goodbye.',
  'Continue.',
  "Let's start over.",
  'Start over, please.',
  'Sorry, what did you say?',
  'Hello?',
]

/** FastAgent's lines in scenarios 1 and 2 (shared/scenarios.md), with the demo's business name and hours. */
export const BOT_REFERENCE: readonly string[] = [
  'Hello, thank you for calling FastAgent Clinic. How can I help you today?',
  'What time would you like?',
  "We're open Monday to Sunday, 8 AM to 8 PM.",
  'Book for tomorrow at 10 AM?',
  'Appointment booked for tomorrow at 10 AM.',
  'Appointment booked!',
  'Is there anything else I can help you with today?',
  "I'm glad I could help. Your appointment is confirmed for tomorrow at 10 AM. Have a great day!",
  'Welcome back! We were booking an appointment for tomorrow at 10 AM. Would you like to continue or start over?',
]

/** What FastAgent says (the scenarios' reference lines among them). */
export const BOT_CORPUS: readonly string[] = [
  ...BOT_REFERENCE,
  'Hello! How can I help you today?',
  'What day would you like?',
  'Which other day would suit you?',
  'What time would suit you?',
  ...DAYS.flatMap((d) => [`Book for ${d} at 9 AM?`, `Appointment booked for ${d} at 2 PM.`]),
  ...times().map((t) => `Book for tomorrow at ${t}?`),
  ...times().map((t) => `Sorry, tomorrow at ${t} is taken.`),
  'I can offer 11 AM, 2 PM or 3:30 PM. Which would suit you?',
  "We're open Monday to Friday, 9 AM to 5 PM.",
  "We're closed on Sundays.",
  'Your appointment is cancelled.',
  'Your appointment has been moved.',
  'Let me check.',
  'One moment, please.',
  'Sorry, could you say that again?',
  "Sorry, I couldn't do that.",
  'Are you still there?',
  'Sure, what else can I help you with?',
  'Let me connect you with a colleague.',
  'Thank you for calling. Goodbye!',
  'Have a great day!',
]
