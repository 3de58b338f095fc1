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

/**
 * What a presented bearer token opens: the shared token (AUDIOCODES_BOT_TOKEN) opens the businesses without a token
 * of their own; a business's own token opens that business only. The token is checked at the upgrade, the business
 * is named later (session.initiate's botName): the call layer checks the grant against it then.
 */
export type Grant = { readonly shared: boolean; readonly tenants: ReadonlySet<string> }

export type TenantToken = { readonly tenant: string; readonly token: string }

/**
 * A checker over the shared token and the businesses' own. Every token is compared (constant time each, no early
 * exit), so the time does not tell which one matched or how many there are. Undefined: no token matched.
 */
export function grantChecker(shared: string | undefined, own: readonly TenantToken[]): (authorization: string | null | undefined) => Grant | undefined {
  const sharedDigest = shared ? digest(`Bearer ${shared}`) : undefined
  const owned = own.map((t) => ({ tenant: t.tenant, digest: digest(`Bearer ${t.token}`) }))
  // Each call keeps its grant for its whole life: every call of the same token shares one (frozen) grant.
  const grants = new Map<string, Grant>()
  return (authorization) => {
    if (typeof authorization !== 'string' || authorization.length > 4096) return undefined
    const presented = digest(authorization.trim())
    const isShared = sharedDigest !== undefined && timingSafeEqual(presented, sharedDigest)
    const matched: string[] = []
    for (const o of owned) if (timingSafeEqual(presented, o.digest)) matched.push(o.tenant)
    if (matched.length === 0) return isShared ? SHARED_GRANT : undefined
    const key = JSON.stringify([isShared, matched])
    let grant = grants.get(key)
    if (grant === undefined) {
      grant = Object.freeze({ shared: isShared, tenants: new Set(matched) })
      grants.set(key, grant)
    }
    return grant
  }
}

/** Whether `grant` opens calls of `tenant` (`ownToken`: the business has a token of its own). */
export function grantAllows(grant: Grant, tenant: string, ownToken: boolean): boolean {
  return ownToken ? grant.tenants.has(tenant) : grant.shared
}

/** The grant of the shared token alone (a process without business tokens). */
export const SHARED_GRANT: Grant = Object.freeze({ shared: true, tenants: new Set<string>() })

/** A grant that opens nothing. */
export const NO_GRANT: Grant = Object.freeze({ shared: false, tenants: new Set<string>() })
