/**
 * A server restarted onto the same log keeps its earlier run's lines (scripts/append-log.ts). With `Bun.file(log)` as
 * stdout the second run overwrote the first from offset 0: three-instances counted fewer `cluster.instance_dead`
 * lines after a restart than before it, depending on how much the new run had logged by then.
 */
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnAppendingLog } from '../scripts/append-log'

const dir = mkdtempSync(join(tmpdir(), 'fa-append-log-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const run = async (log: string, line: string) => {
  const p = spawnAppendingLog([process.execPath, '-e', `console.log(${JSON.stringify(line)}); console.error('err ' + ${JSON.stringify(line)})`], log)
  expect(await p.exited).toBe(0)
}

test('a second run appends to the first run’s log and error log instead of overwriting them', async () => {
  const log = join(dir, 'server.log')
  await run(log, 'first run: cluster.instance_dead peer-a, a long line')
  await run(log, 'second')
  expect(readFileSync(log, 'utf8')).toBe('first run: cluster.instance_dead peer-a, a long line\nsecond\n')
  expect(readFileSync(`${log}.err`, 'utf8')).toBe('err first run: cluster.instance_dead peer-a, a long line\nerr second\n')
})

test('the way it was: Bun.file as stdout overwrites from the start without truncating (why the helper exists)', async () => {
  const log = join(dir, 'plain.log')
  for (const line of ['first run, a long line', 'second']) await Bun.spawn([process.execPath, '-e', `console.log(${JSON.stringify(line)})`], { stdout: Bun.file(log) }).exited
  expect(readFileSync(log, 'utf8')).toBe('second\nun, a long line\n')
})
