/**
 * The compiled executable, as operators run it: version, usage errors, config errors (exit 78), health routes,
 * SIGTERM → exit 0, a taken port, the systemd unit and the installer. With FASTAGENT_REQUIRE_BINARY=1 (CI) it uses
 * the dist/fastagent CI built; otherwise it builds one first.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'bun'
import { requireTool } from './kit/require-tool'

const root = join(import.meta.dir, '..')
const binary = join(root, 'dist', 'fastagent')

beforeAll(async () => {
  if (process.env.FASTAGENT_REQUIRE_BINARY === '1') {
    if (!existsSync(binary)) throw new Error('dist/fastagent is missing: run `bun run build` first')
    return
  }
  // Outside CI, build afresh: a stale dist/ would test old code.
  await $`bun scripts/build.ts`.cwd(root).quiet()
}, 120_000)

const env = (over: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-bin-'))
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    AUDIOCODES_BOT_TOKEN: 'binary-test-token',
    OPENAI_API_KEY: 'sk-binary-test-key',
    DATABASE_PATH: join(dir, 'db', 'fa.db'),
    HOST: '127.0.0.1',
    PORT: '0',
    DRAIN_TIMEOUT_SECONDS: '2',
    LOG_LEVEL: 'info',
    // No peer is reachable from a test: no warm sessions to the real Realtime API.
    REALTIME_POOL_SIZE: '0',
    ...over,
  }
}

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
  const p = s.port ?? 0
  s.stop(true)
  return p
}

describe('compiled binary', () => {
  test('--version and --help', async () => {
    const v = await $`${binary} --version`.quiet()
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    expect(v.stdout.toString().trim()).toBe(`fastagent ${pkg.version}`)
    const h = await $`${binary} --help`.quiet()
    expect(h.stdout.toString()).toContain('AUDIOCODES_BOT_TOKEN')
  })

  test('unknown command or flag: usage on stderr, exit 2', async () => {
    const r = await $`${binary} frobnicate`.nothrow().quiet()
    expect(r.exitCode).toBe(2)
    expect(r.stderr.toString()).toContain('unknown command')
    expect(r.stderr.toString()).toContain('Usage:')
    const f = await $`${binary} serve --bogus`.nothrow().quiet()
    expect(f.exitCode).toBe(2)
  })

  test('bad config stops boot naming every bad variable, exit 78, secrets not printed', async () => {
    const r = await $`${binary} serve`.env(env({ OPENAI_API_KEY: '', PORT: 'eighty', AUDIOCODES_BOT_TOKEN: 'short' })).nothrow().quiet()
    expect(r.exitCode).toBe(78)
    const err = r.stderr.toString()
    expect(err).toContain('OPENAI_API_KEY is required')
    expect(err).toContain('PORT must be')
    expect(err).toContain('AUDIOCODES_BOT_TOKEN must be')
    expect(err).not.toContain('short')
  })

  test('a bad file path stops boot before anything is created (exit 78 naming the variable)', async () => {
    const e = env({ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' })
    const r = await $`${binary} serve`.env(e).nothrow().quiet()
    expect(r.exitCode).toBe(78)
    expect(r.stderr.toString()).toContain('TLS_CERT_FILE cannot be read: /nonexistent/cert.pem does not exist')
    expect(existsSync(join(e.HOME, 'db'))).toBe(false)
  })

  test("the README's binary size is true (within 15 %)", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const stated = Number(/`dist\/fastagent` \(≈(\d+) MB/.exec(readme)?.[1])
    const actual = Bun.file(binary).size / 1e6
    expect(stated, `README states ≈${stated} MB, the binary is ${actual.toFixed(0)} MB`).toBeGreaterThan(actual * 0.85)
    expect(stated).toBeLessThan(actual * 1.15)
  })

  test('serve: /healthz, /readyz, /metrics; SIGTERM drains and exits 0', async () => {
    const port = await freePort()
    const proc = Bun.spawn([binary, 'serve'], { env: env({ PORT: String(port) }), stdout: 'pipe', stderr: 'pipe' })
    const base = `http://127.0.0.1:${port}`
    const until = Date.now() + 10_000
    let ready = false
    while (!ready && Date.now() < until) {
      ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false)
      if (!ready) await Bun.sleep(25)
    }
    expect(ready).toBe(true)
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' })
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toContain('# TYPE fastagent_calls_live gauge')
    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    const out = await new Response(proc.stdout).text()
    const events = out.trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event)
    expect(events).toContain('server.ready')
    expect(events).toContain('server.draining')
    expect(events[events.length - 1]).toBe('server.stopped')
    expect(out).not.toContain('binary-test-token')
  }, 30_000)

  test('a taken port fails fast with a clear message (no silent SO_REUSEPORT sharing)', async () => {
    const holder = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('x') })
    try {
      const r = await $`${binary} serve`.env(env({ PORT: String(holder.port) })).nothrow().quiet()
      expect(r.exitCode).toBe(1)
      expect(r.stderr.toString()).toContain(`port ${holder.port} on 127.0.0.1 is already in use`)
    } finally {
      holder.stop(true)
    }
  })
})

describe('systemd packaging', () => {
  test('the unit has the required settings', () => {
    const unit = readFileSync(join(root, 'scripts', 'fastagent.service'), 'utf8')
    for (const line of ['Type=exec', 'EnvironmentFile=/etc/fastagent/env', 'StateDirectory=fastagent', 'Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'ReadWritePaths=/var/lib/fastagent']) {
      expect(unit).toContain(line)
    }
    const stop = Number(/TimeoutStopSec=(\d+)/.exec(unit)?.[1])
    expect(stop).toBeGreaterThan(60) // above the default DRAIN_TIMEOUT_SECONDS
  })

  requireTool({ name: 'systemd-analyze', find: () => Bun.which('systemd-analyze'), install: 'systemd' }).test('the unit verifies with systemd-analyze', async () => {
    const unit = readFileSync(join(root, 'scripts', 'fastagent.service'), 'utf8')
    const dir = mkdtempSync(join(tmpdir(), 'fa-unit-'))
    const copy = join(dir, 'fastagent.service')
    writeFileSync(copy, unit.replace('/opt/fastagent/fastagent', binary))
    const r = await $`systemd-analyze verify ${copy}`.nothrow().quiet()
    expect(r.stderr.toString()).toBe('')
    expect(r.exitCode).toBe(0)
  })

  test('install.sh installs binary, unit and env template, and is idempotent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-install-'))
    const vars = { PATH: process.env.PATH ?? '', PREFIX: join(dir, 'opt'), ETC: join(dir, 'etc'), UNIT_DIR: join(dir, 'units'), NO_SYSTEMCTL: '1' }
    const first = await $`bash ${join(root, 'scripts', 'install.sh')} ${binary}`.env(vars).nothrow().quiet()
    expect(first.exitCode).toBe(0)
    expect(existsSync(join(dir, 'opt', 'fastagent'))).toBe(true)
    expect(existsSync(join(dir, 'units', 'fastagent.service'))).toBe(true)
    const envFile = join(dir, 'etc', 'env')
    expect(readFileSync(envFile, 'utf8')).toContain('AUDIOCODES_BOT_TOKEN=')
    writeFileSync(envFile, 'AUDIOCODES_BOT_TOKEN=kept-by-operator\n')
    const second = await $`bash ${join(root, 'scripts', 'install.sh')} ${binary}`.env(vars).nothrow().quiet()
    expect(second.exitCode).toBe(0)
    expect(readFileSync(envFile, 'utf8')).toBe('AUDIOCODES_BOT_TOKEN=kept-by-operator\n')
    const v = await $`${join(dir, 'opt', 'fastagent')} --version`.quiet()
    expect(v.stdout.toString()).toContain('fastagent ')
  })
})
