/**
 * @module config/business/tenants
 * Several businesses in one process (a folder of business files): which one a call is for, and the checks that make
 * that choice unambiguous. Pure.
 *
 * A call names its business by VoiceAI Connect's `botName` (session.initiate), else by a number: the dialled number
 * when session.initiate carries one (`callee`), or, for our own callbacks, the business number VAIC shows as the
 * caller. A business that lists no bot name and no number takes the calls no other claims (at most one may). A single
 * business without a tenant section takes every call, as before tenants existed.
 */
import type { Business } from './business'
import { normaliseCaller } from '../../telephony/audiocodes/caller-number'

/** What session.initiate tells about the call's business. */
export type CallAddress = {
  readonly botName: string | undefined
  /** The dialled number as VAIC gave it, when session.initiate carries one. */
  readonly callee: string | undefined
  /** The caller as VAIC gave it (on our own dial-out: the business's number). */
  readonly caller: string | undefined
}

export type Selected = { ok: true; business: Business; by: 'bot-name' | 'number' | 'caller-id' | 'catch-all' } | { ok: false; reason: string }

const key = (s: string) => s.trim().toLowerCase()
const claims = (b: Business) => b.tenant.botNames.length > 0 || b.tenant.numbers.length > 0

export function selectBusiness(businesses: readonly Business[], a: CallAddress): Selected {
  if (a.botName !== undefined && a.botName.trim() !== '') {
    const k = key(a.botName)
    const b = businesses.find((x) => x.tenant.botNames.some((n) => key(n) === k))
    if (b) return { ok: true, business: b, by: 'bot-name' }
  }
  const callee = normaliseCaller(a.callee)
  if (callee !== undefined) {
    const b = businesses.find((x) => x.tenant.numbers.includes(callee))
    if (b) return { ok: true, business: b, by: 'number' }
  }
  const caller = normaliseCaller(a.caller)
  if (caller !== undefined) {
    const b = businesses.find((x) => x.tenant.numbers.includes(caller) || x.tenant.smsFrom === caller)
    if (b) return { ok: true, business: b, by: 'caller-id' }
  }
  const open = businesses.find((b) => !claims(b))
  if (open) return { ok: true, business: open, by: 'catch-all' }
  return { ok: false, reason: `no business answers this call (bot name ${a.botName === undefined ? 'absent' : JSON.stringify(a.botName.slice(0, 60))}, called number ${callee === undefined ? 'unknown' : 'not listed'})` }
}

/** The business whose SMS number (or listed number) an inbound text was sent to. */
export function businessForNumber(businesses: readonly Business[], to: string | undefined): Business | undefined {
  const n = normaliseCaller(to)
  if (n === undefined) return undefined
  return businesses.find((b) => b.tenant.smsFrom === n) ?? businesses.find((b) => b.tenant.numbers.includes(n))
}

/**
 * Problems no single file shows: two files with one tenant id, one bot name or one number claimed twice, more than
 * one catch-all. Each names both files.
 */
export function tenantConflicts(businesses: readonly Business[]): string[] {
  const out: string[] = []
  const owner = new Map<string, Business>()
  const claim = (what: string, k: string, b: Business) => {
    const prev = owner.get(`${what}\u0000${k}`)
    if (prev && prev !== b) out.push(`${what} ${k} is claimed by both ${prev.source} and ${b.source}`)
    else owner.set(`${what}\u0000${k}`, b)
  }
  for (const b of businesses) {
    claim('tenant id', b.id, b)
    for (const n of b.tenant.botNames) claim('bot name', key(n), b)
    for (const n of new Set([...b.tenant.numbers, ...(b.tenant.smsFrom ? [b.tenant.smsFrom] : [])])) claim('number', n, b)
  }
  if (businesses.length > 1) {
    const open = businesses.filter((b) => !claims(b))
    if (open.length > 1) out.push(`${open.map((b) => b.source).join(' and ')} all take calls no other business claims (list tenant.bot_names or tenant.numbers in all but one)`)
  }
  return out
}

/** The caller id the business's callbacks show: its first number, else its SMS sender, else the process's. */
export function tenantCallerId(b: Business, fallback: string): string {
  return b.tenant.numbers[0] ?? b.tenant.smsFrom ?? fallback
}

/** The VoiceAI Connect bot its callbacks connect to: its first bot name, else the process's AUDIOCODES_BOT_NAME. */
export function tenantBotName(b: Business, fallback: string): string {
  return b.tenant.botNames[0] ?? fallback
}
