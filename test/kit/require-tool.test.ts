/**
 * The "requires tool X" gate as CI and a developer see it: a real `bun test` run of a file that needs a tool that
 * does not exist. With CI=true it must fail and name the tool; without, it is skipped with a warning; a tool that
 * exists runs.
 */
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'bun'

const kit = join(import.meta.dir, 'require-tool.ts')
const dir = mkdtempSync(join(tmpdir(), 'fa-require-tool-'))
writeFileSync(
  join(dir, 'gate.test.ts'),
  `import { expect } from 'bun:test'
import { requireTool } from ${JSON.stringify(kit)}
requireTool('fa-no-such-tool-4711').test('needs the missing tool', () => { throw new Error('ran without its tool') })
requireTool({ name: 'custom probe', find: () => false, install: 'some-package' }).describe('needs a block', () => {
  throw new Error('block body ran without its tool')
})
requireTool('sh').test('needs sh', () => { expect(1).toBe(1) })
`,
)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function run(ci: string | undefined) {
  const env: Record<string, string> = { ...(process.env as Record<string, string>) }
  delete env.CI
  if (ci !== undefined) env.CI = ci
  const r = await $`${process.execPath} test ./gate.test.ts`.cwd(dir).env(env).nothrow().quiet()
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() }
}

test('CI=true: a test whose tool is missing fails and names the tool and the package', async () => {
  const r = await run('true')
  expect(r.code).not.toBe(0)
  expect(r.out).toContain('CI=true and this test requires fa-no-such-tool-4711, not found')
  expect(r.out).toContain('apt-get install some-package')
  expect(r.out).not.toContain('ran without its tool')
  expect(r.out).not.toContain('block body ran')
  expect(r.out).toMatch(/1 pass/)
  expect(r.out).toMatch(/2 fail/)
}, 30_000)

test('without CI: the same tests are skipped, with a warning that says why; the present tool runs', async () => {
  const r = await run(undefined)
  expect(r.code).toBe(0)
  expect(r.out).toContain('skipped (CI is not "true"): "needs the missing tool" requires fa-no-such-tool-4711')
  expect(r.out).toMatch(/1 pass/)
  expect(r.out).toMatch(/2 skip/)
  expect(r.out).not.toContain('block body ran')
  expect(r.out).toMatch(/0 fail/)
}, 30_000)
