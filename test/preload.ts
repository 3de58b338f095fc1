/**
 * Preloaded by bunfig.toml into every test process. A serial run (plain `bun test`, no `--parallel`) is started again
 * as the package.json `test` script runs it (test/kit/parallel-by-default.ts says when), and this process exits
 * with its status. `bun test --parallel=1` runs one file at a time; `--watch`, `--hot` and `--inspect*` are left
 * alone. Linux only (the command line is read from /proc); elsewhere plain `bun test` stays serial.
 */
import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { join } from 'node:path'
import { parallelArgs, REEXEC_ENV, scriptFlags } from './kit/parallel-by-default'

function commandLine(): string[] | undefined {
  try {
    return readFileSync('/proc/self/cmdline', 'utf8').split('\0')
  } catch {
    return undefined
  }
}

function testScript(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(import.meta.dir, '..', 'package.json'), 'utf8')) as { scripts?: { test?: unknown } }
    return typeof pkg.scripts?.test === 'string' ? pkg.scripts.test : undefined
  } catch {
    return undefined
  }
}

const argv = commandLine()
const args = argv && parallelArgs(argv, process.env, scriptFlags(testScript()))
if (args !== undefined) {
  const run = Bun.spawnSync([process.execPath, ...args], { stdio: ['inherit', 'inherit', 'inherit'], env: { ...process.env, [REEXEC_ENV]: '1' } })
  // Killed by a signal: the shell's convention, 128 + its number.
  process.exit(run.exitCode ?? 128 + (run.signalCode ? (constants.signals[run.signalCode as NodeJS.Signals] ?? 0) : 0))
}
