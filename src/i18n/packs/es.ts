/** @module i18n/packs/es — Spanish. */
import type { LanguagePack } from '../pack'

const clock = (minutes: number): string => {
  const h = Math.floor(minutes / 60) % 24
  const m = minutes % 60
  return m === 0 ? `las ${h}` : `las ${h}:${String(m).padStart(2, '0')}`
}

export const es = {
  language: 'es',
  englishName: 'Spanish',
  call: {
    greeting: 'Hola, gracias por llamar a {business}. ¿En qué puedo ayudarle?',
    anythingElse: '¿Hay algo más en lo que pueda ayudarle?',
    openTasks: (titles) => `Todavía no hemos terminado ${titles.join(' y ')}. ¿Lo terminamos ahora?`,
    stillThere: '¿Sigue ahí?',
    silenceGoodbye: 'No le escucho, así que voy a terminar la llamada. Vuelva a llamarnos cuando quiera. ¡Adiós!',
    timeLimit: 'Hemos llegado al tiempo máximo de esta llamada. Gracias por llamar, ¡adiós!',
    transferring: 'Por supuesto. Le paso ahora con un compañero. Espere un momento, por favor.',
    transferFailed: 'Lo siento, ahora mismo no he podido localizar a nadie. ¿Hay algo más en lo que pueda ayudarle?',
    shutdown: 'Lo siento, tengo que terminar la llamada ahora. Vuelva a llamarnos, por favor. ¡Adiós!',
    shutdownSaved: 'Lo siento, tengo que terminar la llamada ahora. Todo lo que hemos hablado está guardado y le enviaremos un SMS para continuar.',
    closing: 'Gracias por llamar a {business}. ¡Que tenga un buen día!',
    closingDone: 'Me alegra haberle ayudado. {summary} ¡Que tenga un buen día!',
    welcomeBack: '¡Bienvenido de nuevo! Estábamos {what}. ¿Quiere continuar o empezar de nuevo?',
    welcomeBackDone: '¡Bienvenido de nuevo! {summary} ¿Hay algo más en lo que pueda ayudarle?',
    smsDropped: 'Nuestra llamada se cortó. Su solicitud ({task}) está guardada. Responda CALL para continuar donde lo dejamos.',
    smsSilence: 'Terminamos la llamada porque no le oíamos. Su solicitud ({task}) está guardada. Responda CALL para continuar donde lo dejamos.',
    smsNoCall: 'No encontramos ninguna llamada para continuar. Llame de nuevo a {business} y le ayudaremos con gusto.',
    somethingOpen: 'a mitad de algo',
  },
  dates: {
    today: 'hoy',
    tomorrow: 'mañana',
    locale: 'es-ES',
    clock,
    at: (day, time) => `${day} a ${time}`,
    onDay: (d, bare) => `${bare ? '' : 'el '}${d}`,
    or: 'o',
    and: 'y',
  },
  booking: {
    askService: (names) => `¿Qué desea reservar: ${names}?`,
    unknownService: (words) => `Lo siento, no ofrecemos ${JSON.stringify(words)}.`,
    ambiguousService: (names) => `¿Se refiere a ${names}?`,
    askDate: '¿Qué día le viene bien?',
    askTime: '¿A qué hora le viene bien?',
    confirm: (what, when) => `¿Reservo ${what === '' ? 'la cita' : what.trim()} para ${when}?`,
    booked: (what, when) => `${what === '' ? 'Cita' : what.trim()} reservada para ${when}.`,
    summary: (what, when) => `${what === '' ? 'Su cita' : what.trim()} está confirmada para ${when}`,
    appointment: 'cita',
  },
} as const satisfies LanguagePack
