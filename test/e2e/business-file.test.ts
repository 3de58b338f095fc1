/**
 * The business file through the real server: a call gets the business's name, hours and FAQ; SIGHUP reloads (new
 * calls see the new version, a live call keeps its own; a bad file is refused and logged); a bad file at boot exits
 * 78 naming the path.
 */
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld, type World } from '../../src/sim/world'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import type { RealtimeSession } from '../../src/sim/realtime/session'

const FILE = (name: string, greeting: string, extra = '') => `business: { name: ${name}, timezone: UTC }
hours: { mon-sun: "08:00-20:00" }
faq:
  - { q: Where can I park?, a: Behind the building on Harbour Street. }
wording:
  en: { greeting: "${greeting}" }
${extra}`

let world: World | undefined
afterEach(async () => {
  await world?.stop()
  world = undefined
})

const lastInstructions = (s: RealtimeSession | undefined): string => {
  const updates = (s?.received ?? []).map((r) => r.event.raw as { type?: string; session?: { instructions?: string } }).filter((r) => r.type === 'session.update' && typeof r.session?.instructions === 'string')
  return updates.at(-1)?.session?.instructions ?? ''
}

async function greeted(w: World, expect: string): Promise<VaicSimulator> {
  const call = w.call({ supportedMediaFormats: ['raw/lpcm16_24'] })
  if (!(await call.startCall()).ok) throw new Error('call refused')
  await call.waitForBotSaid(expect, 15_000)
  await call.waitForPlaybackIdle(15_000)
  return call
}

test('reload: new calls use the new version, a live call keeps its own; a bad file is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-biz-e2e-'))
  const file = join(dir, 'harbour.yaml')
  writeFileSync(file, FILE('Harbour Dental', 'Hello, Harbour Dental. How can I help?'))
  world = await startWorld({ env: { FASTAGENT_CONFIG: file } })
  const a = await greeted(world, 'hello, harbour dental')
  const aSession = world.emulator.session()
  expect(lastInstructions(aSession)).toContain('phone assistant of Harbour Dental')
  expect(lastInstructions(aSession)).toContain('A: Behind the building on Harbour Street.')

  // A typo in the new file: refused, logged, the running version stays.
  writeFileSync(file, FILE('Harbour Smiles', 'Hi, Harbour Smiles here.', 'booking: { horizon_dayz: 5 }\n'))
  expect(world.server.reloadBusinesses()).toBe(false)
  expect(world.server.businesses.version.version).toBe(1)

  writeFileSync(file, FILE('Harbour Smiles', 'Hi, Harbour Smiles here. How can I help?'))
  expect(world.server.reloadBusinesses()).toBe(true)
  expect(world.server.businesses.version.version).toBe(2)
  const b = await greeted(world, 'hi, harbour smiles here')
  expect(lastInstructions(world.emulator.session())).toContain('phone assistant of Harbour Smiles')

  // Call A still talks for the business it started with: its next session update keeps the old name.
  await a.say('What are your opening hours?')
  await a.waitForBotSaid('open', 15_000)
  await a.waitForPlaybackIdle(15_000)
  expect(lastInstructions(aSession)).toContain('phone assistant of Harbour Dental')
  expect(lastInstructions(aSession)).not.toContain('Harbour Smiles')
  await a.hangup()
  await b.hangup()
  a.assertNoViolations()
  b.assertNoViolations()
}, 90_000)

test('serve: SIGHUP reloads the file, a bad one is refused (logged, old kept); a bad file at boot exits 78', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-biz-hup-'))
  const file = join(dir, 'clinic.yaml')
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    AUDIOCODES_BOT_TOKEN: 'hup-test-token-123',
    OPENAI_API_KEY: 'sk-hup-test-key',
    DATABASE_PATH: join(dir, 'fa.db'),
    HOST: '127.0.0.1',
    PORT: '0',
    FASTAGENT_CONFIG: file,
    LOG_LEVEL: 'info',
    // No peer is reachable from a test: no warm sessions to the real Realtime API.
    REALTIME_POOL_SIZE: '0',
  }
  const main = join(import.meta.dir, '..', '..', 'src', 'main.ts')
  writeFileSync(file, FILE('Clinic', 'Hello.', 'services: [{ id: x, name: X, minutes: 2 }]\n'))
  const bad = Bun.spawnSync(['bun', main, 'serve'], { env, stdout: 'pipe', stderr: 'pipe' })
  expect(bad.exitCode).toBe(78)
  expect(bad.stderr.toString()).toContain('services[0].minutes: must be ≥ 5')
  expect(bad.stderr.toString()).not.toContain('    at ')

  writeFileSync(file, FILE('Clinic', 'Hello.'))
  const proc = Bun.spawn(['bun', main, 'serve'], { env, stdout: 'pipe', stderr: 'pipe' })
  const lines: string[] = []
  const reader = (async () => {
    const dec = new TextDecoder()
    let buf = ''
    for await (const chunk of proc.stdout) {
      buf += dec.decode(chunk)
      const parts = buf.split('\n')
      buf = parts.pop() ?? ''
      lines.push(...parts)
    }
  })()
  const waitLine = async (event: string) => {
    for (let i = 0; i < 600; i++) {
      const l = lines.find((x) => x.includes(`"${event}"`))
      if (l) return JSON.parse(l) as Record<string, unknown>
      await Bun.sleep(25)
    }
    throw new Error(`no ${event} (exit ${String(proc.exitCode)}, signal ${String(proc.signalCode)}) in ${lines.join('\n')}`)
  }
  try {
    await waitLine('server.ready')
    writeFileSync(file, FILE('Clinic', 'Hello.', 'staff: [{ name: Bob }]\n').replace('timezone: UTC', 'timezone: UTC, voise: x'))
    proc.kill('SIGHUP')
    const refused = await waitLine('business.reload_refused')
    expect(String(refused.problems)).toContain('business.voise: unknown key (did you mean voice?)')
    expect(refused.version).toBe(1)
    writeFileSync(file, FILE('Clinic Two', 'Hello.'))
    proc.kill('SIGHUP')
    const ok = await waitLine('business.reloaded')
    expect(ok.version).toBe(2)
    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  } finally {
    proc.kill('SIGKILL')
    await reader.catch(() => undefined)
  }
}, 60_000)
