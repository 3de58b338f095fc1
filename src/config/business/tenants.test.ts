import { describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadBusinesses } from './load'
import { selectBusiness } from './tenants'
import { grantAllows, grantChecker } from '../../telephony/audiocodes/auth'
import { runConfig } from '../../cli/config'
import { BusinessDirectory } from './directory'
import { sharedTokenProblem } from './shared-token'
import { loadConfig } from '../load'

const biz = (tenant: string, name = 'X') => `${tenant ? `tenant: ${tenant}\n` : ''}business: { name: ${name}, timezone: UTC }\nhours: { mon-fri: "09:00-17:00" }\n`
const folder = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-tenants-'))
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text)
  return dir
}
const load = (files: Record<string, string>, env: Record<string, string> = {}) => loadBusinesses(folder(files), env)
const problems = (r: ReturnType<typeof load>) => (r.ok ? [] : r.failures.flatMap((f) => f.problems.map((p) => `${p.path}: ${p.reason}`)))

describe('tenants: loading a folder', () => {
  test('ids from file names or tenant.id; a single file is "default"', () => {
    const r = load({ 'alpha.yaml': biz('{ bot_names: [a] }'), 'b.yaml': biz('{ id: beta, numbers: ["+18005550100"] }') })
    expect(r.ok && r.businesses.map((b) => b.id)).toEqual(['alpha', 'beta'])
    const dir = folder({ 'clinic.yaml': biz('') })
    const one = loadBusinesses(join(dir, 'clinic.yaml'), {})
    expect(one.ok && one.businesses.map((b) => b.id)).toEqual(['default'])
  })

  test('clashes between files name both files: an id, a bot name, a number, two catch-alls', () => {
    const p = problems(load({ 'a.yaml': biz('{ id: same, bot_names: [Front] }'), 'b.yaml': biz('{ id: same, bot_names: [front], numbers: ["+18005550100"] }'), 'c.yaml': biz('{ numbers: ["+18005550100"] }') }))
    const dirOf = (s: string) => s.replace(/\/[^ ]*\//g, '/')
    expect(p.map(dirOf)).toEqual([
      '(tenants): tenant id same is claimed by both /a.yaml and /b.yaml',
      '(tenants): bot name front is claimed by both /a.yaml and /b.yaml',
      '(tenants): number +18005550100 is claimed by both /b.yaml and /c.yaml',
    ])
    expect(problems(load({ 'a.yaml': biz(''), 'b.yaml': biz('') })).map(dirOf)).toEqual([
      '(tenants): /a.yaml and /b.yaml all take calls no other business claims (list tenant.bot_names or tenant.numbers in all but one)',
    ])
  })

  test('config check exits 78 naming both files of a clash', () => {
    const dir = folder({ 'a.yaml': biz('{ bot_names: [front] }'), 'b.yaml': biz('{ bot_names: [front] }') })
    let err = ''
    expect(runConfig(['check', dir], { stdout: { write: () => undefined }, stderr: { write: (s: string) => void (err += s) } })).toBe(78)
    expect(err).toContain(`bot name front is claimed by both ${join(dir, 'a.yaml')} and ${join(dir, 'b.yaml')}`)
  })

  test('the tenant section: token from the file or a named variable, bad numbers and names by path', () => {
    const r = load({ 'a.yaml': biz('{ bot_names: [a], bot_token_env: A_TOKEN }') }, { A_TOKEN: 'alpha-secret-1' })
    expect(r.ok && r.businesses[0]?.tenant.botToken).toBe('alpha-secret-1')
    expect(problems(load({ 'a.yaml': biz('{ bot_token_env: A_TOKEN }') }))).toEqual(['tenant.bot_token_env: names A_TOKEN, which is not set'])
    expect(problems(load({ 'a.yaml': biz('{ bot_token: short }') }))).toEqual(['tenant.bot_token: must be at least 8 characters'])
    expect(problems(load({ 'a.yaml': biz('{ numbers: ["0800 123"] }') }))).toEqual(['tenant.numbers[0]: must be an E.164 number such as +15551234567'])
    expect(problems(load({ 'a.yaml': biz('{ bot_names: [x, X] }') }))).toEqual(['tenant.bot_names[1]: is listed twice (X)'])
    expect(problems(load({ 'a.yaml': biz('{ botnames: [x] }') }))[0]).toStartWith('tenant.botnames: unknown key (did you mean bot_names?)')
  })
})

describe('tenants: choosing the business of a call', () => {
  const r = load({ 'alpha.yaml': biz('{ bot_names: [alpha-bot], numbers: ["+18005550101"] }'), 'beta.yaml': biz('{ bot_names: [beta-bot], numbers: ["+18005550202"], sms_from: "+18005550222" }'), 'open.yaml': biz('') })
  if (!r.ok) throw new Error('load')
  const pick = (botName?: string, callee?: string, caller?: string) => {
    const s = selectBusiness(r.businesses, { botName, callee, caller })
    return s.ok ? `${s.business.id} by ${s.by}` : 'none'
  }
  test('by bot name (any case), then the dialled number, then our own caller id, then the catch-all', () => {
    expect(pick('ALPHA-BOT', '+18005550202')).toBe('alpha by bot-name')
    expect(pick('front', '18005550202')).toBe('beta by number')
    expect(pick(undefined, undefined, '+18005550222')).toBe('beta by caller-id')
    expect(pick('front', '+19995550000', '+14155550123')).toBe('open by catch-all')
  })
  test('without a catch-all an unclaimed call is nobody\'s', () => {
    const only = r.businesses.filter((b) => b.id !== 'open')
    expect(selectBusiness(only, { botName: 'front', callee: undefined, caller: '+14155550123' }).ok).toBe(false)
  })
})

describe('tenants: bot tokens', () => {
  const check = grantChecker('shared-token-123', [
    { tenant: 'beta', token: 'beta-token-456' },
    { tenant: 'gamma', token: 'gamma-token-789' },
  ])
  test('the shared token opens businesses without their own; a business token opens only its business', () => {
    const shared = check('Bearer shared-token-123')
    const beta = check('Bearer beta-token-456')
    expect(check('Bearer nope-nope-nope')).toBeUndefined()
    expect(check(undefined)).toBeUndefined()
    if (!shared || !beta) throw new Error('grant')
    expect(grantAllows(shared, 'alpha', false)).toBe(true)
    expect(grantAllows(shared, 'beta', true)).toBe(false)
    expect(grantAllows(beta, 'beta', true)).toBe(true)
    expect(grantAllows(beta, 'gamma', true)).toBe(false)
    expect(grantAllows(beta, 'alpha', false)).toBe(false)
  })
})

describe('tenants: without AUDIOCODES_BOT_TOKEN', () => {
  test('a reload adding a business without a token of its own is refused; the running version stays', () => {
    const dir = folder({ 'alpha.yaml': biz('{ bot_names: [a], bot_token: alpha-token-1 }') })
    const loaded = loadConfig({ FASTAGENT_CONFIG: dir })
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
    const opened = BusinessDirectory.open(loaded.config)
    if (!opened.ok) throw new Error(opened.message)
    const d = opened.directory
    const refuse = (bs: Parameters<typeof sharedTokenProblem>[0]) => sharedTokenProblem(bs, undefined)?.reason
    expect(refuse(d.version.businesses)).toBeUndefined()
    writeFileSync(join(dir, 'beta.yaml'), biz('{ bot_names: [b] }'))
    const r = d.reload(refuse)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.message).toContain('no bot token of its own')
    expect(!r.ok && r.message).toContain('beta (')
    expect(d.version.businesses.map((b) => b.id)).toEqual(['alpha'])
    // With the shared token set, the same folder is fine.
    expect(d.reload((bs) => sharedTokenProblem(bs, 'shared-token-1')?.reason)).toEqual({ ok: true, version: 2, businesses: 2 })
  })
})
