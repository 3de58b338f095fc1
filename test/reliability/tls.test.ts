/**
 * TLS without a proxy: with TLS_CERT_FILE/TLS_KEY_FILE (a self-signed certificate made here with openssl), the server
 * answers https:// and wss:// itself. `/healthz` is fetched with that certificate as the only trusted CA (so the
 * server really presents it), plain http on the same port gets no answer, a raw Bot API session over wss (same CA)
 * is accepted and streams audio, and the VoiceAI Connect simulator completes a greeting and a turn over wss.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'bun'
import { startWorld, WORLD_SECRETS, type World } from '../../src/sim/world'
import { BOOKING_ENV } from './kit'
import { requireTool } from '../kit/require-tool'

// openssl makes the certificate; CI installs it (.ci/apt-packages).
requireTool('openssl').describe('TLS served directly', () => {
  let dir: string
  let ca: string
  let world: World
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fa-tls-'))
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    // The subjectAltName lets a strict client verify the certificate for 127.0.0.1 and localhost.
    await $`openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout ${key} -out ${cert} -addext subjectAltName=DNS:localhost,IP:127.0.0.1`.quiet()
    ca = readFileSync(cert, 'utf8')
    world = await startWorld({ env: { ...BOOKING_ENV, TLS_CERT_FILE: cert, TLS_KEY_FILE: key }, logLevel: 'silent' })
  })
  afterAll(async () => {
    await world.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('https:// health, no plaintext on the TLS port', async () => {
    expect(world.server.url).toStartWith('https://')
    expect(world.server.wsUrl).toStartWith('wss://')
    const res = await fetch(`${world.server.url}/healthz`, { tls: { ca } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
    // A client that trusts the usual CAs only refuses it (the server is not secretly serving something else).
    expect(await fetch(`${world.server.url}/healthz`).then(() => 'accepted', () => 'refused')).toBe('refused')
    const plain = await fetch(world.server.url.replace('https://', 'http://') + '/healthz', { signal: AbortSignal.timeout(3000) }).then(
      (r) => r.status,
      () => 'no answer',
    )
    expect(plain).not.toBe(200)
  })

  test('a Bot API session over wss:// (strictly verified) is accepted and streams the greeting', async () => {
    const ws = new WebSocket(`${world.server.wsUrl}/audiocodes`, { headers: { Authorization: `Bearer ${WORLD_SECRETS.botToken}` }, tls: { ca } })
    const types: string[] = []
    ws.onmessage = (e) => types.push((JSON.parse(String(e.data)) as { type: string }).type)
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve()
      ws.onerror = () => reject(new Error('wss connection failed'))
    })
    ws.send(JSON.stringify({ type: 'session.initiate', conversationId: 'tls-raw', caller: '+14155550600', supportedMediaFormats: ['raw/mulaw'] }))
    ws.send(JSON.stringify({ type: 'activities', conversationId: 'tls-raw', activities: [{ type: 'event', name: 'start', parameters: {} }] }))
    const until = Date.now() + 10_000
    while (!types.includes('playStream.chunk') && Date.now() < until) await Bun.sleep(10)
    expect(types[0]).toBe('session.accepted')
    expect(types).toContain('playStream.start')
    expect(types).toContain('playStream.chunk')
    ws.send(JSON.stringify({ type: 'session.end', conversationId: 'tls-raw', reasonCode: 'client-disconnected' }))
    ws.close()
  })

  test('the VoiceAI Connect simulator talks to the bot over wss://', async () => {
    const call = world.call({ caller: '+14155550601', supportedMediaFormats: ['raw/lpcm16_24'] })
    // The simulator has no TLS options: trust the self-signed certificate only while it connects.
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
    let started
    try {
      started = await call.startCall()
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous
    }
    expect(started.ok).toBe(true)
    await call.waitForBotSaid('how can i help', 15_000)
    await call.waitForPlaybackIdle(15_000)
    await call.say('Book an appointment for tomorrow at 10 AM.')
    await call.waitForBotSaid('book for tomorrow at 10 am?', 15_000)
    await call.hangup()
    call.assertNoViolations()
    call.dispose()
  }, 30_000)
})
