/**
 * @module test/kit/require-tool
 * "This test needs tool X." CI installs every tool a test needs (`.ci/apt-packages`), so with `CI=true` a missing
 * tool FAILS the test, naming the tool and the package; elsewhere the test is skipped and a warning says why, so a
 * developer without the tool still gets a green run of everything else.
 *
 *   const flite = requireTool('flite')                      // found with Bun.which
 *   flite.test('speaks', async () => { ... })
 *   requireTool('sox', 'flite').describe('audio tools', () => { beforeAll(...); test(...) })
 *   requireTool({ name: 'postgres', find: () => pgBinDir(), install: 'postgresql' }).test(...)
 *
 * `describe` gates a whole block, hooks included (no `beforeAll` starts a server for a tool that is absent).
 */
import { describe as bunDescribe, test as bunTest } from 'bun:test'

/** A tool: a command name found on PATH, or a custom probe (truthy = found) with the Debian package that installs it. */
export type Tool = string | { readonly name: string; readonly find: () => unknown; readonly install?: string }

export type ToolGate = {
  /** Every tool was found. */
  readonly ok: boolean
  /** Names of the tools that were not found. */
  readonly missing: readonly string[]
  /** What is missing and how to install it ('' when ok). */
  readonly reason: string
  /** `test`, gated: runs when ok; fails with `reason` when CI=true; skipped (with a warning) otherwise. */
  readonly test: (name: string, fn: () => void | Promise<unknown>, timeout?: number) => void
  /** `describe`, gated the same way; when a tool is missing the body never runs and one test (failing when CI=true,
   * skipped otherwise) stands for the block. */
  readonly describe: (name: string, fn: () => void) => void
}

export function isCi(env: Record<string, string | undefined> = process.env): boolean {
  return env.CI === 'true'
}

export function requireTool(...tools: readonly Tool[]): ToolGate {
  const missing: string[] = []
  const packages: string[] = []
  for (const tool of tools) {
    const found = typeof tool === 'string' ? Bun.which(tool) : tool.find()
    if (found) continue
    missing.push(typeof tool === 'string' ? tool : tool.name)
    packages.push(typeof tool === 'string' ? tool : (tool.install ?? tool.name))
  }
  const ok = missing.length === 0
  const reason = ok ? '' : `requires ${missing.join(', ')}, not found (Debian: apt-get install ${[...new Set(packages)].join(' ')}; CI installs it from .ci/apt-packages)`
  const ci = isCi()
  let warned = false
  const warn = (name: string): void => {
    if (warned) return
    warned = true
    console.warn(`skipped (CI is not "true"): "${name}" ${reason}`)
  }
  const failing = (name: string): void => {
    bunTest(`${name} [${reason}]`, () => {
      throw new Error(`CI=true and this test ${reason}`)
    })
  }
  return {
    ok,
    missing,
    reason,
    test(name, fn, timeout) {
      if (ok) bunTest(name, fn, timeout)
      else if (ci) failing(name)
      else {
        warn(name)
        bunTest.skip(name, fn)
      }
    },
    describe(name, fn) {
      if (ok) bunDescribe(name, fn)
      else if (ci) failing(name)
      else {
        // Not describe.skip: Bun still runs a skipped block's body to collect its tests.
        warn(name)
        bunTest.skip(`${name} [${reason}]`, () => undefined)
      }
    },
  }
}
