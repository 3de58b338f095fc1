/**
 * Prints the README's configuration table from the config schema (`bun scripts/config-table.ts`), so the README
 * is regenerated instead of edited by hand; test/readme.test.ts checks the README holds exactly this table.
 */
import { configTable } from '../src/cli/env-help'

console.log(configTable())
