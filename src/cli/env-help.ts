/**
 * @module cli/env-help
 * The environment section of `--help` and the README's configuration table, both generated from the config schema
 * so neither can drift from it: each variable with its doc, its default (or "required") and what it accepts.
 */
import { acceptedValues, configKeys, configProperties } from '../config/load'
import { REQUIRED_FOR_SERVE, REQUIRED_UNLESS, type ConfigKey } from '../config/schema'

const required = (key: ConfigKey) => (REQUIRED_FOR_SERVE as readonly string[]).includes(key)
const unless = (key: ConfigKey): string | undefined => (REQUIRED_UNLESS as Partial<Record<ConfigKey, string>>)[key]

export function environmentHelp(): string {
  const lines = ['Environment (serve; empty = unset; [default]; accepted values after "·"):']
  for (const key of configKeys) {
    const p = configProperties[key]
    const u = unless(key)
    const def = p.default !== undefined ? ` [${String(p.default)}]` : required(key) ? ' [required]' : u !== undefined ? ` [required unless ${u}]` : ''
    lines.push(`  ${key.padEnd(30)} ${p.description ?? ''}${def} · ${acceptedValues(key)}`)
  }
  return lines.join('\n')
}

/** The README's configuration table (`bun scripts/config-table.ts` prints it; a test compares it with the README). */
export function configTable(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|')
  const rows = configKeys.map((k) => {
    const p = configProperties[k]
    const u = unless(k)
    const def = p.default !== undefined ? `\`${String(p.default)}\`` : required(k) ? '**required**' : u !== undefined ? `**required** unless ${u}` : 'unset'
    return `| \`${k}\` | ${def} | ${cell(p.description ?? '')} | ${cell(acceptedValues(k))} |`
  })
  return ['| variable | default | meaning | accepts |', '|---|---|---|---|', ...rows].join('\n')
}
