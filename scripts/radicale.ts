/**
 * Starts Debian's Radicale (a real CalDAV server) for tests and for trying FastAgent's calendar backend by hand:
 * 127.0.0.1 on a free port, a temporary storage folder with one calendar ("Appointments"), htpasswd auth with a
 * random password. Radicale refuses to run as root, so as root it runs as `nobody` (the folder is handed to it).
 *
 *   bun scripts/radicale.ts        # prints CALDAV_* lines for FastAgent, runs until Ctrl-C
 *
 * Tests import {@link startRadicale}; {@link radicaleMissing} says why it cannot run (CI installs it from
 * .ci/apt-packages, so there a missing server fails the test instead of skipping it).
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type Radicale = {
  /** Server root (CalDAV discovery starts here). */
  readonly url: string
  readonly username: string
  readonly password: string
  /** Display name and URL of the calendar created at start. */
  readonly calendar: string
  readonly calendarUrl: string
  readonly folder: string
  stop(): Promise<void>
}

const BINARY = '/usr/bin/radicale'

export function radicaleMissing(): string | undefined {
  const bin = Bun.which('radicale') ?? (existsFile(BINARY) ? BINARY : null)
  if (!bin) return 'radicale is not installed (apt-get install radicale)'
  if (process.getuid?.() === 0 && !Bun.which('runuser')) return 'running as root needs runuser (util-linux) to start radicale as nobody'
  return undefined
}

export async function startRadicale(opts: { calendar?: string } = {}): Promise<Radicale> {
  const missing = radicaleMissing()
  if (missing) throw new Error(missing)
  const root = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'fa-radicale-'))
  const username = 'clinic'
  const password = crypto.randomUUID()
  const calendar = opts.calendar ?? 'Appointments'
  const collection = join(dir, 'collections', 'collection-root', username, 'appointments')
  mkdirSync(collection, { recursive: true })
  writeFileSync(join(collection, '.Radicale.props'), JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': calendar, 'C:supported-calendar-component-set': 'VEVENT' }))
  writeFileSync(join(dir, 'users'), `${username}:${password}\n`)
  // Our own complete config (not /etc/radicale/config, which expects a front-end proxy and TLS files).
  writeFileSync(
    join(dir, 'config'),
    [
      '[server]',
      'hosts = 127.0.0.1:0',
      '[auth]',
      'type = htpasswd',
      `htpasswd_filename = ${join(dir, 'users')}`,
      'htpasswd_encryption = plain',
      '[rights]',
      'type = owner_only',
      '[storage]',
      `filesystem_folder = ${join(dir, 'collections')}`,
      '[web]',
      'type = none',
      '[logging]',
      'level = info',
      '',
    ].join('\n'),
  )
  if (root) handTo(dir, 65534, 65534)
  const bin = Bun.which('radicale') ?? BINARY
  const cmd = [...(root ? ['runuser', '-u', 'nobody', '--'] : []), bin, '--config', join(dir, 'config')]
  const proc = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' })
  const port = await listeningPort(proc)
  const url = `http://127.0.0.1:${port}/`
  let stopped = false
  return {
    url,
    username,
    password,
    calendar,
    calendarUrl: `${url}${username}/appointments/`,
    folder: dir,
    async stop() {
      if (stopped) return
      stopped = true
      proc.kill('SIGTERM')
      await Promise.race([proc.exited, Bun.sleep(5000)])
      if (proc.exitCode === null) proc.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Reads Radicale's log until it says which port it got (it binds port 0), or fails with what it said. */
async function listeningPort(proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>): Promise<number> {
  let text = ''
  let found: (port: number) => void = () => undefined
  const port = new Promise<number>((resolve) => (found = resolve))
  // Drains the whole log for the server's lifetime (a full pipe would block it), looking for the port on the way.
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    const reader = stream.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      if (text.length < 65_536) text += decoder.decode(value)
      const m = /Listening on '?\[?[\d.]+\]?:(\d+)'?/.exec(text)
      if (m && /server ready/.test(text)) found(Number(m[1]))
    }
  }
  void drain(proc.stderr).catch(() => undefined)
  void drain(proc.stdout).catch(() => undefined)
  // It is waited for by its "server ready" line; the limit is only a net for a server that never gets there (a
  // Python start-up on a loaded 2-core machine has taken more than 20 s).
  const r = await Promise.race([port, proc.exited.then(() => undefined), Bun.sleep(60_000).then(() => undefined)])
  if (r === undefined) {
    proc.kill('SIGKILL')
    throw new Error(`radicale did not start: ${text.slice(-800) || '(no output)'}`)
  }
  return r
}

function handTo(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid)
  if (statSync(path).isDirectory()) {
    chmodSync(path, 0o755)
    for (const f of readdirSync(path)) handTo(join(path, f), uid, gid)
  }
}

function existsFile(p: string): boolean {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}

if (import.meta.main) {
  const r = await startRadicale()
  console.log(`Radicale is running (storage ${r.folder}). Point FastAgent at it with:\n`)
  console.log(`CALDAV_URL=${r.url}\nCALDAV_USERNAME=${r.username}\nCALDAV_PASSWORD=${r.password}\nCALDAV_CALENDAR=${r.calendar}\n`)
  console.log('Ctrl-C stops it and deletes the storage.')
  const stop = () => void r.stop().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
