/**
 * @module bench/cli-value
 * The flags of the single-purpose bench scripts (memory, first-calls, fixed-cost): `--key value` with a default,
 * and `--format` checked against the bench's formats (exit 2 naming it otherwise).
 */
import { isBenchFormat, type BenchFormat } from './frames'

export function cliValue(argv: readonly string[], key: string, fallback: string): string {
  const i = argv.indexOf(key)
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback
}

export function cliFormat(argv: readonly string[], fallback: BenchFormat): BenchFormat {
  const format = cliValue(argv, '--format', fallback)
  if (isBenchFormat(format)) return format
  process.stderr.write(`--format: ${format} is not a bench format\n`)
  process.exit(2)
}
