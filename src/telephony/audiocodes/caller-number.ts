/**
 * @module telephony/audiocodes/caller-number
 * Caller numbers arrive as the SIP From user part, formatted by whatever trunk the call came through: `+14155550123`,
 * `14155550123`, `004930…`, `tel:+1…`, `sip:+1…@host`, or `anonymous`/empty for withheld numbers. We keep an E.164
 * number when one can be derived without guessing a country, and `undefined` otherwise (no SMS is sent then).
 */

const WITHHELD = /^(anonymous|restricted|unknown|unavailable|private|withheld|null)$/i

export function normaliseCaller(raw: string | undefined | null): string | undefined {
  if (raw === undefined || raw === null) return undefined
  let s = raw.trim()
  if (s === '' || WITHHELD.test(s)) return undefined
  s = s.replace(/^(tel:|sips?:)/i, '').replace(/[@;].*$/, '')
  if (WITHHELD.test(s)) return undefined
  const plus = s.startsWith('+')
  const digits = s.replace(/[\s().-]/g, '').replace(/^\+/, '')
  if (!/^\d+$/.test(digits)) return undefined
  let e164: string
  if (plus) e164 = '+' + digits
  else if (digits.startsWith('00')) e164 = '+' + digits.slice(2)
  // Trunks often drop the plus on international numbers; 11+ digits without a trunk prefix are taken as such.
  else if (digits.length >= 11 && !digits.startsWith('0')) e164 = '+' + digits
  else return undefined
  return /^\+[1-9]\d{6,14}$/.test(e164) ? e164 : undefined
}
