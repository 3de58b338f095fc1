/**
 * @module scripts/cluster-rig
 * A FastAgent cluster on this machine, for the 3-instance end-to-end test and the bench: a throwaway PostgreSQL
 * (scripts/pg-cluster.ts), N `fastagent serve` processes (`bun src/main.ts serve`, INSTANCE_ID i1…iN, free ports)
 * sharing it, and HAProxy in front (a generated haproxy.cfg: health checks on /readyz, WebSocket-friendly timeouts,
 * redispatch of a refused upgrade). The peers are the simulators in src/sim, in the calling process, shared by all
 * instances: the Realtime emulator, the fake Twilio and the fake AudioCodes API.
 *
 *   bun scripts/cluster-rig.ts [N]     starts a rig of N instances (default 3), prints its URLs, stops on Ctrl-C
 *
 * Every instance has the same PUBLIC_BASE_URL (HAProxy's), so a webhook signed for the public URL verifies on any of
 * them. Short leases (LEASE_TTL_SECONDS 2, HEARTBEAT_SECONDS 0.4) make an instance's death visible within seconds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster, type Cluster } from './pg-cluster'
import { INSTANT_TIMING, startRealtimeEmulator, type Emulator } from '../src/sim/realtime'
import { FakeTwilio } from '../src/sim/twilio/fake-twilio'
import { FakeAudioCodesApi } from '../src/sim/audiocodes-api/fake-audiocodes-api'
import { freePort, WORLD_SECRETS } from '../src/sim/world'
import { VaicSimulator, type VaicSimulatorOptions } from '../src/sim/vaic/simulator'
import { PostgresEngine } from '../src/store/postgres-engine'
import { Store } from '../src/store/store'
import { spawnAppendingLog } from './append-log'

const ROOT = join(import.meta.dir, '..')

/** Still running (a process killed by a signal has no exit code, only a signal code). */
const running = (p: ReturnType<typeof Bun.spawn> | undefined): boolean => p !== undefined && p.exitCode === null && p.signalCode === null

export type Instance = {
  readonly id: string
  readonly port: number
  readonly url: string
  readonly wsUrl: string
  /** The running process, or undefined while it is down. */
  proc: ReturnType<typeof Bun.spawn> | undefined
}

export type RigOptions = {
  readonly instances?: number
  /** Extra environment for every instance. */
  readonly env?: Readonly<Record<string, string>>
}

export type Rig = {
  readonly pg: Cluster
  readonly emulator: Emulator
  readonly twilio: FakeTwilio
  readonly audiocodesApi: FakeAudioCodesApi
  readonly instances: readonly Instance[]
  /** HAProxy's address: what VAIC, Twilio and the AudioCodes API are configured with. */
  readonly publicUrl: string
  readonly publicWsUrl: string
  /** A store on the shared database (assertions). */
  readonly store: Store
  readonly dir: string
  instance(id: string): Instance
  /** A VoiceAI Connect call through HAProxy, or straight to one instance. */
  call(options?: Partial<VaicSimulatorOptions>, to?: Instance): VaicSimulator
  start(i: Instance): Promise<void>
  kill9(i: Instance): Promise<void>
  /** SIGTERM (drain, exit 0); resolves with the exit code. */
  sigterm(i: Instance): Promise<number>
  /** What the instance logged so far (JSON lines). */
  logText(i: Instance): Promise<string>
  /** Resolves when HAProxy routes to exactly the instances that are up and ready. */
  balanced(): Promise<void>
  /** Resolves when HAProxy's health check has this instance in `state` (UP, or DOWN while it drains). */
  routed(i: Instance, state: 'UP' | 'DOWN'): Promise<void>
  stop(): Promise<void>
}

export async function startRig(o: RigOptions = {}): Promise<Rig> {
  const n = o.instances ?? 3
  const dir = mkdtempSync(join(tmpdir(), 'fa-rig-'))
  const pg = await startCluster()
  const peers: { emulator?: Emulator; twilio?: FakeTwilio; ac?: FakeAudioCodesApi; haproxy?: ReturnType<typeof Bun.spawn>; store?: Store } = {}
  const instances: Instance[] = []
  const stopAll = async () => {
    await Promise.all(instances.map(async (i) => { i.proc?.kill('SIGKILL'); await i.proc?.exited }))
    peers.haproxy?.kill('SIGKILL')
    await peers.haproxy?.exited
    await peers.store?.close().catch(() => undefined)
    await peers.emulator?.stop()
    peers.twilio?.stop()
    peers.ac?.stop()
    await pg.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const dbUrl = pg.url
    // Migrate once before the instances start (they would wait on the advisory lock anyway).
    peers.store = new Store(await PostgresEngine.connect(dbUrl, { max: 4 }))
    peers.emulator = await startRealtimeEmulator({ apiKey: WORLD_SECRETS.openaiKey, speed: 0, ...INSTANT_TIMING })
    peers.twilio = new FakeTwilio({ accountSid: WORLD_SECRETS.twilioSid, authToken: WORLD_SECRETS.twilioToken, fromNumber: WORLD_SECRETS.twilioFrom, statusCallbacks: true }).start()
    peers.ac = new FakeAudioCodesApi({ clientId: WORLD_SECRETS.acClientId, clientSecret: WORLD_SECRETS.acClientSecret, bot: WORLD_SECRETS.botName, ringMs: 50 }).start()
    const lbPort = await freePort()
    const publicUrl = `http://127.0.0.1:${lbPort}`
    for (let k = 1; k <= n; k++) {
      const port = await freePort()
      instances.push({ id: `i${k}`, port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, proc: undefined })
    }
    const env = (i: Instance): Record<string, string> => ({
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(i.port),
      INSTANCE_ID: i.id,
      DATABASE_URL: dbUrl,
      AUDIOCODES_BOT_TOKEN: WORLD_SECRETS.botToken,
      OPENAI_API_KEY: WORLD_SECRETS.openaiKey,
      OPENAI_REALTIME_URL: peers.emulator!.url,
      PUBLIC_BASE_URL: publicUrl,
      TWILIO_ACCOUNT_SID: WORLD_SECRETS.twilioSid,
      TWILIO_AUTH_TOKEN: WORLD_SECRETS.twilioToken,
      TWILIO_FROM_NUMBER: WORLD_SECRETS.twilioFrom,
      TWILIO_API_BASE_URL: peers.twilio!.url,
      AUDIOCODES_API_URL: peers.ac!.url,
      AUDIOCODES_API_CLIENT_ID: WORLD_SECRETS.acClientId,
      AUDIOCODES_API_CLIENT_SECRET: WORLD_SECRETS.acClientSecret,
      AUDIOCODES_BOT_NAME: WORLD_SECRETS.botName,
      BUSINESS_HOURS: 'Mon-Sun 08:00-20:00',
      BUSINESS_TIMEZONE: 'UTC',
      GREETING: 'How can I help?',
      // Long enough for a session.resume to reach another instance and take the call over first.
      DROP_GRACE_SECONDS: '10',
      DRAIN_TIMEOUT_SECONDS: '60',
      LEASE_TTL_SECONDS: '2',
      HEARTBEAT_SECONDS: '0.4',
      OUTBOX_CLAIM_SECONDS: '10',
      MAX_EVENT_LOOP_LAG_MS: '10000',
      PLAYOUT_DELAY_MS: '20',
      // As in the world: no warm Realtime sessions (the emulator's sessions are the calls').
      REALTIME_POOL_SIZE: '0',
      LOG_LEVEL: 'info',
      ...o.env,
    })
    const start = async (i: Instance) => {
      if (running(i.proc)) throw new Error(`${i.id} is already running`)
      const log = join(dir, `${i.id}.log`)
      i.proc = spawnAppendingLog([process.execPath, 'src/main.ts', 'serve'], log, { cwd: ROOT, env: env(i) })
      const proc = i.proc
      const until = Date.now() + 60_000
      for (;;) {
        if (!running(proc)) throw new Error(`${i.id} exited with ${proc.exitCode ?? proc.signalCode} before it was ready (see ${log}.err)`)
        if (await fetch(`${i.url}/readyz`).then((r) => r.status === 200, () => false)) return
        if (Date.now() > until) throw new Error(`${i.id} not ready within 60 s`)
        await Bun.sleep(50)
      }
    }
    await Promise.all(instances.map(start))
    const cfg = join(dir, 'haproxy.cfg')
    writeFileSync(cfg, haproxyConfig(lbPort, instances))
    peers.haproxy = Bun.spawn(['haproxy', '-db', '-f', cfg], { stdout: Bun.file(join(dir, 'haproxy.log')), stderr: Bun.file(join(dir, 'haproxy.log.err')) })
    const haproxy = peers.haproxy
    const rig: Rig = {
      pg,
      emulator: peers.emulator,
      twilio: peers.twilio,
      audiocodesApi: peers.ac,
      instances,
      publicUrl,
      publicWsUrl: publicUrl.replace(/^http/, 'ws'),
      store: peers.store,
      dir,
      instance(id) {
        const i = instances.find((x) => x.id === id)
        if (!i) throw new Error(`no instance ${id}`)
        return i
      },
      call(options = {}, to) {
        return new VaicSimulator({ url: `${to ? to.wsUrl : publicUrl.replace(/^http/, 'ws')}/audiocodes`, token: WORLD_SECRETS.botToken, realtime: true, ...options })
      },
      start,
      async kill9(i) {
        i.proc?.kill('SIGKILL')
        await i.proc?.exited
      },
      async sigterm(i) {
        i.proc?.kill('SIGTERM')
        return (await i.proc?.exited) ?? 0
      },
      async balanced() {
        const up = new Set(instances.filter((i) => running(i.proc)).map((i) => i.id))
        const until = Date.now() + 30_000
        for (;;) {
          if (!running(haproxy)) throw new Error(`haproxy exited with ${haproxy.exitCode} (see ${dir}/haproxy.log.err)`)
          const states = await serverStates(publicUrl)
          if (states && instances.every((i) => (states.get(i.id) === 'UP') === up.has(i.id))) return
          if (Date.now() > until) throw new Error(`haproxy never saw exactly ${[...up].join(', ')} up: ${JSON.stringify(states ? [...states] : null)}`)
          await Bun.sleep(50)
        }
      },
      logText: (i) => Bun.file(join(dir, `${i.id}.log`)).text(),
      async routed(i, state) {
        const until = Date.now() + 30_000
        while ((await serverStates(publicUrl))?.get(i.id) !== state) {
          if (Date.now() > until) throw new Error(`haproxy never saw ${i.id} ${state}`)
          await Bun.sleep(50)
        }
      },
      stop: stopAll,
    }
    await rig.balanced()
    return rig
  } catch (err) {
    await stopAll()
    throw err
  }
}

/**
 * The load balancer in front of the instances. WebSocket calls last minutes: `timeout tunnel` (an upgraded
 * connection's idle limit) must exceed the longest silence on a call's socket, and `timeout client`/`server` cover the
 * upgrade itself. `/readyz` is 503 while an instance starts or drains, so the health check takes it out of rotation
 * before it stops taking calls; an upgrade it still refuses (503) is retried on another server (`retry-on 503` with
 * `option redispatch`). `leastconn` spreads long-lived sockets better than round robin.
 */
export function haproxyConfig(port: number, instances: readonly Pick<Instance, 'id' | 'port'>[], checkMs = 200): string {
  return `global
  maxconn 4096

defaults
  mode http
  option httplog
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout tunnel 1h
  timeout client-fin 5s
  timeout http-request 10s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 503

frontend fastagent
  bind 127.0.0.1:${port}
  # The rig reads server states here; a production balancer keeps its stats off the public frontend.
  stats enable
  stats uri /haproxy-stats
  stats show-legends
  default_backend instances

backend instances
  balance leastconn
  option httpchk GET /readyz
  http-check expect status 200
  # Three failed checks in a row take a server out: one slow answer on a loaded machine must not.
  timeout check 5s
  default-server inter ${checkMs}ms fastinter ${checkMs}ms downinter ${checkMs}ms fall 3 rise 1
${instances.map((i) => `  server ${i.id} 127.0.0.1:${i.port} check`).join('\n')}
`
}

/** Each server's status as HAProxy reports it (its CSV stats page), or undefined when HAProxy is not answering yet. */
async function serverStates(publicUrl: string): Promise<Map<string, string> | undefined> {
  const csv = await fetch(`${publicUrl}/haproxy-stats;csv`).then((r) => (r.ok ? r.text() : undefined), () => undefined)
  if (csv === undefined) return undefined
  const out = new Map<string, string>()
  for (const line of csv.split('\n')) {
    const f = line.split(',')
    if (f[0] === 'instances' && f[1] && f[1] !== 'BACKEND' && f[17]) out.set(f[1], f[17].split(' ')[0] ?? '')
  }
  return out
}

if (import.meta.main) {
  const rig = await startRig({ instances: Number(process.argv[2] ?? 3) })
  process.stdout.write(`FastAgent cluster up: ${rig.publicUrl} (HAProxy) → ${rig.instances.map((i) => `${i.id} ${i.url}`).join(', ')}; PostgreSQL ${rig.pg.url}\nCtrl-C stops it.\n`)
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
  await rig.stop()
}
