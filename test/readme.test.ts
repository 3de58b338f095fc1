/** README must stay true: every environment variable is documented with its real default. */
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { configKeys, configProperties } from '../src/config/load'

const readme = readFileSync(join(import.meta.dir, '..', 'README.md'), 'utf8')

test('README documents every configuration variable with its default', () => {
  for (const key of configKeys) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${key}\` |`))
    expect(row, `README row for ${key}`).toBeDefined()
    const def = configProperties[key].default
    if (def !== undefined) expect(row).toContain(`\`${String(def)}\``)
  }
})

test('README quick start is exactly the two contract commands', () => {
  expect(readme).toContain('bun install && bun run demo')
})

test("the README's test command is the fast one and is what .ci/run runs", () => {
  const root = join(import.meta.dir, '..')
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  expect(pkg.scripts.test, 'package.json "test" runs files in parallel').toMatch(/^bun test --parallel=\d+$/)
  expect(readme).toContain('| `bun run test` |')
  const ci = readFileSync(join(root, '.ci', 'run'), 'utf8')
  expect(ci).toMatch(/\n[^#\n]*bun run test --reporter=junit/)
  expect(ci).toContain('export CI=true')
  expect(ci).toContain('echo "$passed passed, $failed failed, $skipped skipped"')
})
