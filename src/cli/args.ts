/**
 * @module cli/args
 * Pure argument parsing: `fastagent [command] [flags]`. Each command declares its flags; anything else is a usage
 * error (exit 2). `--flag value` and `--flag=value` are both accepted; repeatable flags collect into arrays.
 */

export type FlagSpec = { readonly type: 'string' | 'boolean'; readonly multiple?: boolean; readonly doc: string; readonly arg?: string }
export type CommandSpec = { readonly doc: string; readonly flags: Readonly<Record<string, FlagSpec>> }

export type Parsed =
  | { kind: 'help'; command?: string }
  | { kind: 'version' }
  | { kind: 'run'; command: string; flags: Record<string, string | boolean | string[]> }
  | { kind: 'error'; message: string }

export function parseArgs(argv: readonly string[], commands: Readonly<Record<string, CommandSpec>>, defaultCommand: string): Parsed {
  let i = 0
  let command = defaultCommand
  const first = argv[0]
  if (first === '--help' || first === '-h' || first === 'help') return argv[1] && commands[argv[1]] ? { kind: 'help', command: argv[1] } : { kind: 'help' }
  if (first === '--version' || first === '-v' || first === 'version') return argv.length === 1 ? { kind: 'version' } : { kind: 'error', message: `unexpected argument ${JSON.stringify(argv[1])}` }
  if (first !== undefined && !first.startsWith('-')) {
    if (!commands[first]) return { kind: 'error', message: `unknown command ${JSON.stringify(first)}` }
    command = first
    i = 1
  }
  const spec = commands[command]
  if (!spec) return { kind: 'error', message: `unknown command ${JSON.stringify(command)}` }
  const flags: Record<string, string | boolean | string[]> = {}
  for (; i < argv.length; i++) {
    const a = argv[i] ?? ''
    if (a === '--help' || a === '-h') return { kind: 'help', command }
    if (!a.startsWith('--')) return { kind: 'error', message: `unexpected argument ${JSON.stringify(a)}` }
    const eq = a.indexOf('=')
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2)
    const flag = spec.flags[name]
    if (!flag) return { kind: 'error', message: `unknown flag --${name} for ${command}` }
    let value: string | boolean
    if (flag.type === 'boolean') {
      if (eq >= 0) return { kind: 'error', message: `--${name} takes no value` }
      value = true
    } else if (eq >= 0) value = a.slice(eq + 1)
    else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) return { kind: 'error', message: `--${name} needs a value` }
      value = next
      i++
    }
    if (flag.multiple && typeof value === 'string') {
      const prev = flags[name]
      flags[name] = Array.isArray(prev) ? [...prev, value] : [value]
    } else {
      if (flags[name] !== undefined) return { kind: 'error', message: `--${name} given twice` }
      flags[name] = value
    }
  }
  return { kind: 'run', command, flags }
}

export function usage(name: string, version: string, commands: Readonly<Record<string, CommandSpec>>, command?: string): string {
  const lines: string[] = []
  const show = command ? { [command]: commands[command] } : commands
  if (!command) lines.push(`${name} ${version}: phone calls answered by OpenAI Realtime, tasks run by state machines`, '', `Usage: ${name} [command] [flags]`, '', 'Commands:')
  for (const [cmd, spec] of Object.entries(show)) {
    if (!spec) continue
    lines.push(`  ${cmd.padEnd(8)} ${spec.doc}`)
    for (const [flag, f] of Object.entries(spec.flags)) {
      const left = `--${flag}${f.type === 'string' ? ` <${f.arg ?? 'value'}>` : ''}`
      lines.push(`      ${left.padEnd(26)} ${f.doc}${f.multiple ? ' (repeatable)' : ''}`)
    }
  }
  if (!command) lines.push('', 'Global flags:', '  --help, -h      this text', '  --version, -v   print the version')
  return lines.join('\n')
}
