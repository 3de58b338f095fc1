/**
 * @module calendar/oauth-token
 * Access tokens for calendars that accept OAuth 2.0 only (Google's CalDAV API): the refresh-token grant of RFC 6749
 * §6 against the provider's token endpoint. The operator obtains the refresh token once (README, "Google Calendar");
 * from then on a short-lived access token is fetched when needed, kept until shortly before it expires, and fetched
 * again when the calendar refuses it (a token revoked or expired early). Concurrent requests share one refresh, so a
 * burst of calls never stampedes the token endpoint. Neither token is ever logged or put in an error message.
 */
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

export type OAuthSettings = {
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly refreshToken: string
}

/** Google's endpoint; any RFC 6749 provider works by setting the token URL. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token'

/** The token endpoint refused or failed; `message` is safe to log (no token, no secret). */
export class OAuthRefused extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OAuthRefused'
  }
}

const TokenAnswer = TypeCompiler.Compile(
  Type.Object({
    access_token: Type.String({ minLength: 1, maxLength: 4096 }),
    // RFC 6749 §5.1 makes expires_in RECOMMENDED, not required: without it we assume an hour (Google's lifetime).
    expires_in: Type.Optional(Type.Number({ minimum: 1 })),
    token_type: Type.String({ pattern: '^[Bb][Ee][Aa][Rr][Ee][Rr]$' }),
  }),
)
const TokenError = TypeCompiler.Compile(Type.Object({ error: Type.String({ maxLength: 100 }), error_description: Type.Optional(Type.String()) }))

/** Refresh this long before the stated expiry, so a request in flight never carries a token that just died. */
const EXPIRY_MARGIN_MS = 60_000
const DEFAULT_LIFETIME_S = 3600

export type TokenSource = {
  /** `Bearer …` for the next request: the cached token, or a fresh one. */
  authorization(): Promise<string>
  /** The calendar refused `used` (401): forget it, so the next {@link authorization} refreshes. */
  refused(used: string): void
  /** How many times the token endpoint was asked (for logs and tests). */
  readonly refreshes: number
}

export function oauthTokenSource(
  s: OAuthSettings,
  opts: { readonly timeoutMs: number; readonly now?: () => number; readonly fetch?: typeof fetch },
): TokenSource {
  const now = opts.now ?? Date.now
  const doFetch = opts.fetch ?? fetch
  let current: { header: string; until: number } | undefined
  let pending: Promise<string> | undefined
  let refreshes = 0

  const refresh = async (): Promise<string> => {
    refreshes++
    // Client credentials in the body (RFC 6749 §2.3.1): Google accepts both forms, and the body form has no encoding
    // pitfalls for secrets with ':' in them.
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: s.refreshToken, client_id: s.clientId, client_secret: s.clientSecret })
    let res: Response
    try {
      res = await doFetch(s.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
      })
    } catch (err) {
      throw new OAuthRefused(err instanceof Error && err.name === 'TimeoutError' ? 'token endpoint: no answer in time' : `token endpoint: cannot connect (${errText(err)})`)
    }
    const text = await res.text().catch(() => '')
    const json = parseJson(text)
    if (!res.ok) {
      // invalid_grant: the refresh token was revoked or has expired; a person has to sign in again (README).
      const code = TokenError.Check(json) ? json.error.replace(/[^\w.-]/g, '') : undefined
      const hint = code === 'invalid_grant' ? ': the refresh token was revoked or expired; create a new one (README, Google Calendar)' : ''
      throw new OAuthRefused(`token endpoint answered ${res.status}${code ? ` (${code})` : ''}${hint}`)
    }
    if (!TokenAnswer.Check(json)) throw new OAuthRefused('token endpoint: the answer is not a bearer token')
    const header = `Bearer ${json.access_token}`
    current = { header, until: now() + (json.expires_in ?? DEFAULT_LIFETIME_S) * 1000 - EXPIRY_MARGIN_MS }
    return header
  }

  return {
    authorization() {
      if (current && now() < current.until) return Promise.resolve(current.header)
      pending ??= refresh().finally(() => {
        pending = undefined
      })
      return pending
    },
    refused(used) {
      if (current?.header === used) current = undefined
    },
    get refreshes() {
      return refreshes
    },
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200)
