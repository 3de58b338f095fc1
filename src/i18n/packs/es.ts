/** @module i18n/packs/es — Spanish. */
import type { LanguagePack } from '../pack'
import { formsEs } from './forms/es'

const clock = (minutes: number): string => {
  const h = Math.floor(minutes / 60) % 24
  const m = minutes % 60
  return m === 0 ? `las ${h}` : `las ${h}:${String(m).padStart(2, '0')}`
}

const PLURAL = ['los domingos', 'los lunes', 'los martes', 'los miércoles', 'los jueves', 'los viernes', 'los sábados'] as const
const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1)
/** 'de mañana a las 10', 'del lunes 7 de diciembre …' */
const de = (when: string) => (when.startsWith('el ') ? `del ${when.slice(3)}` : `de ${when}`)
const to = (when: string) => (when.startsWith('el ') ? `al ${when.slice(3)}` : `a ${when}`)
const notice = (minutes: number): string => {
  if (minutes % 1440 === 0) return minutes === 1440 ? 'un día' : `${minutes / 1440} días`
  if (minutes % 60 === 0) return minutes === 60 ? 'una hora' : `${minutes / 60} horas`
  return `${minutes} minutos`
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
    technicalTrouble: 'Lo siento, ahora mismo tenemos problemas técnicos.',
    smsHelp: 'Responda CALL para continuar nuestra conversación, o STOP para no recibir más mensajes.',
    smsCallUsBack: 'Llámenos para continuar donde lo dejamos.',
    smsNoDialout: 'Llámenos, por favor, y continuaremos donde lo dejamos.',
    smsRateLimited: 'Ya hemos intentado llamarle varias veces. Llámenos cuando le venga bien.',
    smsAlreadyCalling: 'Ya le estamos llamando; conteste en un momento, por favor.',
    smsCallingNow: 'Le llamamos ahora.',
    voicemail: 'Hola, le llamamos de {business}. Intentamos devolverle la llamada por su solicitud ({task}). Responda CALL a nuestro SMS y le volveremos a llamar para continuar donde lo dejamos. ¡Adiós!',
    voicemailNoDialout: 'Hola, le llamamos de {business}. Intentamos devolverle la llamada por su solicitud ({task}). Llámenos y continuaremos donde lo dejamos. ¡Adiós!',
    request: 'solicitud',
    smsCalendarConfirmed: '{business}: su cita {when} está confirmada.',
    smsCalendarLost: '{business}: lo sentimos, no hemos podido confirmar su cita {when}; esa hora se ocupó mientras tanto en nuestro calendario. Llámenos para elegir otra hora.',
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
    timeFirst: (clock, day) => `${day} a ${clock}`,
  },
  booking: {
    askService: (names) => `¿Qué desea reservar: ${names}?`,
    unknownService: 'Lo siento, no ofrecemos ese servicio.',
    ambiguousService: (names) => `¿Se refiere a ${names}?`,
    askDate: '¿Qué día le viene bien?',
    askTime: '¿A qué hora le viene bien?',
    confirm: (what, when) => `¿Reservo ${what === '' ? 'la cita' : what.trim()} para ${when}?`,
    booked: (what, when) => `${what === '' ? 'Cita' : what.trim()} reservada para ${when}.`,
    summary: (what, when) => `${what === '' ? 'Su cita' : what.trim()} está confirmada para ${when}`,
    appointment: 'cita',
    held: (when) => `Le he reservado ${when}. Nuestro calendario no responde ahora mismo; recibirá un SMS cuando la cita esté confirmada.`,
    heldSummary: (when) => `Su cita para ${when} está reservada; se la confirmaremos por SMS`,
    cancelled: 'De acuerdo, he cancelado la solicitud de reserva.',
    checkFailed: 'Lo siento, ahora mismo no he podido consultar el calendario. Inténtelo de nuevo en un momento.',
    bookFailed: 'Lo siento, ahora mismo no he podido completar la reserva. Inténtelo de nuevo en un momento.',
    progress: (when) => `reservando una cita${when === '' ? '' : ` para ${when}`}`,
  },
  slots: {
    noDate: 'No he entendido qué día quiere decir.',
    noTime: 'No he entendido la hora.',
    askDayAgain: (problem, other) => `${problem} ¿Qué ${other ? 'otro ' : ''}día le viene bien?`,
    askTimeAgain: (problem) => `${problem} ¿A qué hora le viene bien?`,
    offer: (problem, slots) => `${problem === '' ? '' : `${problem} `}Puedo ofrecerle ${slots}. ¿Cuál le viene bien?`,
    taken: (when) => `Lo siento, ${when} ya está ocupado.`,
    past: 'Eso ya ha pasado.',
    dayOver: 'Hoy ya hemos cerrado.',
    closedOn: (d) => `${cap(PLURAL[d] ?? 'ese día')} cerramos.`,
    openOn: (d, spans) => `${cap(PLURAL[d] ?? 'ese día')} abrimos ${spans}.`,
    span: (from, to) => `de ${from} a ${to}`,
    notAligned: (every, nearest) => `Las citas empiezan cada ${every} minutos; la más cercana es a ${nearest}.`,
    holiday: (date) => `El ${date} cerramos.`,
    tooSoon: (minutes) => `Es demasiado pronto: necesitamos ${notice(minutes)} de antelación.`,
    tooFar: (days) => `Solo reservamos hasta ${days} días por adelantado.`,
    declined: 'No hay problema.',
    passed: 'Esa hora ya ha pasado.',
  },
  tasks: {
    book_appointment: { title: 'la reserva de su cita', noun: 'reserva' },
    cancel_appointment: { title: 'la cancelación de su cita', noun: 'cancelación' },
    reschedule_appointment: { title: 'el cambio de su cita', noun: 'cambio de cita' },
    check_availability: { title: 'la consulta de disponibilidad', noun: 'consulta' },
    leave_message: { title: 'su mensaje', noun: 'mensaje' },
  },
  cancel: {
    none: 'No he encontrado ninguna cita próxima para su número.',
    which: (list) => `Tiene citas ${list}. ¿Cuál cancelo?`,
    notFound: 'No he encontrado ninguna cita a esa hora.',
    confirm: (when) => `¿Cancelo su cita ${de(when)}?`,
    cancelled: (when) => `Su cita ${de(when)} está cancelada.`,
    summary: (when) => `Su cita ${de(when)} ha sido cancelada`,
    kept: 'De acuerdo, su cita se queda como está.',
    abandoned: 'De acuerdo, no cancelo nada.',
    lookupFailed: 'Lo siento, ahora mismo no he podido consultar sus citas. Inténtelo de nuevo en un momento.',
    cancelFailed: 'Lo siento, ahora mismo no he podido cancelar la cita. Inténtelo de nuevo en un momento.',
    progress: (when) => (when === '' ? 'cancelando una cita' : `cancelando su cita ${de(when)}`),
  },
  reschedule: {
    which: (list) => `Tiene citas ${list}. ¿Cuál cambio?`,
    found: (when) => `Su cita es ${when}.`,
    askDate: '¿A qué día quiere cambiarla?',
    confirm: (from, when) => `¿Cambio su cita ${de(from)} ${to(when)}?`,
    moved: (when) => `Hecho. Su cita es ahora ${when}.`,
    summary: (when) => `Su cita se ha cambiado ${to(when)}`,
    sameSlot: 'Su cita ya es a esa hora.',
    abandoned: 'De acuerdo, su cita se queda como está.',
    checkFailed: 'Lo siento, ahora mismo no he podido consultar el calendario. Inténtelo de nuevo en un momento.',
    moveFailed: 'Lo siento, ahora mismo no he podido cambiar la cita. Inténtelo de nuevo en un momento.',
    progress: (from, when) => (from === '' ? 'cambiando una cita' : `cambiando su cita ${de(from)}${when === '' ? '' : ` ${to(when)}`}`),
  },
  availability: {
    askDate: '¿Qué día quiere que consulte?',
    forService: (service, text) => `Para ${service}: ${text}`,
    free: (what) => `${cap(what)} está libre`,
    takenNoneNear: (what) => `${cap(what)} está ocupado y no hay nada libre cerca`,
    takenNearest: (what, n, slots) => `${cap(what)} está ocupado; ${n === 1 ? 'la hora libre más cercana es' : 'las horas libres más cercanas son'} ${slots}`,
    dayFree: (day, times) => `${cap(day)} tengo libre ${times}`,
    dayFull: (day) => `${cap(day)} está completo`,
    dayFullNext: (day, next) => `${cap(day)} está completo; la próxima hora libre es ${next}`,
    cancelled: 'De acuerdo, dejo de consultar.',
    failed: 'Lo siento, ahora mismo no he podido consultar el calendario. Inténtelo de nuevo en un momento.',
    progress: (when) => `consultando la disponibilidad${when === '' ? '' : ` para ${when}`}`,
  },
  message: {
    askName: '¿Me dice su nombre, por favor?',
    askMessage: '¿Qué mensaje quiere dejar?',
    askNumber: '¿A qué número le devolvemos la llamada?',
    readBack: (number) => `Tengo su nombre y su mensaje. Le devolveremos la llamada ${number === '' ? 'al número desde el que llama' : `al ${number}`}. ¿Lo paso?`,
    saved: 'Gracias. He pasado su mensaje.',
    summary: 'Su mensaje ha sido transmitido',
    badNumber: 'Eso no parece un número de teléfono.',
    declined: 'De acuerdo, empecemos de nuevo.',
    cancelled: 'De acuerdo, no dejo ningún mensaje.',
    failed: 'Lo siento, ahora mismo no he podido guardar su mensaje. Inténtelo de nuevo en un momento.',
    progress: 'tomando un mensaje',
  },
  forms: formsEs,
} as const satisfies LanguagePack
