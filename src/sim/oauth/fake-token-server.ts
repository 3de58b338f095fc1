/**
 * @module sim/oauth/fake-token-server
 * An OAuth 2.0 authorization server as Google's token endpoint behaves for the refresh-token grant (RFC 6749 §6):
 * a form-encoded POST with the client credentials in the body (or HTTP Basic, §2.3.1), answered with a bearer access
 * token and its lifetime; a wrong client is 401 `invalid_client`, a revoked or unknown refresh token is 400
 * `invalid_grant`, anything else malformed is 400 `invalid_request` / `unsupported_grant_type`. It also plays the
 * resource server's side of the check ({@link FakeTokenServer.accepts}), so a CalDAV gate in front of a real server
 * can refuse expired or revoked access tokens the way Google's CalDAV API does (401).
 *
 * Options cover what a real provider may do that the product must survive: a short token lifetime, access tokens
 * invalidated before their stated expiry, a refresh token revoked by the user, an endpoint failing with 5xx.
 */
import { timingSafeEqual } from 'node:crypto'

export type FakeTokenServerOptions = {
  readonly clientId: string
  readonly clientSecret: string
  readonly refreshToken: string
  /** `expires_in` of each access token, seconds (Google: 3599). */
  readonly lifetimeSeconds?: number
  /** Leave `expires_in` out of the answer (RFC 6749 makes it optional). */
  readonly omitExpiresIn?: boolean
}

export type TokenRequest = { readonly grantType: string | null; readonly clientAuth: 'body' | 'basic' | 'none' }

export type FakeTokenServer = {
  readonly url: string
  /** Every request to the token endpoint, in order. */
  readonly requests: TokenRequest[]
  /** Whether `Authorization: Bearer …` carries a live access token this server issued. */
  accepts(authorization: string | null): boolean
  /** Every access token issued so far stops working now (revoked or rotated early); refresh still works. */
  invalidateAccessTokens(): void
  /** The user revoked the app: the refresh token is refused with `invalid_grant` from now on. */
  revokeRefreshToken(): void
  /** The next `n` token requests get this HTTP status (5xx: the provider is in trouble). */
  failNext(n: number, status: number): void
  stop(): void
}

export function fakeTokenServer(o: FakeTokenServerOptions): FakeTokenServer {
  const live = new Set<string>()
  const requests: TokenRequest[] = []
  let revoked = false
  let failures: { n: number; status: number } = { n: 0, status: 500 }
  let issued = 0

  const error = (status: number, code: string) => Response.json({ error: code, error_description: `fake: ${code}` }, { status, headers: { 'cache-control': 'no-store' } })

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url)
      if (url.pathname !== '/token') return new Response('not found', { status: 404 })
      if (req.method !== 'POST') return error(405, 'invalid_request')
      const basic = parseBasic(req.headers.get('authorization'))
      const form = (req.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(await req.text()) : undefined
      const grantType = form?.get('grant_type') ?? null
      const clientId = basic?.id ?? form?.get('client_id') ?? undefined
      const clientSecret = basic?.secret ?? form?.get('client_secret') ?? undefined
      requests.push({ grantType, clientAuth: basic ? 'basic' : form?.has('client_secret') ? 'body' : 'none' })
      if (failures.n > 0) {
        failures = { ...failures, n: failures.n - 1 }
        return error(failures.status, 'internal_failure')
      }
      if (!form) return error(400, 'invalid_request')
      if (grantType !== 'refresh_token') return error(400, 'unsupported_grant_type')
      if (clientId === undefined || clientSecret === undefined || !same(clientId, o.clientId) || !same(clientSecret, o.clientSecret)) return error(401, 'invalid_client')
      const refresh = form.get('refresh_token')
      if (refresh === null || revoked || !same(refresh, o.refreshToken)) return error(400, 'invalid_grant')
      const token = `ya29.fake-${++issued}-${crypto.randomUUID()}`
      live.add(token)
      return Response.json(
        {
          access_token: token,
          ...(o.omitExpiresIn ? {} : { expires_in: o.lifetimeSeconds ?? 3599 }),
          token_type: 'Bearer',
          scope: 'https://www.googleapis.com/auth/calendar',
        },
        { headers: { 'cache-control': 'no-store' } },
      )
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}/token`,
    requests,
    accepts(authorization) {
      const m = /^Bearer (\S+)$/.exec(authorization ?? '')
      return m?.[1] !== undefined && live.has(m[1])
    },
    invalidateAccessTokens() {
      live.clear()
    },
    revokeRefreshToken() {
      revoked = true
      live.clear()
    },
    failNext(n, status) {
      failures = { n, status }
    },
    stop() {
      server.stop(true)
    },
  }
}

function parseBasic(h: string | null): { id: string; secret: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(h ?? '')
  if (!m?.[1]) return undefined
  const text = Buffer.from(m[1], 'base64').toString('utf8')
  const i = text.indexOf(':')
  // §2.3.1: both parts are form-urlencoded before they are joined.
  return i < 0 ? undefined : { id: decodeURIComponent(text.slice(0, i)), secret: decodeURIComponent(text.slice(i + 1)) }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
