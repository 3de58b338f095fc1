/**
 * The repository contract on PostgreSQL: the same tests as on SQLite, against a throwaway cluster started by
 * scripts/pg-cluster.ts (one per file; each test gets its own database). Without PostgreSQL the block is skipped with
 * a warning — except when CI=true, where that fails (CI installs Debian `postgresql`).
 */
import { Store } from '../../src/store/store'
import { PostgresEngine } from '../../src/store/postgres-engine'
import { pgTool, usePgCluster } from '../kit/pg'
import { storeContract } from './contract'

pgTool().describe('postgres', () => {
  const pg = usePgCluster()
  let n = 0
  storeContract({
    name: 'postgres',
    fresh: async () => new Store(await PostgresEngine.connect(await pg.fresh(`contract_${++n}`), { max: 4 })),
    pair: async () => {
      const url = await pg.fresh(`contract_${++n}`)
      return [new Store(await PostgresEngine.connect(url, { max: 4 })), new Store(await PostgresEngine.connect(url, { max: 4 }))] as const
    },
  })
})
