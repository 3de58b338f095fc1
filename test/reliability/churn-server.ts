/**
 * @module test/reliability/churn-server
 * The real server (startServer, configured from the environment like `fastagent serve`) in a process of its own, so
 * the churn soak measures the server's memory and descriptors and nothing of the load generator's. It reads
 * commands on stdin and answers one JSON line each: `stats` (after a full garbage collection: RSS, JS heap, open
 * descriptors, live conversations and calls, calls still `live` in SQLite, open WebSockets) and `stop`.
 * Run by scripts/soak.ts: `bun test/reliability/churn-server.ts` with the environment of `fastagent serve`.
 */
import { readdirSync } from 'node:fs'
import { heapStats } from 'bun:jsc'
import { loadConfig, REQUIRED_FOR_SERVE } from '../../src/config/load'
import { createLogger } from '../../src/ops/log'
import { startServer } from '../../src/server'

export type ChurnStats = {
  readonly rssMb: number
  readonly heapMb: number
  readonly objects: number
  readonly fds: number
  readonly conversations: number
  readonly liveCalls: number
  readonly dbLive: number
  readonly webSockets: number
  /** Error log lines other than the provoked ones. */
  readonly unexpectedErrors: number
}

if (import.meta.main) {
  const loaded = loadConfig(process.env, { require: REQUIRED_FOR_SERVE })
  if (!loaded.ok) {
    process.stderr.write(loaded.problems.map((p) => `${p.variable} ${p.reason}`).join('\n') + '\n')
    process.exit(78)
  }
  // Errors the soak provokes on purpose (the injected fatal upstream error) are counted, anything else is printed.
  const expected = /"event":"(?:realtime\.fatal|call\.model_fatal)"/
  let unexpectedErrors = 0
  const sink = (l: string) => {
    if (expected.test(l)) return
    unexpectedErrors++
    process.stderr.write(l + '\n')
  }
  const server = await startServer(loaded.config, { log: createLogger({ level: 'error', sink }) })
  const write = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n')
  write({ ready: true, port: server.port })
  for await (const line of console) {
    const cmd = line.trim()
    if (cmd === 'stats') {
      Bun.gc(true)
      Bun.gc(true)
      const heap = heapStats()
      const stats: ChurnStats = {
        rssMb: process.memoryUsage().rss / 1048576,
        heapMb: heap.heapSize / 1048576,
        objects: heap.objectCount,
        fds: readdirSync('/proc/self/fd').length,
        conversations: server.conversations.size,
        liveCalls: server.calls.live,
        dbLive: ((await server.store.sql.get(`SELECT count(*) AS n FROM calls WHERE state = 'live'`)) as { n: number }).n,
        webSockets: server.app.server?.pendingWebSockets ?? -1,
        unexpectedErrors,
      }
      write(stats)
    } else if (cmd === 'stop') {
      await server.shutdown('soak finished')
      write({ stopped: true })
      process.exit(0)
    }
  }
  // stdin closed: the soak that started us is gone.
  await server.shutdown('parent gone')
  process.exit(0)
}
