/**
 * NO_COLOR is honoured like --no-color: `fastagent demo` on a real terminal (a pseudo-terminal made by `script`) paints
 * its header, and does not with NO_COLOR=1 or --no-color. Only the header is read; the demo is then stopped.
 */
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { useColor } from '../../src/cli/demo'
import { requireTool } from '../kit/require-tool'

const root = join(import.meta.dir, '..', '..')

/** The demo's first output line as a terminal shows it. */
async function demoHeader(extraEnv: Record<string, string>, flags = ''): Promise<string> {
  const cmd = `${process.execPath} src/main.ts demo --scenario booking ${flags}`
  const proc = Bun.spawn(['script', '-qfec', cmd, '/dev/null'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', ...extraEnv },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 30_000,
  })
  let out = ''
  const decoder = new TextDecoder()
  try {
    for await (const chunk of proc.stdout) {
      out += decoder.decode(chunk)
      if (/FastAgent demo[^\n]*\n/.test(out)) break
    }
  } finally {
    proc.kill('SIGKILL')
    await proc.exited
  }
  return /[^\n]*FastAgent demo[^\n]*/.exec(out)?.[0] ?? out
}

requireTool('script').describe('colours of the demo on a terminal', () => {
  test('a terminal gets colours; NO_COLOR=1 and --no-color get none', async () => {
    expect(await demoHeader({})).toContain('\x1b[')
    const noColor = await demoHeader({ NO_COLOR: '1' })
    expect(noColor).toContain('FastAgent demo')
    expect(noColor).not.toContain('\x1b[')
    expect(await demoHeader({}, '--no-color')).not.toContain('\x1b[')
  }, 60_000)
})

test('useColor: terminal only, and neither --no-color nor a non-empty NO_COLOR', () => {
  expect(useColor(true, false, {})).toBe(true)
  expect(useColor(true, false, { NO_COLOR: '' })).toBe(true) // empty = unset, per no-color.org
  expect(useColor(true, false, { NO_COLOR: '1' })).toBe(false)
  expect(useColor(true, true, {})).toBe(false)
  expect(useColor(false, false, {})).toBe(false)
})
