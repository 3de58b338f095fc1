/**
 * @module telephony/audiocodes/auth
 * Bearer-token check for the WebSocket upgrade, in constant time: both sides are hashed first so neither the
 * token's length nor a common prefix changes the comparison time.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (s: string) => createHash('sha256').update(s).digest()

/** A checker bound to the configured token. Anything but exactly `Bearer <token>` fails. */
export function bearerChecker(token: string): (authorization: string | null | undefined) => boolean {
  const expected = digest(`Bearer ${token}`)
  return (authorization) => {
    if (typeof authorization !== 'string' || authorization.length > 4096) return false
    return timingSafeEqual(digest(authorization.trim()), expected)
  }
}

/** Constant-time equality of two strings (for secrets compared elsewhere). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}
