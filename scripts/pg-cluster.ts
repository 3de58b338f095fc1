/**
 * @module scripts/pg-cluster
 * A throwaway PostgreSQL cluster for tests, the bench and local trials: `initdb` into a temporary folder, started on
 * a free port of 127.0.0.1 (and a Unix socket in that folder), stopped and deleted afterwards. Run as root (CI, this
 * machine) it runs the server as the `postgres` user, which PostgreSQL requires. Uses Debian's `postgresql` package
 * (binaries under /usr/lib/postgresql/<version>/bin) or whatever `pg_ctl` is on PATH; `PG_BIN` overrides.
 *
 *   bun scripts/pg-cluster.ts start      prints {"url":…,"dir":…,"port":…} and leaves the cluster running
 *   bun scripts/pg-cluster.ts stop DIR   stops that cluster and deletes its folder
 *
 * Tests import {@link startCluster}; one cluster per test file at most (each start costs a second or two).
 */
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, chmodSync, chownSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type Cluster = {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication: the cluster only listens locally). */
  readonly url: string
  readonly port: number
  readonly dir: string
  /** Stops the server (fast shutdown) and deletes the folder. Safe to call twice. */
  stop(): Promise<void>
  /** Restarts the server on the same port and data (a database restart mid-call). */
  restart(): Promise<void>
  /** Stops the server, keeping the data (so it can be started again with {@link start}). */
  halt(): Promise<void>
  start(): Promise<void>
}

/** Where PostgreSQL's server binaries are, or undefined when it is not installed. */
export function findPgBin(): string | undefined {
  const env = process.env.PG_BIN
  if (env && existsSync(join(env, 'pg_ctl'))) return env
  const base = '/usr/lib/postgresql'
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions[0]) return join(base, versions[0], 'bin')
  }
  const which = Bun.which('pg_ctl')
  return which ? which.replace(/\/pg_ctl$/, '') : undefined
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
async function pg(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  const cmd = isRoot() ? ['runuser', '-u', 'postgres', '--', bin, ...args] : [bin, ...args]
  const p = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' })
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  return { code: await p.exited, out: out + err }
}

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = s.port
  s.stop(true)
  return port
}

export async function startCluster(): Promise<Cluster> {
  const bin = findPgBin()
  if (!bin) throw new Error('PostgreSQL is not installed (Debian: apt-get install postgresql; or set PG_BIN)')
  const dir = mkdtempSync(join(tmpdir(), 'fa-pg-'))
  const data = join(dir, 'data')
  if (isRoot()) {
    const { uid, gid } = postgresIds()
    chownSync(dir, uid, gid)
  }
  chmodSync(dir, 0o700)
  try {
    await copyTemplate(bin, data)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const port = await freePort()
  // Small and fast: a test cluster, not a production one (fsync off; durability is PostgreSQL's, not under test).
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB`
  const log = join(dir, 'server.log')
  const start = async () => {
    const r = await pg(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-o', opts, '-w', '-t', '30', 'start'])
    if (r.code !== 0) throw new Error(`pg_ctl start failed: ${r.out.slice(-800)}`)
  }
  const halt = async () => {
    await pg(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'])
  }
  try {
    await start()
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  let stopped = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start,
    halt,
    restart: async () => {
      await halt()
      await start()
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      await halt()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * `initdb` is the slow part (seconds, tens of them on a loaded machine): it runs once per machine into a template
 * folder, and each cluster starts from a copy. Made under a temporary name and renamed, so test files starting
 * together never see half a template.
 */
async function copyTemplate(bin: string, data: string): Promise<void> {
  const version = bin.split('/').at(-2) ?? 'pg'
  const template = join(tmpdir(), `fa-pg-template-${version}-${process.getuid?.() ?? 0}`)
  if (!existsSync(join(template, 'PG_VERSION'))) {
    const partial = mkdtempSync(join(tmpdir(), 'fa-pg-template-partial-'))
    if (isRoot()) {
      const { uid, gid } = postgresIds()
      chownSync(partial, uid, gid)
    }
    const init = await pg(join(bin, 'initdb'), ['-D', partial, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync'])
    if (init.code !== 0) {
      rmSync(partial, { recursive: true, force: true })
      throw new Error(`initdb failed: ${init.out.slice(-800)}`)
    }
    try {
      renameSync(partial, template)
    } catch {
      // Another process made it first: use theirs.
      rmSync(partial, { recursive: true, force: true })
    }
  }
  const cp = isRoot() ? ['runuser', '-u', 'postgres', '--', 'cp', '-a', template, data] : ['cp', '-a', template, data]
  const r = Bun.spawnSync(cp, { stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(`copying the cluster template failed: ${r.stderr.toString().slice(-400)}`)
}

/** Stops a cluster started by `bun scripts/pg-cluster.ts start` (by its folder) and deletes it. */
export async function stopClusterDir(dir: string): Promise<void> {
  const bin = findPgBin()
  if (bin && existsSync(join(dir, 'data'))) await pg(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', '-w', '-t', '30', 'stop'])
  rmSync(dir, { recursive: true, force: true })
}

function postgresIds(): { uid: number; gid: number } {
  const r = Bun.spawnSync(['id', '-u', 'postgres'])
  const g = Bun.spawnSync(['id', '-g', 'postgres'])
  const uid = Number(r.stdout.toString().trim())
  const gid = Number(g.stdout.toString().trim())
  if (!Number.isInteger(uid) || r.exitCode !== 0) throw new Error('running as root but there is no `postgres` user (install Debian `postgresql`)')
  return { uid, gid }
}

if (import.meta.main) {
  const [cmd, arg] = process.argv.slice(2)
  if (cmd === 'start') {
    const c = await startCluster()
    process.stdout.write(JSON.stringify({ url: c.url, dir: c.dir, port: c.port }) + '\n')
  } else if (cmd === 'stop' && arg) {
    await stopClusterDir(arg)
  } else {
    process.stderr.write('usage: bun scripts/pg-cluster.ts start | stop DIR\n')
    process.exit(64)
  }
}
