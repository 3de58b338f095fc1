/**
 * @module console/auth
 * Who may use the console: a browser session (an HttpOnly, SameSite=Strict cookie given in exchange for the token) or
 * a script presenting `Authorization: Bearer $ADMIN_TOKEN`. Compares run in constant time; login attempts are limited
 * per client address and overall; state-changing requests from a browser session must carry the session's CSRF token
 * in a header (which a cross-site form cannot set), and a foreign `Origin` is refused outright.
 */
import { randomBytes } from 'node:crypto'
import { bearerChecker, safeEqual } from '../telephony/audiocodes/auth'
import { AuthFailureLimiter } from '../telephony/audiocodes/rate-limit'

export const SESSION_COOKIE = 'fa_console'
export const CSRF_HEADER = 'x-console-csrf'

export type Principal = { readonly via: 'bearer' } | { readonly via: 'session'; readonly sid: string; readonly csrf: string }

type Session = { readonly csrf: string; expiresAt: number }

export type LoginResult = { ok: true; cookie: string } | { ok: false; status: 401 | 429 }

export class ConsoleAuth {
  private readonly sessions = new Map<string, Session>()
  private readonly bearer: (authorization: string | null | undefined) => boolean
  private readonly perClient: AuthFailureLimiter
  private readonly overall: AuthFailureLimiter

  constructor(
    private readonly o: {
      readonly token: string
      readonly now: () => number
      /** Set the cookie's `Secure` flag (served over TLS, or behind an https:// public URL). */
      readonly secure: boolean
      readonly sessionHours?: number
      readonly attemptsPerMinute?: number
    },
  ) {
    this.bearer = bearerChecker(o.token)
    this.perClient = new AuthFailureLimiter(o.attemptsPerMinute ?? 10, o.now)
    // A distributed guesser still gets nowhere: 60 failures a minute in all.
    this.overall = new AuthFailureLimiter(60, o.now)
  }

  /** The token in exchange for a session cookie (`Set-Cookie` value). */
  login(token: unknown, client: string): LoginResult {
    // Failed attempts are what is limited; once spent, even the right token waits (a guesser learns nothing).
    if (this.perClient.exhausted(client) || this.overall.exhausted('*')) return { ok: false, status: 429 }
    if (typeof token !== 'string' || token.length > 1024 || !safeEqual(token, this.o.token)) {
      const within = this.perClient.failure(client) && this.overall.failure('*')
      return { ok: false, status: within ? 401 : 429 }
    }
    this.sweep()
    const sid = randomBytes(32).toString('base64url')
    const maxAge = Math.round((this.o.sessionHours ?? 12) * 3600)
    this.sessions.set(sid, { csrf: randomBytes(24).toString('base64url'), expiresAt: this.o.now() + maxAge * 1000 })
    return { ok: true, cookie: `${SESSION_COOKIE}=${sid}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.o.secure ? '; Secure' : ''}` }
  }

  logout(p: Principal): string {
    if (p.via === 'session') this.sessions.delete(p.sid)
    return `${SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0${this.o.secure ? '; Secure' : ''}`
  }

  /** The principal of a request, or undefined (→ 401). */
  authenticate(headers: Headers): Principal | undefined {
    const authz = headers.get('authorization')
    if (authz !== null) return this.bearer(authz) ? { via: 'bearer' } : undefined
    const sid = readCookie(headers.get('cookie'), SESSION_COOKIE)
    if (sid === undefined) return undefined
    // Map lookup by a 256-bit random id: there is no secret prefix to time.
    const s = this.sessions.get(sid)
    if (!s) return undefined
    if (s.expiresAt <= this.o.now()) {
      this.sessions.delete(sid)
      return undefined
    }
    return { via: 'session', sid, csrf: s.csrf }
  }

  /**
   * A state-changing request is allowed when it comes from a script (bearer: browsers never add that header on
   * their own) or carries the session's CSRF token; a cross-origin `Origin` never is.
   */
  mayChange(p: Principal, headers: Headers, host: string | null, formToken?: unknown): boolean {
    const origin = headers.get('origin')
    if (origin !== null && !sameOrigin(origin, host)) return false
    if (p.via === 'bearer') return true
    // The header (fetch from our pages) or a hidden form field (the logout form): a foreign page knows neither.
    const sent = headers.get(CSRF_HEADER) ?? (typeof formToken === 'string' ? formToken : null)
    return sent !== null && safeEqual(sent, p.csrf)
  }

  /** Login forms: refuse a cross-site post (login CSRF). */
  loginOriginOk(headers: Headers, host: string | null): boolean {
    const origin = headers.get('origin')
    return origin === null || sameOrigin(origin, host)
  }

  private sweep(): void {
    const t = this.o.now()
    for (const [sid, s] of this.sessions) if (s.expiresAt <= t) this.sessions.delete(sid)
  }
}

function sameOrigin(origin: string, host: string | null): boolean {
  if (host === null) return false
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (header === null || header.length > 8192) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}
