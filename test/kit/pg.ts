/**
 * @module test/kit/pg
 * One throwaway PostgreSQL cluster for a test file (scripts/pg-cluster.ts), started in `beforeAll` and stopped in
 * `afterAll`, and a fresh database per call of `fresh`. Call inside a block gated by {@link pgTool}.
 */
import { afterAll, beforeAll } from 'bun:test'
import { findPgBin, startCluster, type Cluster } from '../../scripts/pg-cluster'
import { PostgresEngine } from '../../src/store/postgres-engine'
import { requireTool } from './require-tool'

/** PostgreSQL as a tool: skipped (with a warning) without it, a failure when CI=true (CI installs it). */
export const pgTool = () => requireTool({ name: 'postgres', find: findPgBin, install: 'postgresql' })

export function usePgCluster(): { fresh(name: string): Promise<string>; cluster(): Cluster } {
  let cluster: Cluster | undefined
  let admin: PostgresEngine | undefined
  beforeAll(async () => {
    cluster = await startCluster()
    admin = await PostgresEngine.connect(cluster.url, { max: 2 })
  }, 120_000)
  afterAll(async () => {
    await admin?.close()
    await cluster?.stop()
  })
  return {
    /** The URL of a new, empty database on the cluster. */
    async fresh(name: string) {
      if (!cluster || !admin) throw new Error('the PostgreSQL cluster did not start')
      await admin.run(`CREATE DATABASE ${name}`)
      return cluster.url.replace(/\/postgres$/, `/${name}`)
    },
    /** The running cluster itself (to halt, start or restart it under a test). */
    cluster() {
      if (!cluster) throw new Error('the PostgreSQL cluster did not start')
      return cluster
    },
  }
}
