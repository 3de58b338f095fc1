/**
 * @module cli/config
 * `fastagent config check FILE|DIR`: validate business files and print the effective configuration (exit 0, or 78
 * naming every problem by file and path). `fastagent config example`: a commented example that passes the check.
 */
import { EXIT_CONFIG } from '../config/load'
import { loadBusinesses } from '../config/business/load'
import { describeFailures } from '../config/business/directory'
import { describeBusiness } from '../config/business/describe'
import { EXAMPLE_BUSINESS_FILE } from '../config/business/example'

type Out = { write(s: string): unknown }
export const CONFIG_USAGE = 'usage: fastagent config check FILE|DIR   |   fastagent config example'

export function runConfig(args: readonly string[], io: { stdout: Out; stderr: Out }): number {
  const [sub, ...rest] = args
  if (sub === 'example' && rest.length === 0) {
    io.stdout.write(EXAMPLE_BUSINESS_FILE)
    return 0
  }
  if (sub === 'check' && rest.length === 1 && rest[0] !== undefined && !rest[0].startsWith('-')) {
    const r = loadBusinesses(rest[0])
    if (!r.ok) {
      io.stderr.write(describeFailures(r) + '\n')
      return EXIT_CONFIG
    }
    const parts = r.businesses.map(describeBusiness)
    io.stdout.write(`${r.businesses.length === 1 ? '1 business' : `${r.businesses.length} businesses`}: ok\n\n${parts.join('\n\n' + '─'.repeat(60) + '\n\n')}\n`)
    return 0
  }
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    ;(sub === undefined ? io.stderr : io.stdout).write(CONFIG_USAGE + '\n')
    return sub === undefined ? 2 : 0
  }
  io.stderr.write(`fastagent config: unexpected ${JSON.stringify(args.join(' '))}\n${CONFIG_USAGE}\n`)
  return 2
}
