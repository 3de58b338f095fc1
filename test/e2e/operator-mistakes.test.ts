/**
 * Operator mistakes as an operator makes them: the real CLI (`fastagent serve`) is started as a subprocess with a bad
 * TLS file, DATABASE_PATH or BUSINESS_HOURS. Each must exit 78, name the variable and the reason on stderr, print no
 * stack trace, and create nothing (no database file, no folder). A good configuration logs its parsed hours in
 * `server.ready`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'bun'
import { requireTool } from '../kit/require-tool'

const root = join(import.meta.dir, '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'fa-operator-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const BASE = { AUDIOCODES_BOT_TOKEN: 'operator-token-123', OPENAI_API_KEY: 'sk-operator-123456', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' }

type Run = { code: number | null; stdout: string; stderr: string }

/** `fastagent serve` with `env`; killed after 15 s if it wrongly starts serving (then the code is not 78). */
async function serve(env: Record<string, string>): Promise<Run> {
  const proc = Bun.spawn([process.execPath, 'src/main.ts', 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...BASE, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 15_000,
  })
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  return { code: await proc.exited, stdout, stderr }
}

/** A fresh folder per case; DATABASE_PATH points into a subfolder that must not appear. */
function caseDir(name: string): { home: string; db: string; dbDir: string } {
  const home = join(dir, name)
  mkdirSync(home)
  return { home, dbDir: join(home, 'data'), db: join(home, 'data', 'fastagent.db') }
}

function expectRefused(r: Run, variable: string, reason: string | RegExp): void {
  if (r.code !== 78) console.error(r.stdout.slice(-2000), r.stderr.slice(-2000))
  expect(r.code).toBe(78)
  expect(r.stderr).toContain('fastagent: invalid configuration')
  const line = r.stderr.split('\n').find((l) => l.trim().startsWith(`${variable} `))
  expect(line, `stderr names ${variable}:\n${r.stderr}`).toBeDefined()
  if (typeof reason === 'string') expect(line).toContain(reason)
  else expect(line).toMatch(reason)
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/) // no stack trace
  expect(r.stdout).not.toContain('server.ready')
}

const openssl = requireTool('openssl')
openssl.describe('TLS_CERT_FILE / TLS_KEY_FILE', () => {
  let cert = ''
  let key = ''
  let otherKey = ''
  let encryptedKey = ''
  beforeAll(async () => {
    const tls = join(dir, 'tls')
    mkdirSync(tls)
    cert = join(tls, 'cert.pem')
    key = join(tls, 'key.pem')
    otherKey = join(tls, 'other-key.pem')
    encryptedKey = join(tls, 'encrypted-key.pem')
    await $`openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout ${key} -out ${cert}`.quiet()
    await $`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${otherKey}`.quiet()
    await $`openssl pkey -in ${key} -aes256 -passout pass:secret-pass -out ${encryptedKey}`.quiet()
  }, 30_000)

  const cases: ReadonlyArray<{ name: string; env: () => Record<string, string>; variable: string; reason: string | RegExp }> = [
    { name: 'certificate file missing', env: () => ({ TLS_CERT_FILE: join(dir, 'nope.pem'), TLS_KEY_FILE: key }), variable: 'TLS_CERT_FILE', reason: /cannot be read: .*nope\.pem does not exist/ },
    { name: 'key file missing', env: () => ({ TLS_CERT_FILE: cert, TLS_KEY_FILE: join(dir, 'nokey.pem') }), variable: 'TLS_KEY_FILE', reason: 'does not exist' },
    { name: 'certificate path is a folder (unreadable as a file)', env: () => ({ TLS_CERT_FILE: dir, TLS_KEY_FILE: key }), variable: 'TLS_CERT_FILE', reason: 'is a directory, not a file' },
    { name: 'files swapped', env: () => ({ TLS_CERT_FILE: key, TLS_KEY_FILE: cert }), variable: 'TLS_CERT_FILE', reason: 'holds a private key, not a certificate' },
    { name: 'files swapped (the key variable is named too)', env: () => ({ TLS_CERT_FILE: key, TLS_KEY_FILE: cert }), variable: 'TLS_KEY_FILE', reason: 'look swapped' },
    { name: 'certificate not PEM', env: () => ({ TLS_CERT_FILE: writeText('garbage.pem', 'this is not a certificate\n'), TLS_KEY_FILE: key }), variable: 'TLS_CERT_FILE', reason: 'is not a PEM certificate' },
    { name: 'key not PEM', env: () => ({ TLS_CERT_FILE: cert, TLS_KEY_FILE: writeText('garbage-key.pem', 'hello\n') }), variable: 'TLS_KEY_FILE', reason: 'is not a PEM private key' },
    { name: 'certificate block that does not parse', env: () => ({ TLS_CERT_FILE: writeText('broken.pem', '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n'), TLS_KEY_FILE: key }), variable: 'TLS_CERT_FILE', reason: 'does not parse' },
    { name: 'key of another certificate', env: () => ({ TLS_CERT_FILE: cert, TLS_KEY_FILE: otherKey }), variable: 'TLS_KEY_FILE', reason: 'does not belong to the certificate in TLS_CERT_FILE' },
    { name: 'passphrase-protected key', env: () => ({ TLS_CERT_FILE: cert, TLS_KEY_FILE: encryptedKey }), variable: 'TLS_KEY_FILE', reason: 'is passphrase-protected' },
  ]
  for (const c of cases) {
    test(`${c.name}: exit 78 naming ${c.variable}, no database created`, async () => {
      const d = caseDir(`tls-${c.name.replace(/\W+/g, '-')}`)
      const r = await serve({ ...c.env(), DATABASE_PATH: d.db })
      expectRefused(r, c.variable, c.reason)
      expect(existsSync(d.dbDir)).toBe(false)
    }, 30_000)
  }
})

function writeText(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

test('DATABASE_PATH is a directory: exit 78 naming it, nothing created inside', async () => {
  const d = caseDir('db-is-dir')
  mkdirSync(d.db, { recursive: true })
  expectRefused(await serve({ DATABASE_PATH: d.db }), 'DATABASE_PATH', 'is a directory')
  expect(readdirSync(d.db)).toEqual([])
}, 30_000)

test('DATABASE_PATH cannot be created (a parent is a file): exit 78 naming it', async () => {
  const d = caseDir('db-parent-file')
  writeFileSync(join(d.home, 'data'), 'a file where a folder should be')
  expectRefused(await serve({ DATABASE_PATH: join(d.home, 'data', 'sub', 'fastagent.db') }), 'DATABASE_PATH', /cannot be created: .*data is a file, not a folder/)
  expect(readFileSync(join(d.home, 'data'), 'utf8')).toBe('a file where a folder should be')
}, 30_000)

test('DATABASE_PATH is read-only: exit 78 naming it, the file untouched', async () => {
  const d = caseDir('db-read-only')
  mkdirSync(d.dbDir)
  writeFileSync(d.db, '')
  chmodSync(d.db, 0o444)
  expectRefused(await serve({ DATABASE_PATH: d.db }), 'DATABASE_PATH', 'is read-only')
  expect(readFileSync(d.db).length).toBe(0)
  expect(readdirSync(d.dbDir)).toEqual(['fastagent.db']) // no -wal / -shm either
}, 30_000)

test('DATABASE_PATH is not a SQLite database: exit 78 naming it, the file untouched', async () => {
  const d = caseDir('db-not-sqlite')
  mkdirSync(d.dbDir)
  const junk = 'these are notes, not a database\n'.repeat(200)
  writeFileSync(d.db, junk)
  expectRefused(await serve({ DATABASE_PATH: d.db }), 'DATABASE_PATH', 'cannot be opened as a FastAgent database')
  expect(readFileSync(d.db, 'utf8')).toBe(junk)
}, 30_000)

test('BUSINESS_HOURS with "," between rules: exit 78, the message says to use ";", nothing created', async () => {
  const d = caseDir('hours-comma')
  expectRefused(await serve({ DATABASE_PATH: d.db, BUSINESS_HOURS: 'Mon-Fri 09:00-17:00, Sat 10:00-14:00' }), 'BUSINESS_HOURS', 'use ";" between rules')
  expect(existsSync(d.dbDir)).toBe(false)
}, 30_000)

test('BUSINESS_HOURS with overlapping rules: exit 78 naming the day', async () => {
  const d = caseDir('hours-overlap')
  expectRefused(await serve({ DATABASE_PATH: d.db, BUSINESS_HOURS: 'Mon-Fri 09:00-17:00; Fri 16:00-20:00' }), 'BUSINESS_HOURS', 'overlapping hours on Friday')
  expect(existsSync(d.dbDir)).toBe(false)
}, 30_000)

test('a good configuration: server.ready carries the parsed hours and time zone', async () => {
  const d = caseDir('good')
  const proc = Bun.spawn([process.execPath, 'src/main.ts', 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...BASE, DATABASE_PATH: d.db, BUSINESS_HOURS: 'Mon-Fri 09:00-17:00; Sat 10:00-14:00', BUSINESS_TIMEZONE: 'Europe/Berlin' },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 30_000,
  })
  let out = ''
  const decoder = new TextDecoder()
  try {
    for await (const chunk of proc.stdout) {
      out += decoder.decode(chunk)
      if (out.includes('"server.ready"')) break
    }
  } finally {
    proc.kill('SIGTERM')
    await proc.exited
  }
  const line = out.split('\n').find((l) => l.includes('"server.ready"'))
  expect(line, out).toBeDefined()
  const ready = JSON.parse(line!) as Record<string, unknown>
  expect(ready.hours).toBe('Monday to Friday, 9 AM to 5 PM; Saturday, 10 AM to 2 PM')
  expect(ready.timezone).toBe('Europe/Berlin')
}, 60_000)

describe('boot checks of a folder of businesses (the shared token, calendars)', () => {
  /** A folder of business files, each with its tenant section. */
  function folder(name: string, tenants: Record<string, string>): string {
    const f = join(dir, name)
    mkdirSync(f)
    for (const [id, tenant] of Object.entries(tenants)) writeFileSync(join(f, `${id}.yaml`), `tenant: ${tenant}\nbusiness: { name: ${id} clinic, timezone: UTC }\nhours: { mon-sun: "08:00-20:00" }\n`)
    return f
  }

  test('a business whose calendar lacks its password (in the file and CALDAV_PASSWORD): exit 78 naming the business and the key', async () => {
    const d = caseDir('calendar-password')
    const config = folder('calendar-password-businesses', { alpha: '{ bot_names: [alpha-bot] }', beta: '{ bot_names: [beta-bot] }' })
    writeFileSync(join(config, 'beta.yaml'), readFileSync(join(config, 'beta.yaml'), 'utf8') + 'calendar: { url: "https://cal.example.com/dav", username: reception }\n')
    const r = await serve({ DATABASE_PATH: d.db, FASTAGENT_CONFIG: config })
    expect(r.code).toBe(78)
    expect(r.stderr).toMatch(/fastagent: invalid configuration: beta \(.*beta\.yaml\): calendar\.password is missing/)
    expect(r.stderr).not.toContain('alpha (')
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
    expect(existsSync(d.dbDir)).toBe(false)
  }, 30_000)

  test('nothing set (no business file): exit 78 naming the token and the key together', async () => {
    const d = caseDir('token-and-key')
    const r = await serve({ DATABASE_PATH: d.db, AUDIOCODES_BOT_TOKEN: '', OPENAI_API_KEY: '' })
    expectRefused(r, 'AUDIOCODES_BOT_TOKEN', 'is required but not set: a business has no bot token of its own (tenant: bot_token or bot_token_env): default (environment)')
    expectRefused(r, 'OPENAI_API_KEY', 'is required but not set')
    expect(existsSync(d.dbDir)).toBe(false)
  }, 30_000)

  test('unset while one business has no token of its own: exit 78 naming the variable and that business', async () => {
    const d = caseDir('token-missing')
    const config = folder('token-missing-businesses', { alpha: '{ bot_names: [alpha-bot], bot_token_env: ALPHA_TOKEN }', beta: '{ bot_names: [beta-bot] }' })
    const r = await serve({ DATABASE_PATH: d.db, FASTAGENT_CONFIG: config, AUDIOCODES_BOT_TOKEN: '', ALPHA_TOKEN: 'alpha-token-123' })
    expectRefused(r, 'AUDIOCODES_BOT_TOKEN', /is required but not set: a business has no bot token of its own .*beta \(.*beta\.yaml\)/)
    expect(r.stderr).not.toContain('alpha (')
    expect(existsSync(d.dbDir)).toBe(false)
  }, 30_000)

  test('unset while every business has its own token: serves, each token opens the upgrade, another is refused', async () => {
    const d = caseDir('token-own')
    const config = folder('token-own-businesses', { alpha: '{ bot_names: [alpha-bot], bot_token_env: ALPHA_TOKEN }', beta: '{ bot_names: [beta-bot], bot_token: beta-token-456 }' })
    const proc = Bun.spawn([process.execPath, 'src/main.ts', 'serve'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...BASE, AUDIOCODES_BOT_TOKEN: '', DATABASE_PATH: d.db, FASTAGENT_CONFIG: config, ALPHA_TOKEN: 'alpha-token-123' },
      stdout: 'pipe',
      stderr: 'pipe',
      timeout: 30_000,
    })
    let out = ''
    const decoder = new TextDecoder()
    const upgrade = async (port: number, token: string) => {
      const r = await fetch(`http://127.0.0.1:${port}/audiocodes`, { headers: { authorization: `Bearer ${token}`, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } })
      await r.body?.cancel()
      return r.status
    }
    try {
      for await (const chunk of proc.stdout) {
        out += decoder.decode(chunk)
        if (out.includes('"server.ready"')) break
      }
      const line = out.split('\n').find((l) => l.includes('"server.ready"'))
      expect(line, out).toBeDefined()
      const port = (JSON.parse(line!) as { port: number }).port
      expect(await upgrade(port, 'alpha-token-123')).toBe(101)
      expect(await upgrade(port, 'beta-token-456')).toBe(101)
      expect(await upgrade(port, 'operator-token-123')).toBe(401)
    } finally {
      proc.kill('SIGTERM')
      await proc.exited
    }
  }, 60_000)
})
