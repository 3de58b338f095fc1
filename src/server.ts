/**
 * @module server
 * The composition root: config → database → services → Elysia app → listening socket, and the orderly way down
 * (drain, close stragglers with their state saved, checkpoint and close the database). `serve`, the demo and the
 * end-to-end tests all start FastAgent through {@link startServer}, so they run the same code paths.
 */
import { edenGC } from 'bun:jsc'
import { hostname } from 'node:os'
import type { Config } from './config/schema'
import { describeBusinessHours } from './config/business-hours'
import { ConfigFileError } from './config/preflight'
import { BusinessDirectory } from './config/business/directory'
import { buildApp, type App } from './http/app'
import { createLogger, type Logger } from './ops/log'
import { Lifecycle } from './ops/lifecycle'
import { MetricsRegistry } from './ops/metrics'
import { NO_AUDIO_METER, YoungGcPacer, type AudioMeter } from './ops/young-gc'
import { LoopLagMonitor } from './ops/loop-lag'
import { installProcessGuard } from './ops/process-guard'
import { Store } from './store/store'
import { StoreHealth } from './store/store-health'
import { DatabaseUnreachable, PostgresEngine, describeUrl } from './store/postgres-engine'
import { createTaskRegistry, type AnyTaskDefinition } from './agents/task-definition'
import { DEFAULT_TASKS } from './agents/tasks/registry'
import type { DomainEffect } from './agents/domain-executor'
import type { BookingBackend } from './calendar/booking-backend'
import { calendarProblems, tenantBookingBackend } from './calendar/tenant-booking'
import type { CalendarClient } from './calendar/caldav-client'
import { CallManager } from './call/call-manager'
import { callMetrics } from './call/metrics'
import { loadFallbackClip, type FallbackClip } from './call/fallback-audio'
import { callLinesFor, packFor, taskWordsIn } from './i18n/packs'
import { realtimeMetrics } from './realtime/model-leg'
import { poolMetrics, SessionPool } from './realtime/session-pool'
import { freshCallTarget } from './call/call-session-config'
import { relayPlan } from './audio/formats'
import { audiocodesEndpoint, ConversationRegistry } from './telephony/audiocodes/endpoint'
import { telephonyMetrics } from './telephony/audiocodes/metrics'
import { dialoutCallerId, dialoutClient } from './telephony/audiocodes/dialout-client'
import { normaliseCaller } from './telephony/audiocodes/caller-number'
import { Continuity, continuityMetrics } from './continuity/continuity'
import { InstanceLease } from './cluster/instance-lease'
import { callReleases } from './cluster/call-release'
import { OutboxRunner } from './continuity/outbox-runner'
import { dialoutHandler, smsHandler } from './continuity/handlers'
import { twilioSender, type SmsSender } from './continuity/sms-sender'
import type { DialoutClient } from './telephony/audiocodes/dialout-client'
import { grantChecker } from './telephony/audiocodes/auth'
import { tenantBotName, tenantCallerId } from './config/business/tenants'
import { dialoutNotifyUrl, webhookRoutes } from './continuity/webhooks'
import { CallEventBus } from './call/call-events'
import { CallWatch } from './console/call-watch'
import { Recordings } from './recording/recordings'
import { captureSettings } from './agents/domain/settings'
import { PhraseCache, phraseMetrics, phraseValidity } from './call/phrase-cache'
import { fixedLine } from './call/spoken-line'
import { Submissions } from './agents/declared/submissions'
import { WEBHOOK_JOB, webhookJobHandler } from './agents/declared/webhook-job'
import { storedOutcome } from './agents/declared/stored-outcome'
import { definitionIn } from './agents/declared/registry'
import { formatSecretProblems, secretProblems } from './agents/declared/secrets'
import { DEFAULT_TENANT } from './store/tenant'
import { sharedTokenProblem } from './config/business/shared-token'
import { warmUp } from './ops/warm-up'

export type ServerOptions = {
  readonly log?: Logger
  readonly now?: () => number
  /** Task definitions (default: the appointment tasks). */
  readonly tasks?: readonly AnyTaskDefinition[]
  /** Simulated latency of domain effects (tests, the demo's "this may take a moment"). */
  readonly domainDelayMs?: (e: DomainEffect) => number
  /** How long a tool call waits for its task before answering "working on it". */
  readonly settleMs?: number
  /** Outbox retry backoff base (tests shorten it). */
  readonly outboxBackoffMs?: number
  /** The businesses served (default: opened from FASTAGENT_CONFIG or the BUSINESS_* variables). */
  readonly businesses?: BusinessDirectory
  /** The CalDAV client (tests put a slow or failing proxy in its way); built from CALDAV_* when absent. */
  readonly calendarClient?: CalendarClient
  /** Where declared tasks' webhook secrets are read (default: the process environment). */
  readonly secrets?: Readonly<Record<string, string | undefined>>
}

export type RunningServer = {
  readonly app: App
  readonly port: number
  readonly url: string
  readonly wsUrl: string
  readonly log: Logger
  readonly lifecycle: Lifecycle
  readonly store: Store
  readonly registry: MetricsRegistry
  readonly calls: CallManager
  readonly conversations: ConversationRegistry
  readonly outbox: OutboxRunner
  /** Declared tasks' webhook submissions (their own runner: a slow webhook never holds up an SMS). */
  readonly webhooks: OutboxRunner
  readonly continuity: Continuity
  /** This instance's name (INSTANCE_ID) and its heartbeat lease. */
  readonly instanceId: string
  readonly lease: InstanceLease
  readonly businesses: BusinessDirectory
  /** SIGHUP: read the business file(s) again; new calls get the new version, live calls keep theirs. */
  reloadBusinesses(): boolean
  /** The booking backend (built-in store or CalDAV), its calendar outbox runner and start-up connection test. */
  readonly booking: BookingBackend
  /** Call events (console, latency histograms) and their watcher. */
  readonly events: CallEventBus
  readonly watch: CallWatch
  readonly recordings: Recordings
  /** Warm Realtime sessions (absent when REALTIME_POOL_SIZE=0). */
  readonly pool: SessionPool | undefined
  /** Drain (up to `DRAIN_TIMEOUT_SECONDS`), close what is left with its state saved, close the database. */
  shutdown(reason: string): Promise<void>
}

export class PortInUseError extends Error {
  constructor(readonly host: string, readonly port: number) {
    super(`port ${port} on ${host} is already in use (is another fastagent running?)`)
    this.name = 'PortInUseError'
  }
}

/**
 * Paced young collections take at most this share of the time. JSC's own take 3–5 % at 300 calls of 24 kHz audio
 * (16 a second of 2–3 ms); 0.03 stopped the pacing short at 24 kHz in a quick run (RSS per call back to ~120 KiB),
 * so the bound is a guard against collections that grow costly, not a tuning of the common case.
 */
const YOUNG_GC_MAX_SHARE = 0.1

/** The young-collection pacer (ops/young-gc), unless GC_YOUNG_BUDGET_KIB=0 leaves the pacing to JSC alone. */
function youngGcPacer(config: Config, registry: MetricsRegistry): AudioMeter {
  if (config.GC_YOUNG_BUDGET_KIB === 0) return NO_AUDIO_METER
  const collections = registry.counter('fastagent_gc_young_collections_total', 'young collections run by the relay-paced collector (GC_YOUNG_BUDGET_KIB of audio each)')
  return new YoungGcPacer(config.GC_YOUNG_BUDGET_KIB * 1024, YOUNG_GC_MAX_SHARE, {
    collect: () => {
      edenGC()
      collections.inc()
    },
    now: () => performance.now(),
    defer: (run) => void setImmediate(run),
    later: (run, ms) => void setTimeout(run, ms).unref(),
  })
}

/** A database that cannot be opened is the operator's to fix: named as DATABASE_PATH, not a stack trace. */
async function openStore(config: Config): Promise<Store> {
  if (config.DATABASE_URL !== undefined) {
    try {
      return new Store(await PostgresEngine.connect(config.DATABASE_URL))
    } catch (err) {
      // Host and port only: the URL's password never reaches a message.
      const reason = err instanceof DatabaseUnreachable ? err.message.replace(/^cannot reach/, 'unreachable: cannot reach') : `cannot be used as a FastAgent database (${describeUrl(config.DATABASE_URL)}): ${err instanceof Error ? err.message : String(err)}`
      throw new ConfigFileError({ variable: 'DATABASE_URL', reason })
    }
  }
  const path = config.DATABASE_PATH
  try {
    return await Store.open(path)
  } catch (err) {
    throw new ConfigFileError({ variable: 'DATABASE_PATH', reason: `cannot be opened as a FastAgent database (${path}): ${err instanceof Error ? err.message : String(err)}` })
  }
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL })
  const now = options.now ?? Date.now
  const lifecycle = new Lifecycle()
  const registry = new MetricsRegistry()
  const guard = installProcessGuard(log, registry.counter('fastagent_unhandled_errors_total', 'errors no code path handled (logged; the process kept serving)', ['kind']))
  const callStats = callMetrics(registry)
  // Whether this instance's writes get through (calls' write queues, the lease heartbeat): /readyz is 503 while not.
  const storeHealth = new StoreHealth(now)
  registry.gauge('fastagent_store_unavailable', '1 while writes of this instance wait for the database (an outage: /readyz is 503, steps are retried in order)', [], () => (storeHealth.ok ? 0 : 1))
  registry.gauge('fastagent_store_waiting_writers', 'calls (and the lease heartbeat) whose writes are waiting for the database', [], () => storeHealth.status().failing)
  let businesses = options.businesses
  if (!businesses) {
    const opened = BusinessDirectory.open(config, now)
    if (!opened.ok) throw new BusinessConfigError(opened.message)
    businesses = opened.directory
  }
  const served: BusinessDirectory = businesses
  const directoryOf = () => served
  const secrets = options.secrets ?? process.env
  const missing = secretProblems(businesses.version.businesses, secrets)
  if (missing.length > 0) throw new BusinessConfigError(formatSecretProblems(missing))
  const store = await openStore(config)
  const instanceId = config.INSTANCE_ID ?? `${hostname()}-${process.pid}`
  const outboxClaim = { by: instanceId, ms: config.OUTBOX_CLAIM_SECONDS * 1000 }
  const tasks = createTaskRegistry(options.tasks ?? DEFAULT_TASKS)
  const directoryNow = businesses
  /** A task kind's definition: built in, or declared by the tenant's business (given one), else by any served now. */
  const definition = (kind: string, tenant?: string) => {
    const own = tenant === undefined ? undefined : directoryNow.byId(tenant)
    return definitionIn(tasks, own ? [own, ...directoryNow.version.businesses] : directoryNow.version.businesses, kind)
  }
  const conversations = new ConversationRegistry()

  const tMetrics = telephonyMetrics(registry, () => conversations.size, youngGcPacer(config, registry))
  const cMetrics = continuityMetrics(registry)
  const webhookRejected = registry.counter('fastagent_webhooks_rejected_total', 'webhook requests refused (signature, size)', ['reason'])

  let runner: OutboxRunner | undefined
  const dialoutEnabled = config.AUDIOCODES_API_URL !== undefined
  const continuity = new Continuity({
    config,
    store,
    log,
    now,
    metrics: cMetrics,
    nounOf: (kind, language, tenant) => {
      const def = definition(kind, tenant)
      return def ? taskWordsIn(language, kind, def).noun : packFor(language ?? 'en').call.request
    },
    // Replies to texts speak the first business's language (a text does not say which business it is for).
    lines: () => {
      const b = businesses.version.businesses[0]
      return b ? callLinesFor(b.language, b.name, b.wording[b.language]) : callLinesFor('en', config.BUSINESS_NAME, undefined)
    },
    businessOf: (tenant) => directoryOf().byId(tenant),
    wake: () => runner?.wake(),
    dialoutEnabled,
    instanceId,
  })
  const publicBase = config.PUBLIC_BASE_URL?.replace(/\/+$/, '')
  // One Twilio account; each business may text from its own number (tenant.sms_from), else TWILIO_FROM_NUMBER.
  const senders = new Map<string, SmsSender>()
  const senderFrom = (from: string): SmsSender | undefined => {
    if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN || !config.TWILIO_FROM_NUMBER) return undefined
    let s = senders.get(from)
    if (!s) {
      s = twilioSender({
        accountSid: config.TWILIO_ACCOUNT_SID,
        authToken: config.TWILIO_AUTH_TOKEN,
        from,
        apiBaseUrl: config.TWILIO_API_BASE_URL,
        ...(publicBase ? { statusCallback: `${publicBase}/twilio/sms-status` } : {}),
      })
      senders.set(from, s)
    }
    return s
  }
  const sender = config.TWILIO_FROM_NUMBER ? senderFrom(config.TWILIO_FROM_NUMBER) : undefined
  /** The sender of a business's texts (a tenant a reload removed keeps texting from the default number). */
  const senderFor = (tenant: string) => {
    const from = directoryOf().byId(tenant)?.tenant.smsFrom
    return from !== undefined ? senderFrom(from) : sender
  }
  const notifySecret = config.AUDIOCODES_BOT_TOKEN ?? config.OPENAI_API_KEY ?? 'fastagent'
  const notifyUrl = dialoutNotifyUrl(publicBase, notifySecret)
  // One VoiceAI Connect account; a business's callbacks connect to its own bot and show its own number.
  const dialouts = new Map<string, DialoutClient>()
  const dialoutAs = (bot: string, callerId: string): DialoutClient | undefined => {
    if (!config.AUDIOCODES_API_URL || !config.AUDIOCODES_API_CLIENT_ID || !config.AUDIOCODES_API_CLIENT_SECRET || !config.AUDIOCODES_BOT_NAME) return undefined
    const k = `${bot}\u0000${callerId}`
    let c = dialouts.get(k)
    if (!c) {
      c = dialoutClient({ baseUrl: config.AUDIOCODES_API_URL, clientId: config.AUDIOCODES_API_CLIENT_ID, clientSecret: config.AUDIOCODES_API_CLIENT_SECRET, bot, callerId, ...(notifyUrl ? { notifyUrl } : {}) })
      dialouts.set(k, c)
    }
    return c
  }
  const dialout = config.AUDIOCODES_BOT_NAME ? dialoutAs(config.AUDIOCODES_BOT_NAME, dialoutCallerId(config)) : undefined
  const dialoutFor = (tenant: string) => {
    const b = directoryOf().byId(tenant)
    return b && config.AUDIOCODES_BOT_NAME ? dialoutAs(tenantBotName(b, config.AUDIOCODES_BOT_NAME), tenantCallerId(b, dialoutCallerId(config))) : dialout
  }
  runner = new OutboxRunner({
    store,
    log,
    now,
    handlers: {
      sms: smsHandler({ store, sender: senderFor, log, now }),
      dialout: dialoutHandler({ store, client: dialoutFor, log, now }),
    },
    ...(options.outboxBackoffMs !== undefined ? { backoffMs: options.outboxBackoffMs } : {}),
    claim: outboxClaim,
    onFailure: (where) => callStats.failures.inc({ where }),
  })
  const submissions = new Submissions()
  const WEBHOOK_ATTEMPTS = 8
  const webhookRunner = new OutboxRunner({
    store,
    log,
    now,
    maxAttempts: WEBHOOK_ATTEMPTS,
    claim: outboxClaim,
    handlers: {
      [WEBHOOK_JOB]: webhookJobHandler({
        log,
        now,
        secret: (name) => secrets[name],
        submissions,
        maxAttempts: WEBHOOK_ATTEMPTS,
        stored: storedOutcome({ store, log, now, definition, wakeSms: () => runner?.wake() }),
      }),
    },
    ...(options.outboxBackoffMs !== undefined ? { backoffMs: options.outboxBackoffMs } : {}),
    onFailure: (where) => callStats.failures.inc({ where }),
  })

  // Each business's calendar section, else CALDAV_*: a call books into its own business's calendar, in its zone.
  const calendarTrouble = calendarProblems(businesses.version.businesses, config)
  if (calendarTrouble.length > 0) throw new BusinessConfigError(calendarTrouble.join('\n'))
  const calendarClient = options.calendarClient
  const booking = await tenantBookingBackend({
    store,
    log,
    now,
    businesses: () => directoryOf().version.businesses,
    env: config,
    wakeSms: () => runner?.wake(),
    domainDelayMs: options.domainDelayMs,
    backoffMs: options.outboxBackoffMs,
    claim: outboxClaim,
    ...(calendarClient ? { client: () => calendarClient } : {}),
  })

  // Calls whose instance died with them (our previous run; on PostgreSQL also a peer whose lease ran out) are drops
  // now: a follow-up SMS each if a task was open.
  const openTasksOf = async (callId: string) =>
    (await store.tasks.openForCall(callId)).map((t) => ({ id: t.id, kind: t.kind, title: definition(t.kind, t.tenant_id)?.title ?? t.kind, summary: fixedLine(definition(t.kind, t.tenant_id)?.title ?? t.kind) }))
  const lease = new InstanceLease({
    store,
    log,
    now,
    id: instanceId,
    leaseMs: config.LEASE_TTL_SECONDS * 1000,
    heartbeatMs: config.HEARTBEAT_SECONDS * 1000,
    orphaned: async (list, from) => void (await continuity.recoverCalls(list, openTasksOf, from)),
    onFailure: () => callStats.failures.inc({ where: 'cluster-heartbeat' }),
    onHealth: (ok) => storeHealth.report(lease, ok),
  })
  await lease.start()

  const events = new CallEventBus((err) => log.error('call.event_listener_failed', { err }))
  const watch = new CallWatch({ bus: events, registry, log, persist: (batch) => store.console.addEvents(batch) })
  const recordings = new Recordings({
    dir: config.RECORDINGS_DIR,
    enabled: config.RECORD_CALLS === 'true',
    log,
    dropped: registry.counter('fastagent_recording_dropped_chunks_total', 'audio chunks left out of call recordings (recorder buffer full)'),
    now,
  })
  let fallback: FallbackClip
  try {
    fallback = await loadFallbackClip(config.FALLBACK_AUDIO_FILE)
  } catch (err) {
    throw new ConfigFileError({ variable: 'FALLBACK_AUDIO_FILE', reason: `cannot be played (${config.FALLBACK_AUDIO_FILE ?? 'built-in clip'}): ${err instanceof Error ? err.message : String(err)}; it must be a mono PCM16 or μ-law WAV file` })
  }
  const loopLag = new LoopLagMonitor(config.MAX_EVENT_LOOP_LAG_MS)
  // Warm Realtime sessions for the next calls. They count towards the call cap (a warm session is an upstream session
  // like a call's) and none is opened while new calls would be refused: draining, or the event loop overloaded.
  const firstBusiness = businesses.version.businesses[0]
  let pool: SessionPool | undefined
  if (config.REALTIME_POOL_SIZE > 0 && firstBusiness) {
    const warming: SessionPool = new SessionPool({
      size: config.REALTIME_POOL_SIZE,
      url: config.OPENAI_REALTIME_URL,
      model: config.OPENAI_REALTIME_MODEL,
      apiKey: config.OPENAI_API_KEY ?? '',
      log,
      metrics: poolMetrics(registry, () => ({ ready: warming.ready, opening: warming.opening })),
      now,
      // A call taking a warm session should have at least half the rotation age left before it rotates.
      maxIdleMs: (config.SESSION_ROTATE_MINUTES * 60_000) / 2,
      room: () => lifecycle.acceptingCalls && !loopLag.overloaded && conversations.size + warming.held < config.MAX_CONCURRENT_CALLS,
      // At first: the first business, in the format most calls get (PCM16 24 kHz; μ-law calls retarget it).
      target: freshCallTarget({ config, tasks, now }, firstBusiness, relayPlan('raw/lpcm16_24').openai),
    })
    pool = warming
    lifecycle.onChange((phase) => {
      if (phase === 'ready') warming.start()
      else if (phase === 'draining') warming.drain()
    })
  }
  const phrases = new PhraseCache({ repo: store.phrases, maxBytes: config.PHRASE_CACHE_MB * 1024 * 1024, metrics: phraseMetrics(registry), log, now })
  // Entries for a voice, model or wording no longer configured are deleted (the key alone makes them miss).
  const retainPhrases = () => phrases.retain(phraseValidity(businesses.version.businesses, config))
  await retainPhrases()
  const calls = new CallManager({
    ...(pool ? { pool } : {}),
    phrases,
    fallback,
    config,
    log,
    store,
    tasks,
    domain: booking.domain,
    businesses,
    events,
    recordings,
    realtimeMetrics: realtimeMetrics(registry),
    metrics: callStats,
    continuity,
    now,
    instanceId,
    released: (owner, callId) => releases?.notify(owner, callId),
    ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
    submissions,
    wakeWebhooks: () => webhookRunner.wake(),
    health: storeHealth,
    ...(dialout ? { dialoutCallerId: normaliseCaller(dialoutCallerId(config)) ?? dialoutCallerId(config) } : {}),
  })

  // A call VAIC resumed on another instance is released here when that instance says so (PostgreSQL only).
  const releases = store.sql instanceof PostgresEngine ? await callReleases({ engine: store.sql, self: instanceId, log, release: (callId) => calls.release(callId) }) : undefined

  loopLag.start()
  registry.gauge('fastagent_event_loop_lag_p99_ms', 'event-loop lag p99 over the last 3 s', [], () => loopLag.p99)
  registry.gauge('fastagent_event_loop_lag_p50_ms', 'median event-loop lag over the last 3 s (new calls are refused above MAX_EVENT_LOOP_LAG_MS)', [], () => loopLag.p50)
  // The shared token and the businesses' own, rebuilt when a reload brings a new version.
  const tokenChecks = new WeakMap<object, ReturnType<typeof grantChecker>>()
  const authorize = (authorization: string | null | undefined) => {
    const v = businesses.version
    let check = tokenChecks.get(v)
    if (!check) {
      check = grantChecker(config.AUDIOCODES_BOT_TOKEN, v.businesses.flatMap((b) => (b.tenant.botToken !== undefined ? [{ tenant: b.id, token: b.tenant.botToken }] : [])))
      tokenChecks.set(v, check)
    }
    return check(authorization)
  }
  const endpoint = audiocodesEndpoint({
    token: config.AUDIOCODES_BOT_TOKEN ?? '',
    authorize,
    graceMs: config.DROP_GRACE_SECONDS * 1000,
    maxCalls: config.MAX_CONCURRENT_CALLS,
    authFailuresPerMinute: config.UPGRADE_RATE_PER_MINUTE,
    now,
    overloaded: () => loopLag.overloaded,
    lifecycle,
    log,
    metrics: tMetrics,
    acceptor: calls,
    registry: conversations,
  })
  const webhooks = webhookRoutes({
    authToken: config.TWILIO_AUTH_TOKEN,
    publicBaseUrl: publicBase,
    notifySecret,
    // A text belongs to the business whose number it was sent to (Twilio's To).
    continuityFor: (to) => {
      const b = businesses.forNumber(to)
      return b ? continuity.forTenant(b.id, b) : continuity
    },
    continuity,
    store,
    log,
    now,
    rejected: webhookRejected,
  })

  const tls = config.TLS_CERT_FILE && config.TLS_KEY_FILE ? { cert: Bun.file(config.TLS_CERT_FILE), key: Bun.file(config.TLS_KEY_FILE) } : undefined
  // No token, no console: not even its routes exist.
  const consolePlugin = config.ADMIN_TOKEN
    ? (await import('./console/routes')).consoleRoutes({
        token: config.ADMIN_TOKEN,
        store,
        watch,
        tasks,
        domain: booking.domain,
        // A call's or an appointment's business (its zone, its settings for a cancel), else the first business.
        business: (tenant?: string) => {
          const b = (tenant !== undefined ? directoryOf().byId(tenant) : undefined) ?? directoryOf().pick()
          const tz = b?.timeZone ?? config.BUSINESS_TIMEZONE
          return { id: b?.id ?? DEFAULT_TENANT, timeZone: tz, settings: captureSettings({ tz, hours: b?.hours ?? [[], [], [], [], [], [], []], slotMinutes: config.SLOT_MINUTES }), services: b?.services ?? [], staff: b?.staff ?? [] }
        },
        tenants: () => directoryOf().version.businesses.map((b) => b.id),
        log,
        now,
        prices: {
          inputText: config.PRICE_INPUT_TEXT_PER_M,
          inputAudio: config.PRICE_INPUT_AUDIO_PER_M,
          inputCached: config.PRICE_INPUT_CACHED_PER_M,
          outputText: config.PRICE_OUTPUT_TEXT_PER_M,
          outputAudio: config.PRICE_OUTPUT_AUDIO_PER_M,
        },
        secure: tls !== undefined || (publicBase?.startsWith('https://') ?? false),
        smsAvailable: sender !== undefined,
        wakeOutbox: () => runner?.wake(),
        recording: (id) => recordings.file(id),
      })
    : undefined
  const app = buildApp({ config, log, registry, lifecycle, liveCalls: () => conversations.size, upstream: () => callStats.upstream.status, database: () => storeHealth.status(), plugins: [endpoint, webhooks, ...(consolePlugin ? [consolePlugin] : [])] })
  try {
    app.listen({ hostname: config.HOST, port: config.PORT, reusePort: false, ...(tls ? { tls } : {}) })
  } catch (err) {
    pool?.drain()
    await store.close()
    if (isAddrInUse(err)) throw new PortInUseError(config.HOST, config.PORT)
    throw err
  }
  const server = app.server
  if (!server) throw new Error('server did not start')
  const port = server.port ?? config.PORT
  const directory = businesses
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST

  runner.start()
  webhookRunner.start()
  booking.runner?.start()
  const retention = async () => {
    try {
      const t = now()
      // Recordings are copies of the call like its transcript: same cutoff.
      const purged = (await store.purge(t - config.RETENTION_DAYS * 86_400_000)) + recordings.purge(t - config.RETENTION_DAYS * 86_400_000)
      const expired = await store.calls.expireResumes(t - config.RESUME_WINDOW_HOURS * 3_600_000, t)
      if (purged + expired > 0) log.info('retention.purged', { rows: purged, resumesExpired: expired })
    } catch (err) {
      log.error('retention.failed', { err })
    }
  }
  await retention()
  const retentionTimer = setInterval(() => void retention(), 3_600_000)
  // What the first call would build once (session configs, parsers' code, statements) is built now, before ready.
  const warmStart = performance.now()
  const warmed = await warmUp({ config, businesses: businesses.version.businesses, tasks, store, phrases, now, authorize, select: (a) => businesses.select(a) })

  lifecycle.markReady()
  log.info('server.ready', { host: config.HOST, port, tls: tls !== undefined, hours: describeBusinessHours(firstBusiness?.hours ?? []), timezone: firstBusiness?.timeZone, pool: config.REALTIME_POOL_SIZE, businesses: businesses.version.businesses.map((b) => b.id), engine: store.engine, instance: instanceId, schema: await store.schemaVersion(), sms: sender !== undefined, dialout: dialout !== undefined, booking: booking.kind, warmed: { ...warmed, ms: Math.round(performance.now() - warmStart) } })

  let stopping: Promise<void> | undefined
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      lifecycle.startDraining()
      // The warm sessions go first (startDraining closed them): nobody will take one now.
      pool?.drain()
      log.info('server.draining', { reason, calls: conversations.size, timeoutSeconds: config.DRAIN_TIMEOUT_SECONDS })
      const deadline = now() + config.DRAIN_TIMEOUT_SECONDS * 1000
      while (conversations.size > 0 && now() < deadline) await Bun.sleep(100)
      if (conversations.size > 0) {
        // Stragglers: their state is checkpointed at every step already; ask VAIC to hang up, then close.
        log.warn('server.closing_stragglers', { calls: conversations.size })
        calls.shutdownAll('server-shutdown')
        // Each says a short goodbye and hangs up after it has played (6 s at most), then the sockets are closed.
        const hardDeadline = now() + 8000
        while (conversations.size > 0 && now() < hardDeadline) await Bun.sleep(50)
        for (const leg of conversations.all()) leg.terminate('server shutting down')
      }
      // Endings still being recorded (drop → SMS) must reach the database before it closes; writes still waiting for
      // an unavailable database are given up (none was acknowledged), or the stop would wait for it forever.
      calls.abandonStalledWrites()
      await calls.idle()
      watch.stop()
      await watch.written()
      await recordings.idle()
      await phrases.idle()
      clearInterval(retentionTimer)
      loopLag.stop()
      // Elysia's stop() waits for open WebSockets forever (stack-notes B7): force it now that calls are handled.
      await app.stop(true)
      await runner?.stop()
      await webhookRunner.stop()
      await booking.runner?.stop()
      await releases?.stop().catch((err: unknown) => log.error('cluster.unlisten_failed', { err }))
      await lease.stop().catch((err: unknown) => log.error('cluster.lease_stop_failed', { err }))
      await store.close()
      guard.uninstall()
      log.info('server.stopped', { reason })
    })())

  return {
    app,
    port,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    wsUrl: `${tls ? 'wss' : 'ws'}://${host}:${port}`,
    log,
    lifecycle,
    store,
    registry,
    calls,
    conversations,
    outbox: runner,
    webhooks: webhookRunner,
    continuity,
    instanceId,
    lease,
    businesses,
    reloadBusinesses() {
      // Without AUDIOCODES_BOT_TOKEN, a business added without a token of its own could not be called: refused.
      // A calendar section that does not resolve (a secret it leaves to the environment is not set) is refused too.
      const r = directory.reload((bs) => {
        const p = sharedTokenProblem(bs, config.AUDIOCODES_BOT_TOKEN)
        const calendar = calendarProblems(bs, config)
        return p !== undefined ? `${p.variable} ${p.reason}` : calendar.length > 0 ? calendar.join('; ') : undefined
      })
      // A task added by the reload whose secret is not set: its submissions fail (and the caller is told so).
      for (const p of r.ok ? secretProblems(directory.version.businesses, secrets) : []) log.error('business.task_secret_missing', { variable: p.variable, reason: p.reason })
      if (r.ok) {
        log.info('business.reloaded', { version: r.version, businesses: r.businesses })
        void retainPhrases()
      } else log.error('business.reload_refused', { version: directory.version.version, problems: r.message })
      return r.ok
    },
    booking,
    events,
    watch,
    recordings,
    pool,
    shutdown,
  }
}

/** The business file(s) could not be loaded: the message names every problem by file and path. */
export class BusinessConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BusinessConfigError'
  }
}

function isAddrInUse(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null
  return e?.code === 'EADDRINUSE' || (typeof e?.message === 'string' && /in use|EADDRINUSE/i.test(e.message))
}
