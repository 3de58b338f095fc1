/**
 * @module sim/world
 * Everything a FastAgent call needs, offline, in one process: the real server (temporary SQLite file, free port)
 * wired to the Realtime emulator, the fake Twilio and the fake AudioCodes REST API, plus a factory for VoiceAI
 * Connect simulator calls. The demo, the `call`-less end-to-end tests and the benchmarks all start from here, so they
 * exercise the production code paths; only the peers are simulated.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config/load'
import type { Config } from '../config/schema'
import { createLogger, type Logger, type LogSink } from '../ops/log'
import { startServer, type RunningServer, type ServerOptions } from '../server'
import { INSTANT_TIMING, startRealtimeEmulator, type Emulator, type EmulatorOptions } from './realtime'
import { FakeTwilio } from './twilio/fake-twilio'
import { FakeAudioCodesApi } from './audiocodes-api/fake-audiocodes-api'
import { VaicSimulator, type VaicSimulatorOptions } from './vaic/simulator'
import type { LatencyProbe } from './latency-probe'

export const WORLD_SECRETS = {
  botToken: 'world-bot-token-0123456789',
  openaiKey: 'sk-world-emulator-key',
  twilioSid: 'AC' + '0123456789abcdef'.repeat(2),
  twilioToken: 'world-twilio-auth-token',
  twilioFrom: '+15005550006',
  acClientId: 'world-client',
  acClientSecret: 'world-client-secret',
  botName: 'fastagent',
} as const

export type WorldOptions = {
  /** Extra environment (validated like production config). */
  readonly env?: Readonly<Record<string, string>>
  readonly emulator?: EmulatorOptions
  readonly server?: Omit<ServerOptions, 'log'>
  /** Where the server's JSON log lines go (default: dropped). */
  readonly logSink?: LogSink
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** Keep the database folder after stop (the demo prints where). */
  readonly keepData?: boolean
  /** Use this folder for the database instead of a new temporary one. */
  readonly dataDir?: string
  readonly ringMs?: number
  /** When the fake AudioCodes API answers a dial-out: before (default) or after the call connected. */
  readonly dialoutAnswer?: 'first' | 'after-connect'
  /** Measures relay latency at the peers' socket edges (passthrough formats). */
  readonly probe?: LatencyProbe
  /** More Twilio numbers and VoiceAI Connect bots the accounts own (several businesses). */
  readonly twilioNumbers?: readonly string[]
  readonly botNames?: readonly string[]
}

export type World = {
  readonly server: RunningServer
  readonly emulator: Emulator
  readonly twilio: FakeTwilio
  readonly audiocodesApi: FakeAudioCodesApi
  readonly config: Config
  readonly dataDir: string
  readonly log: Logger
  /** A VoiceAI Connect call to the server (not yet connected). */
  call(options?: Partial<VaicSimulatorOptions>): VaicSimulator
  /** Restarts the server on the same port and database (a redeploy or a crash recovery). */
  restart(): Promise<RunningServer>
  stop(): Promise<void>
}

/** A free TCP port on loopback (bound, read, released). */
export async function freePort(): Promise<number> {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
  const port = s.port ?? 0
  await s.stop(true)
  return port
}

export async function startWorld(o: WorldOptions = {}): Promise<World> {
  const emulator = await startRealtimeEmulator({ apiKey: WORLD_SECRETS.openaiKey, speed: 0, ...INSTANT_TIMING, ...(o.probe ? { tap: o.probe.model } : {}), ...o.emulator })
  const twilio = new FakeTwilio({ accountSid: WORLD_SECRETS.twilioSid, authToken: WORLD_SECRETS.twilioToken, fromNumber: WORLD_SECRETS.twilioFrom, otherNumbers: o.twilioNumbers ?? [], statusCallbacks: true }).start()
  const audiocodesApi = new FakeAudioCodesApi({ clientId: WORLD_SECRETS.acClientId, clientSecret: WORLD_SECRETS.acClientSecret, bot: WORLD_SECRETS.botName, otherBots: o.botNames ?? [], ringMs: o.ringMs ?? 300, ...(o.dialoutAnswer ? { answer: o.dialoutAnswer } : {}) }).start()
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'fastagent-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const loaded = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    AUDIOCODES_BOT_TOKEN: WORLD_SECRETS.botToken,
    OPENAI_API_KEY: WORLD_SECRETS.openaiKey,
    OPENAI_REALTIME_URL: emulator.url,
    DATABASE_PATH: join(dataDir, 'fastagent.db'),
    PUBLIC_BASE_URL: base,
    TWILIO_ACCOUNT_SID: WORLD_SECRETS.twilioSid,
    TWILIO_AUTH_TOKEN: WORLD_SECRETS.twilioToken,
    TWILIO_FROM_NUMBER: WORLD_SECRETS.twilioFrom,
    TWILIO_API_BASE_URL: twilio.url,
    AUDIOCODES_API_URL: audiocodesApi.url,
    AUDIOCODES_API_CLIENT_ID: WORLD_SECRETS.acClientId,
    AUDIOCODES_API_CLIENT_SECRET: WORLD_SECRETS.acClientSecret,
    AUDIOCODES_BOT_NAME: WORLD_SECRETS.botName,
    DROP_GRACE_SECONDS: '1',
    DRAIN_TIMEOUT_SECONDS: '5',
    // Admission by event-loop lag depends on how busy the machine is; tests (2 cores, run in parallel) must not.
    MAX_EVENT_LOOP_LAG_MS: '10000',
    PLAYOUT_DELAY_MS: '20',
    // No warm sessions unless a test asks: the emulator's session list then holds exactly the calls' sessions.
    REALTIME_POOL_SIZE: '0',
    LOG_LEVEL: o.logLevel ?? 'debug',
    ...o.env,
  })
  if (!loaded.ok) throw new Error('world config: ' + loaded.problems.map((p) => `${p.variable} ${p.reason}`).join('; '))
  const config = loaded.config
  const log = createLogger({ level: config.LOG_LEVEL, sink: o.logSink ?? (() => undefined) })
  let server = await startServer(config, { log, outboxBackoffMs: 50, ...o.server })
  const calls: VaicSimulator[] = []
  return {
    get server() {
      return server
    },
    emulator,
    twilio,
    audiocodesApi,
    config,
    dataDir,
    log,
    call(options = {}) {
      const sim = new VaicSimulator({ url: `${server.wsUrl}/audiocodes`, token: WORLD_SECRETS.botToken, realtime: true, ...(o.probe ? { tap: o.probe.caller } : {}), ...options })
      calls.push(sim)
      return sim
    },
    async restart() {
      await server.shutdown('restart').catch(() => undefined)
      server = await startServer(config, { log, outboxBackoffMs: 50, ...o.server })
      return server
    },
    async stop() {
      for (const c of calls) c.dispose()
      await server.shutdown('world stopped').catch(() => undefined)
      await emulator.stop()
      twilio.stop()
      audiocodesApi.stop()
      if (!o.keepData && !o.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
