/**
 * @module bench/store-engines
 * FSM step + checkpoint latency on each engine: one booking-machine transition and its `tasks.commit` (snapshot,
 * journal, effects in one transaction), awaited one after another, on a SQLite file and on a throwaway PostgreSQL
 * cluster (scripts/pg-cluster.ts; skipped when PostgreSQL is not installed). Prints p50/p99 per engine.
 *
 * Run: `bun scripts/bench/store-engines.ts [--steps N]`; `bun run bench` runs it too (its "Store" section).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../../src/store/store'
import { PostgresEngine } from '../../src/store/postgres-engine'
import { findPgBin, startCluster } from '../pg-cluster'
import type { TaskStep } from '../../src/store/tasks-repo'

const arg = process.argv.indexOf('--steps')
const STEPS = arg > 0 ? Number(process.argv[arg + 1]) : 1000

/** One booking-machine transition of task `taskId` of call `callId` (snapshot, journal line, one effect). */
export function bookingStep(taskId: string, callId: string, seq: number, t0: number): TaskStep {
  return {
    taskId,
    callId,
    kind: 'book_appointment',
    machine: 'book',
    version: 1,
    state: seq % 2 ? 'confirming' : 'checking',
    context: { date: '2026-12-01', time: 600, settings: { tz: 'UTC' } },
    seq,
    status: 'open',
    prevSeq: seq === 1 ? null : seq - 1,
    event: { type: 'availability', free: true, alternatives: [], at: t0 + seq },
    effects: [{ idemKey: `${taskId}:${seq}:0`, kind: 'book', payload: { kind: 'book', startsAt: t0, minutes: 30 } }],
    timers: { set: [], clear: [] },
    at: t0 + seq,
  }
}

async function measure(store: Store, durableEvery: number): Promise<number[]> {
  const t0 = Date.UTC(2026, 10, 30, 12, 0)
  await store.calls.create({ id: 'c1', conversationId: 'conv-c1', direction: 'inbound', caller: '+15551230000', botName: 'bench', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: t0 })
  const ms: number[] = []
  for (let seq = 1; seq <= STEPS; seq++) {
    const t = performance.now()
    await store.tasks.commit(bookingStep('T1', 'c1', seq, t0), durableEvery > 0 && seq % durableEvery === 0)
    ms.push(performance.now() - t)
  }
  return ms.sort((a, b) => a - b)
}

/** The p-th percentile of an ascending list. */
export const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
const row = (name: string, s: number[]) => `| ${name} | ${s.length} | ${pct(s, 50).toFixed(3)} | ${pct(s, 99).toFixed(3)} |`

async function main(): Promise<void> {

  const out = ['| engine (step + checkpoint, every 10th durable) | steps | p50 ms | p99 ms |', '|---|---|---|---|']
  const dir = mkdtempSync(join(tmpdir(), 'fa-bench-engines-'))
  try {
    const sqlite = await Store.open(join(dir, 'fa.db'))
    out.push(row('SQLite (WAL, NORMAL; FULL when durable)', await measure(sqlite, 10)))
    await sqlite.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  if (findPgBin()) {
    const cluster = await startCluster()
    try {
      const pg = new Store(await PostgresEngine.connect(cluster.url))
      out.push(row('PostgreSQL (local throwaway cluster, fsync off)', await measure(pg, 10)))
      await pg.close()
    } finally {
      await cluster.stop()
    }
  } else out.push('| PostgreSQL | not installed | | |')
  process.stdout.write(out.join('\n') + '\n')
}

if (import.meta.main) await main()
