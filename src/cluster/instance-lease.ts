/**
 * @module cluster/instance-lease
 * This instance's place in the cluster: it registers with a heartbeat lease, renews it every HEARTBEAT_SECONDS, and on
 * each beat looks for peers whose lease (LEASE_TTL_SECONDS) ran out — once it has renewed its own for a whole lease
 * since it started or last lost the database (cluster/sweep-gate: after an outage every lease ran out). The first survivor to mark such a peer dead takes
 * its live calls over in the same transaction and hands them to `orphaned` (continuity declares them dropped: one SMS
 * each). If it dies before that, the calls are its own now, and the next survivor sweeps them with it.
 *
 * At start-up the instance takes over what its own previous run left live (same INSTANCE_ID), and the calls of no
 * instance. On SQLite (one instance by definition) every live call found at start-up died with the last process, as
 * before; there is nobody to heartbeat for, so no timer runs.
 */
import type { Logger } from '../ops/log'
import type { CallRow } from '../store/rows'
import type { Store } from '../store/store'
import { isUnavailable } from '../store/unavailable'
import { SweepGate } from './sweep-gate'

export type InstanceLeaseDeps = {
  readonly store: Store
  readonly log: Logger
  readonly now: () => number
  readonly id: string
  readonly leaseMs: number
  readonly heartbeatMs: number
  /** Calls whose instance died: drop them (each once). `from` names that instance. */
  readonly orphaned: (calls: readonly CallRow[], from: string) => Promise<void>
  /** A beat failed (the database, typically); already logged. */
  readonly onFailure?: () => void
  /** Whether the beats reach the database (false: it is unavailable; readiness turns 503). */
  readonly onHealth?: (ok: boolean) => void
}

export class InstanceLease {
  private timer: ReturnType<typeof setInterval> | undefined
  private beating: Promise<void> | undefined
  private stopped = false
  private readonly gate: SweepGate

  constructor(private readonly d: InstanceLeaseDeps) {
    this.gate = new SweepGate(d.leaseMs)
  }

  private get cluster(): boolean {
    return this.d.store.engine === 'postgres'
  }

  /** Registers, takes over what died with the previous run, and (on PostgreSQL) starts the heartbeat. */
  async start(): Promise<void> {
    const { store, id } = this.d
    const at = this.d.now()
    await store.instances.register(id, at, this.d.leaseMs)
    this.gate.renewed(at)
    if (this.cluster) {
      // Our own previous run (same INSTANCE_ID) is gone: its outbox claims too.
      await store.outbox.releaseClaims({ claimer: id })
      await this.d.orphaned(await store.calls.takeOver(id, at, { owner: id }), id)
      await this.d.orphaned(await store.calls.takeOver(id, at, 'orphans'), '(none)')
      this.timer = setInterval(() => this.beat(), this.d.heartbeatMs)
      this.beat()
    } else {
      // SQLite serves one instance: whatever a previous process claimed in the outbox (killed mid-send, or while it
      // was recovering) is ours to finish now, not after the claim lease.
      await store.outbox.releaseClaims('all')
      await this.d.orphaned(await store.calls.takeOver(id, at, 'all'), 'previous process')
    }
  }

  /** One heartbeat and sweep at a time; a slow database skips beats rather than piling them up. */
  beat(): void {
    if (this.stopped || this.beating) return
    this.beating = this.tick()
      .then(() => this.d.onHealth?.(true))
      .catch((err: unknown) => {
        this.gate.failed()
        this.d.log.error('cluster.heartbeat_failed', { err })
        this.d.onFailure?.()
        if (isUnavailable(err)) this.d.onHealth?.(false)
      })
      .finally(() => (this.beating = undefined))
  }

  /** Resolves when the beat in progress (if any) is over (tests). */
  async settled(): Promise<void> {
    while (this.beating) await this.beating
  }

  private async tick(): Promise<void> {
    const { store, id, log } = this.d
    const at = this.d.now()
    if (!(await store.instances.heartbeat(id, at, this.d.leaseMs))) {
      // A peer found our lease expired (we were cut off from the database, or stalled) and declared our calls dropped;
      // they got their SMS. We come back as a live instance; the calls still talking here end as already recorded.
      log.error('cluster.lease_lost', { instance: id })
      await store.instances.register(id, at, this.d.leaseMs)
    }
    this.gate.renewed(at)
    // Peers' expired leases count only once this instance has itself renewed for a whole lease (sweep-gate).
    if (!this.gate.mayJudge(at)) return
    for (const dead of await store.instances.expired(id, at)) {
      if (this.stopped) return
      const calls = await store.claimDead(dead.id, id, at)
      if (calls === undefined) continue
      log.warn('cluster.instance_dead', { instance: dead.id, leaseExpiredAt: dead.lease_until, calls: calls.length })
      await this.d.orphaned(calls, dead.id)
    }
  }

  /** An orderly stop (after the calls drained): the lease is given up, nobody sweeps this instance. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    await this.settled()
    await this.d.store.instances.stopped(this.d.id, this.d.now())
  }
}
