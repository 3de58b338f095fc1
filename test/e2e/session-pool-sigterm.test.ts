/**
 * `fastagent serve` (the CLI in a process of its own, as systemd runs it) with REALTIME_POOL_SIZE=2: it warms two
 * sessions at boot (configured: session.update received), reports them in /metrics, and SIGTERM closes both (1000,
 * by us) and exits 0. Its log never carries the API key.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { binaryEnv, ROOT, startPeers, type Peers } from '../reliability/crash-kit'
import { freePort, WORLD_SECRETS } from '../../src/sim/world'

let peers: Peers
let dir: string
beforeAll(async () => {
  peers = await startPeers()
  dir = mkdtempSync(join(tmpdir(), 'fa-pool-sigterm-'))
})
afterAll(async () => {
  await peers.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('SIGTERM: the warm sessions are closed by us and the process exits 0', async () => {
  const port = await freePort()
  const env = { ...binaryEnv(peers, port, join(dir, 'fa.db')), REALTIME_POOL_SIZE: '2', LOG_LEVEL: 'debug' }
  const proc = Bun.spawn([process.execPath, join(ROOT, 'src', 'main.ts'), 'serve'], { env, cwd: dir, stdout: 'pipe', stderr: 'pipe' })
  try {
    const emu = peers.emulator
    await emu.waitFor(() => emu.sessions.length === 2 && emu.sessions.every((s) => s.received.some((r) => r.event.type === 'session.update')), 20_000, 'two warm sessions')
    let metrics = ''
    for (let i = 0; i < 200 && !metrics.includes('fastagent_realtime_pool_ready 2'); i++) {
      metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '')
      await Bun.sleep(25)
    }
    expect(metrics).toContain('fastagent_realtime_pool_ready 2')
    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    await emu.waitFor(() => emu.sessions.every((s) => s.closed), 5000, 'both closed')
    for (const s of emu.sessions) expect(s.closeInfo?.code).toBe(1000)
    expect(emu.sessions).toHaveLength(2)
    const out = await new Response(proc.stdout).text()
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; closed?: number })
    expect(events.find((e) => e.event === 'realtime.pool_drained')?.closed).toBe(2)
    expect(events[events.length - 1]?.event).toBe('server.stopped')
    expect(out).not.toContain(WORLD_SECRETS.openaiKey)
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
}, 60_000)
