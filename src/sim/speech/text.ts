/**
 * @module sim/speech/text
 * The two spellings of a sentence the speech loop deals with. The SPOKEN form is what a recognizer's dictionary
 * knows — lower-case words only, "10 AM" as "ten am", "FastAgent" as "fast agent" — and is how the language models
 * are written. The WRITTEN form is what the booking brain and the product expect ("10 am", as a transcription model
 * would write it), so a recognizer's output is turned back into it before anyone reads it.
 *
 * Key words are what the speech tests assert on, never a whole transcript: a sentence's words minus function words,
 * with a clock time ("10 am") kept as one slot because only the whole of it means something.
 */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen']
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']

/** 0–99 in words ("forty five"); other numbers digit by digit, which is how a voice reads a long number. */
export function numberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0) return String(n)
  if (n < 20) return ONES[n]!
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 === 0 ? '' : ` ${ONES[n % 10]!}`)
  return [...String(n)].map((d) => ONES[Number(d)]!).join(' ')
}

/** "30" → "thirty", "05" → "oh five", "00" → "" (as in "ten o'clock" said "ten"). */
function minuteWords(mm: string): string {
  const m = Number(mm)
  if (m === 0) return ''
  return m < 10 ? `oh ${ONES[m]!}` : numberWords(m)
}

/** The written sentence as the words a recognizer's dictionary knows. */
export function spokenForm(text: string): string {
  return (
    text
      // "FastAgent" is one brand word but two dictionary words; a voice reads it as two.
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .replace(/[\u2018\u2019]/g, "'")
      .replace(/\ba\.m\.?/g, 'am')
      .replace(/\bp\.m\.?/g, 'pm')
      .replace(/\b(\d{1,2}):(\d{2})\b/g, (_m, h: string, mm: string) => `${numberWords(Number(h))} ${minuteWords(mm)}`)
      .replace(/(\d)(am|pm)\b/g, '$1 $2')
      .replace(/\d+/g, (d) => ` ${numberWords(Number(d))} `)
      .replace(/-/g, ' ')
      .replace(/[^a-z' ]+/g, ' ')
      .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  )
}

const HOUR_WORDS = ONES.slice(1, 13)
const MINUTE_WORD = '(?:oh (?:one|two|three|four|five|six|seven|eight|nine)|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|(?:twenty|thirty|forty|fifty)(?: (?:one|two|three|four|five|six|seven|eight|nine))?)'
const SPOKEN_CLOCK = new RegExp(`\\b(${HOUR_WORDS.join('|')})(?: (${MINUTE_WORD}))?(?: o'clock)? (am|pm|a m|p m)\\b`, 'g')

function wordsToNumber(words: string): number {
  let n = 0
  for (const w of words.split(' ')) {
    const one = ONES.indexOf(w)
    const ten = TENS.indexOf(w)
    if (one >= 0) n += one
    else if (ten >= 0) n += ten * 10
  }
  return n
}

/**
 * A recognizer's words as a transcription model would write them: clock times in digits ("ten thirty am" →
 * "10:30 am", "ten a m" → "10 am"), everything else as heard.
 */
export function writtenForm(spoken: string): string {
  return spoken
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(SPOKEN_CLOCK, (_m, h: string, mm: string | undefined, mer: string) => {
      const hour = HOUR_WORDS.indexOf(h) + 1
      const minutes = mm === undefined ? '' : `:${String(wordsToNumber(mm.replace(/^oh /, ''))).padStart(2, '0')}`
      return `${hour}${minutes} ${mer.replace(' ', '')}`
    })
}

/** Function words: what carries no meaning a step could be checked on. */
const STOP = new Set(
  `a an the and or but so of to for at on in with by from as
   i i'm i'd i'll me my you you're your we we're we'll our us it it's its they their them this that that's these those there
   is are was were be been being am do does did have has had will would can could shall should may might must
   how what which who whom whose when where why please let's let like just very`.split(/\s+/),
)

/**
 * The key words of a sentence, in order, in written form: content words, and each clock time as one slot.
 * "Book for tomorrow at 10 AM?" → ['book', 'tomorrow', '10 am'].
 */
export function keyWords(text: string): string[] {
  const t = writtenForm(spokenForm(text))
  const out: string[] = []
  const tokens = t.split(' ').filter(Boolean)
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i]!
    const next = tokens[i + 1]
    if (/^\d{1,2}(?::\d{2})?$/.test(w) && (next === 'am' || next === 'pm')) {
      out.push(`${w} ${next}`)
      i++
      continue
    }
    if (!STOP.has(w) && !out.includes(w)) out.push(w)
  }
  return out
}

/** Which of `keys` occur as whole words in the recognized text (written or spoken form). */
export function keysFound(keys: readonly string[], recognized: string): string[] {
  const heard = ` ${writtenForm(spokenForm(recognized))} `
  return keys.filter((k) => heard.includes(` ${k} `))
}

/** Key words a step needs before it counts as heard: all of up to two, else three quarters, rounded up. */
export function keysNeeded(total: number): number {
  return total <= 2 ? total : Math.ceil(total * 0.75)
}
