/**
 * The README's quick-start block, as a newcomer copies it. Checked statically (it installs the pinned Bun when there
 * is none, has no comments a zsh paste would pass on as arguments, and ends with the contract command), then run
 * for real with `sh` in a copy of the repository, on a PATH that has Node and npm but no Bun, with npm's global
 * prefix in a temporary folder (so the machine's own Bun is never touched). It must reach the demo's last line.
 */
import { afterAll, expect, test } from 'bun:test'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { requireTool } from './kit/require-tool'

const root = join(import.meta.dir, '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager: string }
const bunVersion = pkg.packageManager.replace(/^bun@/, '')

function quickStartBlock(): string[] {
  const section = readme.split('\n## Quick start\n')[1]?.split('\n## ')[0] ?? ''
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
  if (block === undefined) throw new Error('README has no ```sh block under "## Quick start"')
  return block.trimEnd().split('\n')
}

test('the quick-start block installs the pinned Bun when missing and ends with the contract command', () => {
  const lines = quickStartBlock()
  expect(lines).toEqual([`command -v bun >/dev/null || npm install -g bun@${bunVersion}`, 'bun install && bun run demo'])
  for (const line of lines) expect(line).not.toContain('#')
})

const dir = mkdtempSync(join(tmpdir(), 'fa-quick-start-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A folder of links to every command on PATH except bun and bunx. */
function pathWithoutBun(): string {
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (!d || !existsSync(d)) continue
    for (const name of readdirSync(d)) {
      if (name === 'bun' || name === 'bunx' || existsSync(join(bin, name))) continue
      try {
        symlinkSync(join(d, name), join(bin, name))
      } catch {
        // a name listed twice on PATH: the first one wins, as in a shell
      }
    }
  }
  return bin
}

requireTool('node', 'npm').test(
  'on a machine with Node but no Bun, the block alone reaches the demo',
  async () => {
    const repo = join(dir, 'repo')
    const skip = new Set(['node_modules', 'dist', '.git', 'recordings', 'data', 'bench-results'])
    // Top-level build outputs, installs and git metadata are not part of what a newcomer clones.
    cpSync(root, repo, { recursive: true, filter: (src) => !(skip.has(basename(src)) && join(src, '..') === root) })
    const prefix = join(dir, 'npm-prefix')
    // The rest of the environment stays (HOME's download caches, a proxy's CA certificates); only Bun is gone.
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PATH: `${join(prefix, 'bin')}:${pathWithoutBun()}`,
      npm_config_prefix: prefix,
      npm_config_update_notifier: 'false',
      npm_config_fetch_timeout: '60000',
      npm_config_fetch_retries: '1',
    }
    delete env.CI // the demo as a newcomer runs it
    const before = Bun.spawnSync(['sh', '-c', 'command -v bun || echo none'], { env }).stdout.toString().trim()
    expect(before).toBe('none')
    const proc = Bun.spawn(['sh', '-c', quickStartBlock().join('\n')], { cwd: repo, env, stdout: 'pipe', stderr: 'pipe', timeout: 280_000 })
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
    const code = await proc.exited
    if (code !== 0) console.error(out.slice(-3000), err.slice(-3000))
    expect(code).toBe(0)
    expect(existsSync(join(prefix, 'bin', 'bun'))).toBe(true) // npm installed it: there was no Bun
    expect(out).toContain('every expected step happened')
  },
  300_000,
)
