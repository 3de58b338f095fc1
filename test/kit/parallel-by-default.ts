/**
 * @module test/kit/parallel-by-default
 * Plain `bun test` runs the suite the fast way. Bun 1.4.5 has no bunfig.toml setting for it (measured: `[test]`
 * `parallel = 4`, `parallel = true`, `jobs`, `workers`, `timings` and even `timeout` are all ignored; only the command
 * line counts), so the preload (test/preload.ts) looks at the command the runner was started with and, when it is a
 * serial run, starts the runner again with the flags of package.json's `test` script in front of the caller's own.
 * This file is the decision, pure: which command to run instead, or none.
 */

/** Flags that mean the caller chose how to run: the command stays as it is. */
const KEEP = [/^--parallel(=|$)/, /^--test-worker$/, /^--watch$/, /^--hot$/, /^--inspect/]

/** Set in the started runner's environment, so that it never starts another. */
export const REEXEC_ENV = 'FASTAGENT_TEST_PARALLEL_REEXEC'

/**
 * The flags of the package.json `test` script (`bun test --parallel=4 …` → `['--parallel=4', …]`), or undefined
 * when the script is not a plain `bun test` with flags (nothing to copy then).
 */
export function scriptFlags(script: string | undefined): string[] | undefined {
  const words = (script ?? '').trim().split(/\s+/)
  if (words[0] !== 'bun' || words[1] !== 'test') return undefined
  const flags = words.slice(2)
  return flags.length > 0 && flags.every((w) => w.startsWith('--')) ? flags : undefined
}

/**
 * `argv` is the runner's own command line (`bun test a.test.ts -t x`). Returns the arguments for `bun` that run the
 * same selection with `flags` first (so the caller's later flags win), or undefined to go on as started.
 */
export function parallelArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, flags: readonly string[] | undefined): string[] | undefined {
  if (flags === undefined || env[REEXEC_ENV] !== undefined) return undefined
  const at = argv.indexOf('test')
  if (at < 1) return undefined
  const rest = argv.slice(at + 1).filter((a) => a !== '')
  if (rest.some((a) => KEEP.some((k) => k.test(a)))) return undefined
  return ['test', ...flags, ...rest]
}
