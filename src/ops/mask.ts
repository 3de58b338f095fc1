/**
 * @module ops/mask
 * Masking for logs: phone numbers keep only their last three digits, secrets keep nothing but their length.
 * `maskFields` is applied by the logger to every line, so a forgotten call site cannot leak a number or a token.
 */

/** `+14155550123` → `+*******123`. Anything without at least 7 digits is returned unchanged (not a number). */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '')
  if (digits.length < 7) return value
  return (value.trim().startsWith('+') ? '+' : '') + '*'.repeat(digits.length - 3) + digits.slice(-3)
}

/** Reveals only the length: `[secret:32]`. */
export function maskSecret(value: string): string {
  return `[secret:${value.length}]`
}

// E.164 with a plus, or a bare run of 10–15 digits (dates and UUIDs have separators and are left alone).
const PHONE_IN_TEXT = /\+\d{7,15}\b|\b\d{10,15}\b/g
const BEARER_IN_TEXT = /(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi

/** Masks phone numbers and bearer credentials found inside free text. */
export function scrubText(text: string): string {
  return text.replace(BEARER_IN_TEXT, (_m, scheme: string) => `${scheme} [secret]`).replace(PHONE_IN_TEXT, (m) => maskPhone(m))
}

const SECRET_KEY = /(token|secret|password|authorization|api_?key|signature|credential)/i
const PHONE_KEY = /^(caller|callee|phone|to|from|number|target|transfertarget|msisdn)$|(phone|number|caller)$/i

/** Deep-copies `fields` with secrets and phone numbers masked (by key name, and by scanning string values). */
export function maskFields(value: unknown, key = '', depth = 0): unknown {
  if (depth > 6) return '[depth]'
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) return maskSecret(value)
    if (PHONE_KEY.test(key)) return maskPhone(value)
    return scrubText(value.length > 2000 ? value.slice(0, 2000) + '…' : value)
  }
  if (value instanceof Error) return { name: value.name, message: scrubText(value.message), stack: value.stack?.split('\n').slice(0, 6).join('\n') }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => maskFields(v, key, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = maskFields(v, k, depth + 1)
    return out
  }
  return value
}
