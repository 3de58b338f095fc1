/**
 * @module cluster/sweep-gate
 * Whether this instance may judge its peers dead. A peer's lease running out proves it silent only to an instance
 * that was renewing its own lease all along: after a database outage (a restart, a failover) every lease has run
 * out, the live instances' too, and a survivor that swept on its first beat back would declare every live call in
 * the cluster dropped — an SMS to each caller still talking. So after a failed beat, a gap between good beats
 * longer than the lease (an event-loop stall, beats skipped on a slow database), or a start, an instance first
 * renews for one whole lease; its peers, alive, renew within that time, and only the dead stay expired.
 *
 * Pure: the lease feeds it the outcome of each beat with its clock.
 */
export class SweepGate {
  private lastOk: number | undefined
  private healthySince: number | undefined

  constructor(private readonly leaseMs: number) {}

  /** This instance's lease was written at `at` (a start or a beat). */
  renewed(at: number): void {
    if (this.lastOk === undefined || this.healthySince === undefined || at - this.lastOk > this.leaseMs) this.healthySince = at
    this.lastOk = at
  }

  /** A beat failed: what this instance saw of its peers' leases since proves nothing. */
  failed(): void {
    this.healthySince = undefined
  }

  /** At `at`, an expired peer lease means a dead peer. */
  mayJudge(at: number): boolean {
    return this.healthySince !== undefined && at - this.healthySince >= this.leaseMs
  }
}
