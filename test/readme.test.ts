/** README must stay true: every environment variable is documented with its real default. */
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from 'bun'
import { acceptedValues, configKeys, configProperties } from '../src/config/load'
import { configTable } from '../src/cli/env-help'

const readme = readFileSync(join(import.meta.dir, '..', 'README.md'), 'utf8')

test('README documents every configuration variable with its default', () => {
  for (const key of configKeys) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${key}\` |`))
    expect(row, `README row for ${key}`).toBeDefined()
    const def = configProperties[key].default
    if (def !== undefined) expect(row).toContain(`\`${String(def)}\``)
  }
})

test('README holds exactly the generated configuration table (every constraint the schema enforces)', () => {
  const table = configTable()
  if (!readme.includes(table)) {
    const theirs = readme.split('\n').filter((l) => l.startsWith('| `'))
    const missing = table.split('\n').filter((l) => l.startsWith('| `') && !theirs.includes(l))
    throw new Error(`README's configuration table is out of date: run \`bun scripts/config-table.ts\` and paste it. Rows that differ:\n${missing.join('\n')}`)
  }
  expect(acceptedValues('AUDIOCODES_BOT_TOKEN')).toBe('at least 8 characters')
  expect(acceptedValues('TLS_KEY_FILE')).toContain('set together with TLS_CERT_FILE')
})

test('--help states every variable with what it accepts', async () => {
  const r = await $`${process.execPath} ${join(import.meta.dir, '..', 'src', 'main.ts')} --help`.nothrow().quiet()
  expect(r.exitCode).toBe(0)
  const lines = r.stdout.toString().split('\n')
  for (const key of configKeys) {
    const line = lines.find((l) => l.trimStart().startsWith(key + ' '))
    expect(line, `--help line for ${key}`).toBeDefined()
    expect(line).toContain(`· ${acceptedValues(key)}`)
  }
})

test('README quick start is exactly the two contract commands', () => {
  expect(readme).toContain('bun install && bun run demo')
})

test("the README's test command is the fast one and is what .ci/run runs", () => {
  const root = join(import.meta.dir, '..')
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  expect(pkg.scripts.test, 'package.json "test" runs files in parallel').toMatch(/^bun test --parallel=\d+( |$)/)
  expect(readme).toContain('| `bun run test` |')
  const ci = readFileSync(join(root, '.ci', 'run'), 'utf8')
  expect(ci).toMatch(/\n[^#\n]*bun run test --reporter=junit/)
  expect(ci).toContain('export CI=true')
  expect(ci).toContain('echo "$passed passed, $failed failed, $skipped skipped"')
})

test('README shows the business file example exactly as `fastagent config example` prints it', async () => {
  const { EXAMPLE_BUSINESS_FILE } = await import('../src/config/business/example')
  expect(readme).toContain('```yaml\n' + EXAMPLE_BUSINESS_FILE + '```')
})
