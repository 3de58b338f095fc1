/**
 * @module sim/realtime/brain-language
 * What the emulated model understands and says of its own in each language. A real model is told the language in
 * its session instructions ("Speak German with the caller …"), so this brain reads it from there too; the words it
 * listens for are a small keyword policy per language, enough for the reference scenarios (intent to book, a day, a
 * time, yes/no, "that's all", opening hours, a person) and for cancelling, rescheduling and leaving a message. Lines the product fixes come to it as `Say exactly` and
 * function outputs, so it needs no copy of them; its own filler lines (re-prompt, "let me check") are here, and the
 * re-prompt on silence is the product's own pack line.
 */
import type { Language } from '../../i18n/languages'
import { packFor } from '../../i18n/packs'
import { words } from './phrases'

export type BrainWords = {
  readonly yes: RegExp
  readonly no: RegExp
  /** "that's all" after "anything else?" (a bare no counts). */
  readonly done: RegExp
  /** A goodbye whatever was asked. */
  readonly goodbye: RegExp
  readonly hours: RegExp
  readonly human: RegExp
  /** Asking for something to be done (not a short answer). */
  readonly request: RegExp
  readonly book: RegExp
  readonly startOver: RegExp
  readonly carryOn: RegExp
  /** Cancelling an existing appointment (not dropping the task in progress: `dropTask`). */
  readonly cancel: RegExp
  readonly reschedule: RegExp
  readonly message: RegExp
  readonly available: RegExp
  /** Dropping what is in progress ("never mind"). */
  readonly dropTask: RegExp
  /** Asking for something to be done with an appointment: not a question the FAQ answers. */
  readonly appointmentWords: RegExp
  /** Group 1: the name in "my name is Anne". */
  readonly myNameIs: RegExp
  /** The bot's last line asked "anything else?" / "continue or start over?" (normalised, lowercase). */
  readonly askedAnythingElse: (lastBot: string) => boolean
  readonly askedContinue: (lastBot: string) => boolean
  /**
   * How the session instructions of this language are laid out, as a model would find its way in them: the hours
   * line, the task status block, the services line, the FAQ entries.
   */
  readonly read: {
    /** Group 1: the hours. */
    readonly hours: RegExp
    readonly openTasks: RegExp
    readonly noOpenTasks: RegExp
    /** Group 1: the fields a task waits for. */
    readonly waitingFor: RegExp
    /** Group 1: the services. */
    readonly services: RegExp
    /** Group 1: a service's other names. */
    readonly alsoCalled: RegExp
    /** Global; groups 1 and 2: a question and its answer. */
    readonly faq: RegExp
  }
  readonly lines: {
    readonly greeting: string
    readonly idle: string
    readonly fallback: string
    readonly goodbye: string
    readonly whatElse: string
    readonly hours: (hours: string) => string
    readonly noHours: string
    readonly connecting: string
    readonly checking: string
    readonly failed: string
  }
}

const EN: BrainWords = {
  yes: /\b(?:yes|yeah|yep|yup|sure|correct|right|okay|ok|go ahead|please do|that's right|caller pressed 1)\b/,
  no: /\b(?:no|nope|nah|caller pressed 2)\b/,
  done: /\b(?:that's all|that is all|that's it|nothing else|no thanks|bye|goodbye|no)\b/,
  goodbye: /\b(?:bye|goodbye|that's all|that is all|nothing else)\b/,
  hours: /\b(?:opening hours|hours|open|close|closing)\b/,
  human: /\b(?:human|agent|person|representative|operator|someone real)\b/,
  request: /\b(?:book|appointment|schedule|reschedule|cancel|available|availability|message|hours|open)\b/,
  book: /\b(?:book|appointment|schedule)\b/,
  startOver: /\b(?:start over|start again|from scratch|restart)\b/,
  carryOn: /\b(?:continue|carry on|keep going|resume)\b/,
  cancel: /^(?=.*\bcancel\b)(?=.*\b(?:appointment|booking|reservation)\b)/,
  reschedule: /\b(?:reschedule|move)\b/,
  message: /\bmessage\b/,
  available: /\b(?:available|availability|free slot|free slots)\b/,
  dropTask: /\b(?:never mind|forget it|forget about it|cancel (?:that|it|this)|stop that)\b/,
  appointmentWords: /\b(?:book|appointment|schedule|reschedule|cancel)\b/,
  myNameIs: /\bmy name is ([a-z' -]+)/,
  askedAnythingElse: (b) => b.includes('anything else'),
  askedContinue: (b) => /continue/.test(b) && /start over/.test(b),
  read: {
    hours: /^Opening hours:\s*(.+)$/im,
    openTasks: /^\s*Open tasks:/i,
    noOpenTasks: /^\s*Open tasks:\s*none\b/i,
    waitingFor: /waiting for:\s*(.+)$/i,
    services: /^Services \([^)]*\):\s*(.+)$/m,
    alsoCalled: /also called: ([^)]*)\)/,
    faq: /^- Q: (.+)\n {2}A: (.+)$/gm,
  },
  lines: {
    greeting: 'Hello! How can I help you today?',
    idle: packFor('en').call.stillThere,
    fallback: 'Sorry, could you say that again?',
    goodbye: 'Thank you for calling. Goodbye!',
    whatElse: 'Sure, what else can I help you with?',
    hours: (h) => `We're open ${h}.`,
    noHours: "Sorry, I don't have our opening hours at hand.",
    connecting: 'Let me connect you with a colleague.',
    checking: 'Let me check.',
    failed: "Sorry, I couldn't do that.",
  },
}

const lower = (s: string) => s.toLowerCase()

const DE: BrainWords = {
  yes: words('ja|jawohl|genau|gerne|gern|richtig|okay|ok|passt|einverstanden|anrufer drückte 1|caller pressed 1'),
  no: words('nein|nee|caller pressed 2'),
  done: words('das ist alles|das wars|das war alles|nichts mehr|sonst nichts|nein danke|tschüss|auf wiederhören|nein'),
  goodbye: words('tschüss|auf wiederhören|das ist alles|das war alles|sonst nichts'),
  hours: words('öffnungszeiten|geöffnet|offen|wann haben sie auf'),
  human: words('mitarbeiter|mitarbeiterin|mensch|person|jemanden'),
  request: words('termin|buchen|reservieren|absagen|stornieren|verschieben|frei|nachricht|öffnungszeiten|geöffnet'),
  book: words('termin|buchen|reservieren'),
  startOver: words('neu beginnen|von vorn|von vorne|neu anfangen'),
  carryOn: words('weitermachen|weiter|fortsetzen'),
  cancel: words('absagen|stornieren|streichen'),
  reschedule: words('verschieben|verlegen|umbuchen|umlegen'),
  message: words('nachricht'),
  available: words('frei|verfügbar|freie termine'),
  dropTask: words('vergessen sie es|vergessen sie das|lassen wir das|schon gut|abbrechen'),
  appointmentWords: words('termin|buchen|absagen|stornieren|verschieben|verlegen'),
  myNameIs: /(?<![\p{L}])(?:mein name ist|ich heiße|hier spricht) ([\p{L}' -]+)/u,
  askedAnythingElse: (b) => b.includes(lower(packFor('de').call.anythingElse).replace(/[?.!]/g, '')),
  askedContinue: (b) => b.includes('weitermachen') && b.includes('neu beginnen'),
  read: {
    hours: /^Öffnungszeiten:\s*(.+)$/im,
    openTasks: /^\s*Offene Aufgaben:/i,
    noOpenTasks: /^\s*Offene Aufgaben:\s*keine\b/i,
    waitingFor: /wartet auf:\s*(.+)$/i,
    services: /^Leistungen \([^)]*\):\s*(.+)$/m,
    alsoCalled: /auch genannt: ([^)]*)\)/,
    faq: /^- Frage: (.+)\n {2}Antwort: (.+)$/gm,
  },
  lines: {
    greeting: 'Hallo! Wie kann ich Ihnen helfen?',
    idle: packFor('de').call.stillThere,
    fallback: 'Entschuldigung, können Sie das bitte wiederholen?',
    goodbye: 'Vielen Dank für Ihren Anruf. Auf Wiederhören!',
    whatElse: 'Gerne, was kann ich noch für Sie tun?',
    hours: (h) => `Unsere Öffnungszeiten: ${h}.`,
    noHours: 'Unsere Öffnungszeiten habe ich gerade leider nicht zur Hand.',
    connecting: 'Ich verbinde Sie mit einer Kollegin oder einem Kollegen.',
    checking: 'Ich sehe nach.',
    failed: 'Das hat leider nicht geklappt.',
  },
}

const ES: BrainWords = {
  yes: words('sí|si|claro|vale|correcto|de acuerdo|perfecto|caller pressed 1'),
  no: words('no|caller pressed 2'),
  done: words('eso es todo|es todo|nada más|no gracias|adiós|no'),
  goodbye: words('adiós|eso es todo|nada más'),
  hours: words('horario|horarios|abren|abierto|cierran'),
  human: words('persona|agente|alguien|humano'),
  request: words('cita|reservar|reserva|cancelar|anular|cambiar|disponible|mensaje|horario|abren'),
  book: words('cita|reservar|reserva'),
  startOver: words('empezar de nuevo|desde el principio|de nuevo'),
  carryOn: words('continuar|seguir|sigamos|continuemos'),
  cancel: words('cancelar|anular'),
  reschedule: words('cambiar|mover|aplazar|reprogramar'),
  message: words('mensaje|recado'),
  available: words('disponible|disponibilidad|libre|huecos'),
  dropTask: words('olvídelo|déjelo|da igual|no importa|olvídalo'),
  appointmentWords: words('cita|reservar|cancelar|anular|cambiar'),
  myNameIs: /(?<![\p{L}])(?:me llamo|mi nombre es|soy) ([\p{L}' -]+)/u,
  askedAnythingElse: (b) => b.includes(lower(packFor('es').call.anythingElse).replace(/[¿?.!¡]/g, '')),
  askedContinue: (b) => b.includes('continuar') && b.includes('empezar de nuevo'),
  read: {
    hours: /^Horario:\s*(.+)$/im,
    openTasks: /^\s*Tareas abiertas:/i,
    noOpenTasks: /^\s*Tareas abiertas:\s*ninguna\b/i,
    waitingFor: /a la espera de:\s*(.+)$/i,
    services: /^Servicios \([^)]*\):\s*(.+)$/m,
    alsoCalled: /también llamado: ([^)]*)\)/,
    faq: /^- Pregunta: (.+)\n {2}Respuesta: (.+)$/gm,
  },
  lines: {
    greeting: '¡Hola! ¿En qué puedo ayudarle?',
    idle: packFor('es').call.stillThere,
    fallback: 'Perdone, ¿puede repetirlo?',
    goodbye: 'Gracias por llamar. ¡Adiós!',
    whatElse: 'Claro, ¿en qué más puedo ayudarle?',
    hours: (h) => `Nuestro horario: ${h}.`,
    noHours: 'Lo siento, ahora no tengo nuestro horario a mano.',
    connecting: 'Le paso con un compañero.',
    checking: 'Lo consulto.',
    failed: 'Lo siento, no he podido hacerlo.',
  },
}

export const BRAIN_WORDS: { readonly [L in Language]: BrainWords } = { en: EN, de: DE, es: ES }

/**
 * The language the session instructions tell the model to speak, as they say it: "Sprechen Sie … Deutsch",
 * "Hable … español" (or, in English, "Speak German"/"Speak Spanish"); else English.
 */
export function instructedLanguage(instructions: string): Language {
  if (/\bSprechen Sie\b[^.\n]*\bDeutsch\b/.test(instructions)) return 'de'
  if (/\bHable\b[^.\n]*\bespañol\b/.test(instructions)) return 'es'
  const m = /\bSpeak (German|Spanish)\b/.exec(instructions)
  return m?.[1] === 'German' ? 'de' : m?.[1] === 'Spanish' ? 'es' : 'en'
}
