/**
 * Prints the README's configuration table from the config schema (`bun scripts/config-table.ts`), so the README
 * can be regenerated instead of edited by hand; a test checks the README lists every variable.
 */
import { configKeys, configProperties } from '../src/config/load'
import { REQUIRED_FOR_SERVE } from '../src/config/schema'

const rows = configKeys.map((k) => {
  const p = configProperties[k]
  const def = p.default !== undefined ? `\`${String(p.default)}\`` : (REQUIRED_FOR_SERVE as readonly string[]).includes(k) ? '**required**' : 'unset'
  return `| \`${k}\` | ${def} | ${p.description ?? ''} |`
})
console.log(['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n'))
