import { afterAll, describe, expect, test } from 'bun:test'
import { fakeTokenServer } from '../sim/oauth/fake-token-server'
import { OAuthRefused, oauthTokenSource } from './oauth-token'

const client = { clientId: 'cid', clientSecret: 'c:secret/with&odd=chars', refreshToken: '1//rt' }
const servers: { stop(): void }[] = []
afterAll(() => servers.forEach((s) => s.stop()))
const provider = (o: { lifetimeSeconds?: number; omitExpiresIn?: boolean } = {}) => {
  const p = fakeTokenServer({ ...client, ...o })
  servers.push(p)
  return p
}

describe('OAuth access tokens from a refresh token', () => {
  test('kept until a minute before expiry, then refreshed; concurrent requests share one refresh', async () => {
    const p = provider({ lifetimeSeconds: 600 })
    let clock = 1_000_000
    const src = oauthTokenSource({ tokenUrl: p.url, ...client }, { timeoutMs: 5000, now: () => clock })
    const [a, b, c] = await Promise.all([src.authorization(), src.authorization(), src.authorization()])
    expect(a).toStartWith('Bearer ya29.')
    expect(b).toBe(a ?? '')
    expect(c).toBe(a ?? '')
    expect(p.accepts(a ?? null)).toBe(true)
    expect(src.refreshes).toBe(1)
    clock += 539_000 // 9 min: still inside the lifetime minus the margin
    expect(await src.authorization()).toBe(a ?? '')
    clock += 2_000 // past 10 min − 60 s
    const next = await src.authorization()
    expect(next).not.toBe(a ?? '')
    expect(src.refreshes).toBe(2)
  })

  test('a refused token is forgotten (only that one), so the next request refreshes', async () => {
    const p = provider()
    const src = oauthTokenSource({ tokenUrl: p.url, ...client }, { timeoutMs: 5000 })
    const first = await src.authorization()
    src.refused('Bearer something-else')
    expect(await src.authorization()).toBe(first)
    src.refused(first)
    expect(await src.authorization()).not.toBe(first)
    expect(src.refreshes).toBe(2)
  })

  test('without expires_in an hour is assumed (RFC 6749 makes it optional)', async () => {
    const p = provider({ omitExpiresIn: true })
    let clock = 0
    const src = oauthTokenSource({ tokenUrl: p.url, ...client }, { timeoutMs: 5000, now: () => clock })
    const first = await src.authorization()
    clock = 3_500_000
    expect(await src.authorization()).toBe(first)
    clock = 3_541_000
    expect(await src.authorization()).not.toBe(first)
  })

  test('refusals name the status and the OAuth error code, never a secret; a failed refresh is not cached', async () => {
    const p = provider()
    const wrongClient = oauthTokenSource({ tokenUrl: p.url, ...client, clientSecret: 'wrong' }, { timeoutMs: 5000 })
    const e1 = await wrongClient.authorization().catch((e: unknown) => e)
    expect(e1).toBeInstanceOf(OAuthRefused)
    expect((e1 as Error).message).toBe('token endpoint answered 401 (invalid_client)')

    const src = oauthTokenSource({ tokenUrl: p.url, ...client }, { timeoutMs: 5000 })
    p.failNext(1, 503)
    expect(((await src.authorization().catch((e: unknown) => e)) as Error).message).toBe('token endpoint answered 503 (internal_failure)')
    expect(await src.authorization()).toStartWith('Bearer ')

    p.revokeRefreshToken()
    const revoked = oauthTokenSource({ tokenUrl: p.url, ...client }, { timeoutMs: 5000 })
    const e3 = (await revoked.authorization().catch((e: unknown) => e)) as Error
    expect(e3.message).toStartWith('token endpoint answered 400 (invalid_grant): the refresh token was revoked or expired')
    for (const e of [e1, e3]) for (const s of [client.clientSecret, client.refreshToken]) expect(String(e)).not.toContain(s)
  })

  test('an answer that is not a bearer token is refused; nothing listening is named as such', async () => {
    const odd = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ access_token: 'x', token_type: 'mac' }) })
    servers.push({ stop: () => odd.stop(true) })
    const src = oauthTokenSource({ tokenUrl: `http://127.0.0.1:${odd.port}/token`, ...client }, { timeoutMs: 5000 })
    expect(((await src.authorization().catch((e: unknown) => e)) as Error).message).toBe('token endpoint: the answer is not a bearer token')
    const gone = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const url = `http://127.0.0.1:${gone.port}/token`
    gone.stop(true)
    const none = oauthTokenSource({ tokenUrl: url, ...client }, { timeoutMs: 5000 })
    expect(((await none.authorization().catch((e: unknown) => e)) as Error).message).toStartWith('token endpoint: cannot connect')
  })
})
