/**
 * @module realtime/session-pool
 * Warm Realtime sessions (`REALTIME_POOL_SIZE`): connected, `session.update` sent and `session.updated` received,
 * waiting for the next call. A call that takes one starts its first response at once: no WebSocket upgrade, no
 * configuration round trip (the real API takes about 300 ms to say `session.created`, and the update is one more trip).
 *
 * What a call must match is its session's *key* ({@link poolKey}): everything in the session config except the
 * instructions and the tools (format, voice, transcription language, turn detection, model). The pool warms sessions
 * for up to `size` targets — the kinds of the latest calls that found none, newest first (at first the default
 * business in the default format) — spread evenly, so two kinds of call (two tenants' voices, μ-law and PCM) each
 * find one, and one kind gets them all. The instructions (they carry the time of day) are kept current while a session waits; what still differs
 * when a call takes it (a resumed call's open tasks, a minute that just turned) goes out as one `session.update` the
 * call does not wait for: the server applies events in order, so its first `response.create` already sees it.
 *
 * Rules: never more sessions (connecting or ready) than the size; a session that fails, errors or closes while waiting
 * is dropped and replaced, never handed out; one older than `maxIdleMs`, or near its `expires_at`, is replaced before
 * it gets stale; no new session while `room()` says no (draining, overloaded, at the call cap); `drain()` closes all.
 * Failed setups back off (the API being down must not become a connect loop). Logs name the URL, never the key.
 */
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime'
import type { Logger } from '../ops/log'
import type { Counter, MetricsRegistry } from '../ops/metrics'
import { parseServerEvent, type ClientEvent } from './protocol'
import { connectUpstream, realtimeUrl, type UpstreamHandlers, type UpstreamSocket } from './transport'

/** What a call must match to take a warm session: the session config without its instructions and tools. */
export function poolKey(session: RealtimeSessionCreateRequest): string {
  const { instructions: _i, tools: _t, ...rest } = session
  return stableJson(rest)
}

/** JSON with object keys sorted, so equal configs compare equal whatever order they were built in. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  )
}

export type WarmTarget = {
  readonly key: string
  /** The session config a new call of this key needs, as of now (instructions carry the time). */
  readonly session: () => RealtimeSessionCreateRequest
}

/** A warm session handed to a call: its socket, and what it was configured with. */
export interface WarmSession {
  readonly socket: UpstreamSocket
  readonly openedAt: number
  readonly expiresAtMs: number | undefined
  /** {@link stableJson} of the last session config sent. */
  readonly configured: string
  /** From now on the socket's events go to `h` (the call's model leg). */
  attach(h: UpstreamHandlers): void
}

export type PoolMetrics = {
  readonly takes: Counter
  readonly replaced: Counter
}

export function poolMetrics(registry: MetricsRegistry, pool: () => { ready: number; opening: number }): PoolMetrics {
  registry.gauge('fastagent_realtime_pool_ready', 'warm Realtime sessions ready for the next call', [], () => pool().ready)
  registry.gauge('fastagent_realtime_pool_opening', 'warm Realtime sessions being connected or configured', [], () => pool().opening)
  return {
    takes: registry.counter('fastagent_realtime_pool_takes_total', 'calls that found a warm Realtime session (hit) or connected their own (miss)', ['result']),
    replaced: registry.counter('fastagent_realtime_pool_replaced_total', 'warm sessions dropped before a call took them, by reason', ['reason']),
  }
}

export type SessionPoolOptions = {
  readonly size: number
  readonly url: string
  readonly model: string
  readonly apiKey: string
  readonly log: Logger
  readonly metrics: PoolMetrics
  readonly now?: () => number
  /** An idle warm session older than this is replaced (a call taking it should have most of the session cap left). */
  readonly maxIdleMs: number
  /** May another session be opened now? (not draining, not overloaded, under the call cap) */
  readonly room: () => boolean
  readonly target: WarmTarget
  readonly connectTimeoutMs?: number
  readonly backoffMs?: readonly number[]
  readonly tickMs?: number
}

type Entry = {
  readonly key: string
  readonly socket: UpstreamSocket
  readonly openedAt: number
  state: 'connecting' | 'configuring' | 'ready' | 'closed'
  expiresAtMs: number | undefined
  configured: string
  /** Where the socket's events go: the pool while it waits, the call once taken. */
  h: UpstreamHandlers
}

const DEFAULT_BACKOFF = [250, 1000, 5000, 15_000, 30_000] as const
/** Replace a waiting session this long before the server's `expires_at`, as the model leg rotates (2 min). */
const EXPIRY_MARGIN_MS = 2 * 60_000

export class SessionPool {
  private readonly entries: Entry[] = []
  /** Newest first, at most `size`. */
  private targets: WarmTarget[]
  private failures = 0
  private retryAt = 0
  private draining = false
  private fillQueued = false
  private ticker: ReturnType<typeof setInterval> | undefined
  private readonly now: () => number

  constructor(private readonly o: SessionPoolOptions) {
    this.now = o.now ?? Date.now
    this.targets = [o.target]
  }

  /** Starts warming (the server is ready for calls). */
  start(): void {
    if (this.o.size === 0 || this.draining || this.ticker) return
    this.ticker = setInterval(() => this.tick(), this.o.tickMs ?? 1000)
    this.ticker.unref?.()
    this.fill()
  }

  get size(): number {
    return this.o.size
  }

  /** Sessions ready to hand out. */
  get ready(): number {
    return this.entries.filter((e) => e.state === 'ready').length
  }

  /** Sessions being connected or configured. */
  get opening(): number {
    return this.entries.filter((e) => e.state === 'connecting' || e.state === 'configuring').length
  }

  /** Every session the pool holds (what counts towards the size and the call cap). */
  get held(): number {
    return this.entries.length
  }

  /**
   * A ready session for `key`, or undefined (a miss: the caller connects its own). The pool refills behind it.
   * Checked before it is handed out: a socket that closed or a session past its age is dropped, not given.
   */
  take(key: string): WarmSession | undefined {
    if (this.o.size === 0 || this.draining || !this.ticker) return undefined
    for (const e of [...this.entries]) {
      if (e.state !== 'ready' || e.key !== key) continue
      if (!e.socket.isOpen || this.stale(e)) {
        this.drop(e, !e.socket.isOpen ? 'closed' : 'expired')
        continue
      }
      this.remove(e)
      this.o.metrics.takes.inc({ result: 'hit' })
      this.o.log.debug('realtime.pool_take', { result: 'hit', ageMs: this.now() - e.openedAt, ready: this.ready })
      this.queueFill()
      return {
        socket: e.socket,
        openedAt: e.openedAt,
        expiresAtMs: e.expiresAtMs,
        configured: e.configured,
        attach: (h) => {
          e.h = h
        },
      }
    }
    this.o.metrics.takes.inc({ result: 'miss' })
    this.o.log.debug('realtime.pool_take', { result: 'miss', ready: this.ready })
    return undefined
  }

  /**
   * A call found no session for `t`'s key: warm for it too from now on, as the newest target. The oldest target beyond
   * `size` is forgotten; waiting sessions of a forgotten target, and one of the most-held target when the pool is full,
   * make room for the new kind.
   */
  retarget(t: WarmTarget): void {
    if (this.o.size === 0 || this.draining || this.targets[0]?.key === t.key) return
    this.targets = [t, ...this.targets.filter((x) => x.key !== t.key)].slice(0, this.o.size)
    if (!this.ticker) return
    for (const e of [...this.entries]) if (!this.targetOf(e.key)) this.drop(e, 'retarget')
    if (this.entries.length >= this.o.size && !this.entries.some((e) => e.key === t.key)) {
      const crowded = this.mostHeldKey()
      const victim = this.entries.find((e) => e.key === crowded && e.state === 'ready') ?? this.entries.find((e) => e.key === crowded)
      if (victim) this.drop(victim, 'retarget')
    }
    this.queueFill()
  }

  private targetOf(key: string): WarmTarget | undefined {
    return this.targets.find((x) => x.key === key)
  }

  private countOf(key: string): number {
    return this.entries.filter((e) => e.key === key).length
  }

  private mostHeldKey(): string | undefined {
    let best: string | undefined
    let n = -1
    for (const e of this.entries) {
      const k = this.countOf(e.key)
      if (k > n) [best, n] = [e.key, k]
    }
    return best
  }

  /** The target the next session is for: the one with the fewest sessions, the newest among equals. */
  private nextTarget(): WarmTarget | undefined {
    let best: WarmTarget | undefined
    let n = Infinity
    for (const t of this.targets) {
      const k = this.countOf(t.key)
      if (k < n) [best, n] = [t, k]
    }
    return best
  }

  /** Drain (SIGTERM) or stop: every waiting session is closed and none is opened again. */
  drain(): void {
    if (this.draining) return
    this.draining = true
    if (this.ticker) clearInterval(this.ticker)
    const n = this.entries.length
    for (const e of [...this.entries]) this.close(e, 'draining')
    if (n > 0) this.o.log.info('realtime.pool_drained', { closed: n })
  }

  // ---- filling ----------------------------------------------------------------------------------------------------

  private queueFill(): void {
    if (this.fillQueued) return
    this.fillQueued = true
    queueMicrotask(() => {
      this.fillQueued = false
      this.fill()
    })
  }

  private fill(): void {
    while (!this.draining && this.ticker && this.entries.length < this.o.size && this.now() >= this.retryAt && this.o.room()) if (!this.open()) return
  }

  private open(): boolean {
    const url = realtimeUrl(this.o.url, this.o.model)
    const target = this.nextTarget()
    if (!target) return false
    const key = target.key
    const relay: UpstreamHandlers = {
      open: () => entry.h.open(),
      message: (d) => entry.h.message(d),
      close: (code, reason, error) => entry.h.close(code, reason, error),
    }
    const entry: Entry = {
      key,
      state: 'connecting',
      openedAt: this.now(),
      expiresAtMs: undefined,
      configured: '',
      h: {
        open: () => {
          if (entry.state === 'connecting') entry.state = 'configuring'
        },
        message: (d) => this.onMessage(entry, d),
        close: (code, reason, error) => this.onClose(entry, code, reason, error),
      },
      socket: connectUpstream(url, this.o.apiKey, relay),
    }
    this.entries.push(entry)
    return true
  }

  private onMessage(e: Entry, data: string | Buffer): void {
    if (e.state === 'closed') return
    const parsed = parseServerEvent(data)
    if (parsed.kind !== 'event') return
    const ev = parsed.event
    switch (ev.type) {
      case 'session.created': {
        const exp = ev.session.expires_at
        e.expiresAtMs = typeof exp === 'number' && exp > 0 ? exp * 1000 : undefined
        e.state = 'configuring'
        this.configure(e)
        return
      }
      case 'session.updated':
        if (e.state === 'configuring') {
          e.state = 'ready'
          this.failures = 0
          this.retryAt = 0
          this.o.log.debug('realtime.pool_ready', { ready: this.ready, setupMs: this.now() - e.openedAt })
        }
        return
      case 'error': {
        // A waiting session that reports an error is not trusted with a call: replaced. The message is the server's;
        // our key is cut out of it should it ever be quoted back.
        const code = ev.error.code ?? 'unknown'
        const message = (ev.error.message ?? '').split(this.o.apiKey).join('[key]').slice(0, 200)
        this.o.log.warn('realtime.pool_session_error', { code, message, state: e.state })
        if (e.state !== 'ready') this.setupFailed()
        this.drop(e, 'failed')
        return
      }
      default:
        return
    }
  }

  private configure(e: Entry): void {
    const session = this.targetOf(e.key)?.session()
    if (!session) return this.drop(e, 'retarget')
    const json = stableJson(session)
    e.configured = json
    const ev: ClientEvent = { type: 'session.update', session }
    e.socket.send(JSON.stringify(ev))
  }

  private onClose(e: Entry, code: number, reason: string, error?: string): void {
    const intentional = e.state === 'closed'
    const wasReady = e.state === 'ready'
    e.state = 'closed'
    this.remove(e)
    if (intentional || this.draining) return
    if (!wasReady) this.setupFailed()
    this.o.metrics.replaced.inc({ reason: wasReady ? 'closed' : 'setup_failed' })
    this.o.log.warn('realtime.pool_session_closed', { url: realtimeUrl(this.o.url, this.o.model), phase: wasReady ? 'waiting' : 'setup', error: error ?? `closed ${code}${reason ? ` ${reason}` : ''}` })
    this.queueFill()
  }

  private setupFailed(): void {
    const backoff = this.o.backoffMs ?? DEFAULT_BACKOFF
    const delay = backoff[Math.min(this.failures, backoff.length - 1)] ?? 0
    this.failures++
    this.retryAt = this.now() + delay
  }

  // ---- upkeep -----------------------------------------------------------------------------------------------------

  private stale(e: Entry): boolean {
    const t = this.now()
    return t - e.openedAt > this.o.maxIdleMs || (e.expiresAtMs !== undefined && e.expiresAtMs - t < EXPIRY_MARGIN_MS)
  }

  private tick(): void {
    if (this.draining) return
    const t = this.now()
    for (const e of [...this.entries]) {
      if (e.state === 'connecting' || e.state === 'configuring') {
        if (t - e.openedAt > (this.o.connectTimeoutMs ?? 8000)) {
          this.o.log.warn('realtime.pool_setup_timeout', { url: realtimeUrl(this.o.url, this.o.model), state: e.state })
          this.setupFailed()
          this.drop(e, 'setup_timeout')
        }
        continue
      }
      if (e.state !== 'ready') continue
      if (this.stale(e)) {
        this.drop(e, 'expired')
        continue
      }
      // Keep the instructions current (they carry the time of day): re-sent only when they changed.
      const session = this.targetOf(e.key)?.session()
      if (session && stableJson(session) !== e.configured) {
        e.configured = stableJson(session)
        const ev: ClientEvent = { type: 'session.update', session }
        e.socket.send(JSON.stringify(ev))
      }
    }
    this.fill()
  }

  /** Closes a waiting session and counts why; the pool refills. */
  private drop(e: Entry, reason: string): void {
    this.o.metrics.replaced.inc({ reason })
    this.o.log.debug('realtime.pool_replaced', { reason, ageMs: this.now() - e.openedAt })
    this.close(e, reason)
    this.queueFill()
  }

  private close(e: Entry, reason: string): void {
    this.remove(e)
    if (e.state === 'closed') return
    e.state = 'closed'
    e.socket.close(1000, reason.slice(0, 100))
  }

  private remove(e: Entry): void {
    const i = this.entries.indexOf(e)
    if (i >= 0) this.entries.splice(i, 1)
  }
}
