/**
 * @module cli/env-help
 * The environment section of `--help`, generated from the config schema so it can never drift from it.
 */
import { configKeys, configProperties } from '../config/load'
import { REQUIRED_FOR_SERVE } from '../config/schema'

export function environmentHelp(): string {
  const lines = ['Environment (serve; empty = unset):']
  for (const key of configKeys) {
    const p = configProperties[key]
    const def = p.default !== undefined ? ` [${String(p.default)}]` : (REQUIRED_FOR_SERVE as readonly string[]).includes(key) ? ' [required]' : ''
    lines.push(`  ${key.padEnd(30)} ${p.description ?? ''}${def}`)
  }
  return lines.join('\n')
}
