/**
 * FastAgent on PostgreSQL (DATABASE_URL): an unreachable database at boot is a configuration error (exit 78 naming
 * DATABASE_URL with host and port, never the password); instances starting together migrate once (advisory lock);
 * a whole booking call runs on PostgreSQL, and a second instance on the same database sees it.
 */
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { PostgresEngine } from '../../src/store/postgres-engine'
import { MIGRATIONS } from '../../src/store/migrations'
import { freePort, startWorld } from '../../src/sim/world'
import { bookingScenario } from '../../src/sim/scenarios'
import { pgTool, usePgCluster } from '../kit/pg'

const root = join(import.meta.dir, '..', '..')

test('an unreachable DATABASE_URL at boot: exit 78 naming DATABASE_URL with host and port, never the password', async () => {
  const port = await freePort()
  const proc = Bun.spawn([process.execPath, 'src/main.ts', 'serve'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AUDIOCODES_BOT_TOKEN: 'operator-token-123',
      OPENAI_API_KEY: 'sk-operator-123456',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `postgres://fastagent:sup3r-s3cret-pw@127.0.0.1:${port}/fastagent`,
    },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 30_000,
  })
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  expect(await proc.exited).toBe(78)
  const line = stderr.split('\n').find((l) => l.trim().startsWith('DATABASE_URL '))
  expect(line, stderr).toBeDefined()
  expect(line).toContain(`unreachable: cannot reach the PostgreSQL database at 127.0.0.1:${port}/fastagent`)
  expect(stderr + stdout).not.toContain('sup3r-s3cret-pw')
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
  expect(stdout).not.toContain('server.ready')
}, 40_000)

pgTool().describe('on a PostgreSQL cluster', () => {
  const { fresh } = usePgCluster()

  test('instances starting together migrate once', async () => {
    const url = await fresh('migrate_once')
    const engines = await Promise.all(Array.from({ length: 4 }, () => PostgresEngine.connect(url, { max: 2 })))
    const rows = await engines[0]!.all('SELECT version FROM schema_migrations ORDER BY version')
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    for (const e of engines) expect(await e.schemaVersion()).toBe(MIGRATIONS.length)
    await Promise.all(engines.map((e) => e.close()))
  }, 60_000)

  test('a booking call on PostgreSQL; a second instance on the same database sees the booking', async () => {
    const url = await fresh('booking_call')
    const first = await startWorld({ env: { DATABASE_URL: url } })
    try {
      expect(first.server.store.engine).toBe('postgres')
      // Throws, naming the step, if any step of the call fails.
      await bookingScenario(first, { step: () => undefined }, { caller: '+14155550190' })
      const second = await startWorld({ env: { DATABASE_URL: url } })
      try {
        const seen = await second.server.store.appointments.upcomingFor('+14155550190', 0)
        expect(seen).toHaveLength(1)
        const call = await second.server.store.calls.get(seen[0]!.call_id ?? '')
        expect(call?.end_reason).toBe('completed')
      } finally {
        await second.stop()
      }
    } finally {
      await first.stop()
    }
  }, 120_000)
})
