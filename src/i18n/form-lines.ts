/**
 * @module i18n/form-lines
 * The fixed words of declared tasks (forms and look-ups) in one language: re-asks for a value that does not fit its
 * field, the default read-back, "shall I send it", the resume summary and the words a caller uses for yes, no, skip
 * and "the number I'm calling from". Each language pack carries one (`pack.forms`).
 */
export type FormLines = {
  /** "taking your prescription refill": follows "We were …" in the welcome back. */
  readonly taking: (title: string) => string
  /** "we still need your medication" */
  readonly stillNeed: (label: string) => string
  /** "everything is ready to send" (all fields in, awaiting the confirmation). */
  readonly readyToSend: string
  /** "sending it now" */
  readonly sending: string
  /** The read-back when the task declares none: "I have {list}. Shall I send it?" */
  readonly confirmDefault: (list: string) => string
  /** "medication: ibuprofen" in that list. */
  readonly item: (label: string, value: string) => string
  readonly whatToChange: string
  /** "Your prescription refill is sent." (when the task declares no `done`). */
  readonly sent: (title: string) => string
  /** The business's system refused the form (4xx) or never answered. */
  readonly failed: (title: string) => string
  readonly lookupFailed: (title: string) => string
  /** Offered with a phone field's question when the caller's number is known. */
  readonly offerOwnNumber: (lastDigits: string) => string
  /** The SMS when the result arrives after the call ended: "{title}: {text}". */
  readonly sms: (title: string, text: string) => string
  readonly invalid: {
    readonly tooShort: (label: string, min: number) => string
    readonly tooLong: (label: string, max: number) => string
    readonly date: (label: string) => string
    readonly time: (label: string) => string
    readonly number: (label: string) => string
    readonly range: (label: string, min: string, max: string) => string
    readonly phone: string
    readonly email: string
    readonly choice: (options: string) => string
    readonly yesNo: string
    readonly required: (label: string) => string
  }
  /** Spoken yes / no in a read-back. */
  readonly yesWord: string
  readonly noWord: string
  /** Words (whole-word, lowercase) callers use. */
  readonly words: {
    readonly yes: readonly string[]
    readonly no: readonly string[]
    readonly skip: readonly string[]
    readonly ownNumber: readonly string[]
    readonly at: readonly string[]
    readonly dot: readonly string[]
  }
  readonly or: string
}
