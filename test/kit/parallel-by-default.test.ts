import { describe, expect, test } from 'bun:test'
import { parallelArgs, REEXEC_ENV, scriptFlags } from './parallel-by-default'

const FLAGS = ['--parallel=4', '--timeout=20000', '--timings=test/timings.json']

describe('scriptFlags: the flags of the package.json test script', () => {
  test('a bun test with flags gives its flags', () => {
    expect(scriptFlags('bun test --parallel=4 --timeout=20000')).toEqual(['--parallel=4', '--timeout=20000'])
  })
  test('anything else gives nothing to copy', () => {
    for (const s of [undefined, '', 'bun test', 'vitest --threads', 'bun test src --parallel=4', 'bun run x']) expect(scriptFlags(s)).toBeUndefined()
  })
})

describe('parallelArgs: when plain bun test is started again in parallel', () => {
  test('a serial run of the whole suite: the script flags, nothing else', () => {
    expect(parallelArgs(['/usr/bin/bun', 'test', ''], {}, FLAGS)).toEqual(['test', ...FLAGS])
  })
  test("the caller's files and flags follow the script's, so the caller's win", () => {
    expect(parallelArgs(['bun', 'test', 'test/e2e', '--timeout=60000', '-t', 'barge'], {}, FLAGS)).toEqual(['test', ...FLAGS, 'test/e2e', '--timeout=60000', '-t', 'barge'])
  })
  test('a run that chose its mode, a worker, a watcher, a debugger: left as started', () => {
    for (const flag of ['--parallel', '--parallel=1', '--test-worker', '--watch', '--hot', '--inspect', '--inspect-brk=9229'])
      expect(parallelArgs(['bun', 'test', flag, 'x.test.ts'], {}, FLAGS)).toBeUndefined()
  })
  test('the runner it started never starts another', () => {
    expect(parallelArgs(['bun', 'test'], { [REEXEC_ENV]: '1' }, FLAGS)).toBeUndefined()
  })
  test('no script flags, or not a test run: nothing to do', () => {
    expect(parallelArgs(['bun', 'test'], {}, undefined)).toBeUndefined()
    expect(parallelArgs(['bun', 'run', 'x.ts'], {}, FLAGS)).toBeUndefined()
  })
})

describe('plain bun test, for real (test/preload.ts)', () => {
  const run = (...args: string[]) => {
    const env: Record<string, string | undefined> = { ...process.env }
    delete env[REEXEC_ENV]
    const r = Bun.spawnSync([process.execPath, 'test', ...args], { cwd: `${import.meta.dir}/../..`, env, stdout: 'pipe', stderr: 'pipe' })
    return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() }
  }
  test('runs in parallel, with the selection and filter given', () => {
    const r = run('test/kit/parallel-by-default.test.ts', '-t', 'scriptFlags')
    expect(r.out).toMatch(/\d+x PARALLEL/)
    expect(r.out).toContain('2 pass')
    expect(r.code).toBe(0)
  }, 60_000)
  test("the started runner's failure is the exit status", () => {
    const r = run('test/kit/parallel-by-default.test.ts', '-t', 'no test has this name')
    expect(r.out).toMatch(/\d+x PARALLEL/)
    expect(r.code).not.toBe(0)
  }, 60_000)
  test('--parallel=1 is a serial run, not started again', () => {
    const r = run('--parallel=1', 'test/kit/parallel-by-default.test.ts', '-t', 'scriptFlags')
    expect(r.out).toContain('1x PARALLEL')
    expect(r.out.match(/bun test v/g)).toHaveLength(1)
    expect(r.code).toBe(0)
  }, 60_000)
})
