/**
 * @module store/instances-repo
 * The instances of a cluster and their heartbeat leases. An instance renews its lease every heartbeat; one whose lease
 * ran out is dead, and the first survivor to mark it so (the row's state decides: one UPDATE wins) takes its live
 * calls over to declare them dropped. Times are the instances' own clocks (keep them NTP-synced; the lease is many
 * seconds, the skew milliseconds).
 */
import type { Sql } from './sql'
import { InstanceRow, rowChecker } from './rows'

const rows = rowChecker('instances', InstanceRow)

export class InstancesRepo {
  constructor(private readonly sql: Sql) {}

  /** Registers (or re-registers, after a restart with the same INSTANCE_ID) a live instance holding a fresh lease. */
  async register(id: string, at: number, leaseMs: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO instances (id, state, started_at, heartbeat_at, lease_until) VALUES ($id, 'live', $at, $at, $until)
       ON CONFLICT (id) DO UPDATE SET state = 'live', started_at = $at, heartbeat_at = $at, lease_until = $until, swept_by = NULL, swept_at = NULL`,
      { id, at, until: at + leaseMs },
    )
  }

  /** Renews the lease; false when this instance is no longer live (a survivor declared it dead meanwhile). */
  async heartbeat(id: string, at: number, leaseMs: number): Promise<boolean> {
    const n = await this.sql.run(`UPDATE instances SET heartbeat_at = $at, lease_until = $until WHERE id = $id AND state = 'live'`, { id, at, until: at + leaseMs })
    return n === 1
  }

  /** Live instances other than `self` whose lease ran out before `now`. */
  async expired(self: string, now: number): Promise<InstanceRow[]> {
    return rows.many(await this.sql.all(`SELECT * FROM instances WHERE state = 'live' AND lease_until < $now AND id != $self ORDER BY lease_until`, { self, now }))
  }

  /**
   * Marks an expired instance dead; true for exactly one caller across the cluster (a concurrent second UPDATE waits
   * for the first and then finds the row no longer live).
   */
  async markDead(id: string, by: string, now: number): Promise<boolean> {
    const n = await this.sql.run(`UPDATE instances SET state = 'dead', swept_by = $by, swept_at = $now WHERE id = $id AND state = 'live' AND lease_until < $now`, { id, by, now })
    return n === 1
  }

  /** An orderly stop: its calls are over, nobody needs to sweep it. */
  async stopped(id: string, at: number): Promise<void> {
    await this.sql.run(`UPDATE instances SET state = 'stopped', heartbeat_at = $at, lease_until = $at WHERE id = $id AND state = 'live'`, { id, at })
  }

  async get(id: string): Promise<InstanceRow | undefined> {
    return rows.maybe(await this.sql.get('SELECT * FROM instances WHERE id = $id', { id }))
  }

  async list(): Promise<InstanceRow[]> {
    return rows.many(await this.sql.all('SELECT * FROM instances ORDER BY id'))
  }
}
