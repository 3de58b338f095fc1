/**
 * `fastagent call` (the real CLI, as a subprocess) against the real server tells apart why a call did not start:
 * a wrong token (401), too many failed authentications from this address (429), a bot not taking calls (503), and a
 * TLS certificate the caller does not trust (it says to set NODE_EXTRA_CA_CERTS; with it set, the call goes through
 * and lists what the caller heard). 403 and "nothing listening" are covered in src/sim/vaic/cli-call.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'bun'
import { startWorld, WORLD_SECRETS, type World } from '../../src/sim/world'
import { BOOKING_ENV } from '../reliability/kit'
import { requireTool } from '../kit/require-tool'

const root = join(import.meta.dir, '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'fa-call-refusals-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function call(url: string, token: string, env: Record<string, string> = {}) {
  const r = await $`${process.execPath} src/main.ts call --url ${url} --token ${token} --out ${join(dir, 'rec')}`
    .cwd(root)
    .env({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env })
    .nothrow()
    .quiet()
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() }
}

describe('refusals by HTTP status', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ env: { ...BOOKING_ENV, UPGRADE_RATE_PER_MINUTE: '1', MAX_CONCURRENT_CALLS: '1' }, logLevel: 'silent' })
  }, 30_000)
  afterAll(async () => {
    await world.stop()
  })

  test('401, then 429 once this address has spent its failed-authentication budget', async () => {
    const url = `${world.server.wsUrl}/audiocodes`
    const first = await call(url, 'wrong-token-0001')
    expect(first.code).toBe(1)
    expect(first.err).toContain('the bot refused the token (HTTP 401)')
    const second = await call(url, 'wrong-token-0002')
    expect(second.code).toBe(1)
    expect(second.err).toContain('too many failed authentications from this address (HTTP 429)')
  }, 60_000)

  test('503 while the bot is at MAX_CONCURRENT_CALLS', async () => {
    const busy = world.call()
    try {
      expect((await busy.startCall()).ok).toBe(true)
      const r = await call(`${world.server.wsUrl}/audiocodes`, WORLD_SECRETS.botToken)
      expect(r.code).toBe(1)
      expect(r.err).toContain('the bot is not taking calls (HTTP 503)')
    } finally {
      await busy.hangup()
      busy.dispose()
    }
  }, 60_000)
})

requireTool('openssl').describe('TLS certificate not trusted', () => {
  let world: World
  let cert = ''
  beforeAll(async () => {
    const key = join(dir, 'key.pem')
    cert = join(dir, 'cert.pem')
    await $`openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout ${key} -out ${cert} -addext subjectAltName=DNS:localhost,IP:127.0.0.1`.quiet()
    world = await startWorld({ env: { ...BOOKING_ENV, TLS_CERT_FILE: cert, TLS_KEY_FILE: key }, logLevel: 'silent' })
  }, 30_000)
  afterAll(async () => {
    await world.stop()
  })

  test('says to set NODE_EXTRA_CA_CERTS; with it set the call goes through and lists what the caller heard', async () => {
    const url = `${world.server.wsUrl}/audiocodes`
    expect(url).toStartWith('wss://')
    const refused = await call(url, WORLD_SECRETS.botToken)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('is not trusted')
    expect(refused.err).toContain('set NODE_EXTRA_CA_CERTS=')
    const trusted = await call(url, WORLD_SECRETS.botToken, { NODE_EXTRA_CA_CERTS: cert })
    if (trusted.code !== 0) console.error(trusted.out.slice(-3000), trusted.err)
    expect(trusted.code).toBe(0)
    const heard = trusted.out.split('--- what the caller heard ---')[1] ?? ''
    expect(heard.toLowerCase()).toContain('how can i help')
  }, 60_000)
})
