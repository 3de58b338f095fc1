/**
 * @module bench/cluster-calls
 * 2 instances × N calls on one PostgreSQL, against 1 instance × 2N on the same database server: what sharing the
 * database costs each call's writes. Each instance is its own process with its own connection pool (as in
 * production); each of its calls, all at once, does what a booking call writes: the call row, S FSM steps with their
 * checkpoint (snapshot, journal, effect; the last one durable) each followed by a transcript line, then the booking
 * of its own slot (the per-resource advisory lock and the overlap check). Prints p50/p99 of a step + checkpoint, the
 * throughput and the bookings made (must equal the calls).
 *
 * Run: `bun scripts/bench/cluster-calls.ts [--calls N] [--steps S]` (defaults 25 and 20); `bun run bench` runs it too.
 */
import { join } from 'node:path'
import { PostgresEngine } from '../../src/store/postgres-engine'
import { Store } from '../../src/store/store'
import { findPgBin, startCluster } from '../pg-cluster'
import { bookingStep, pct } from './store-engines'

type ChildResult = { readonly stepsMs: number[]; readonly elapsedMs: number; readonly booked: number }

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name)
  const v = i > 0 ? Number(process.argv[i + 1]) : def
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} takes a positive integer`)
  return v
}

/** One instance: `calls` concurrent calls on its own pool. */
async function child(url: string, id: string, calls: number, steps: number, slotBase: number): Promise<ChildResult> {
  const store = new Store(await PostgresEngine.connect(url))
  const t0 = Date.UTC(2026, 10, 30, 12, 0)
  const stepsMs: number[] = []
  const started = performance.now()
  const results = await Promise.all(
    Array.from({ length: calls }, async (_, k) => {
      const callId = `${id}-call-${k}`
      await store.calls.create({ id: callId, conversationId: `conv-${callId}`, direction: 'inbound', caller: '+15551230000', botName: 'bench', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: t0, owner: id })
      for (let seq = 1; seq <= steps; seq++) {
        const t = performance.now()
        await store.tasks.commit(bookingStep(`${callId}-T`, callId, seq, t0), seq === steps)
        stepsMs.push(performance.now() - t)
        await store.transcript.add(callId, 'caller', `line ${seq}`, t0 + seq)
      }
      const r = await store.appointments.book({ id: `${callId}-A`, caller: '+15551230000', startsAt: slotBase + k * 1_800_000, minutes: 30, at: t0, callId })
      return r.ok
    }),
  )
  const elapsedMs = performance.now() - started
  await store.close()
  return { stepsMs, elapsedMs, booked: results.filter(Boolean).length }
}

async function layout(adminUrl: string, db: string, instances: number, calls: number, steps: number): Promise<string> {
  const admin = await PostgresEngine.connect(adminUrl, { max: 1 })
  await admin.run(`CREATE DATABASE ${db}`)
  await admin.close()
  const url = adminUrl.replace(/\/postgres$/, `/${db}`)
  // Migrate once before the instances start, so no instance's timings include it.
  await (await PostgresEngine.connect(url, { max: 1 })).close()
  const day = 86_400_000
  const procs = Array.from({ length: instances }, (_, i) =>
    Bun.spawn([process.execPath, join(import.meta.dir, 'cluster-calls.ts'), '--child', url, `i${i + 1}`, String(calls), String(steps), String(Date.UTC(2027, 0, 1) + i * day)], {
      stdout: 'pipe',
      stderr: 'pipe',
    }),
  )
  const results = await Promise.all(
    procs.map(async (p) => {
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
      if (code !== 0) throw new Error(`instance failed: ${err.slice(-1500)}`)
      return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult
    }),
  )
  const all = results.flatMap((r) => r.stepsMs).sort((a, b) => a - b)
  const wall = Math.max(...results.map((r) => r.elapsedMs))
  const booked = results.reduce((n, r) => n + r.booked, 0)
  const name = `${instances} instance${instances > 1 ? 's' : ''} × ${calls} calls`
  return `| ${name} | ${instances * calls} | ${all.length} | ${pct(all, 50).toFixed(2)} | ${pct(all, 99).toFixed(2)} | ${Math.round((all.length / wall) * 1000)} | ${booked} |`
}

async function main(): Promise<void> {
  const calls = arg('--calls', 25)
  const steps = arg('--steps', 20)
  const out = [
    `| layout (one PostgreSQL; ${steps} steps + a booking per call, all calls at once) | calls | steps | step+checkpoint p50 ms | p99 ms | steps/s | bookings |`,
    '|---|---|---|---|---|---|---|',
  ]
  if (!findPgBin()) {
    out.push('| PostgreSQL not installed | | | | | | |')
  } else {
    const cluster = await startCluster()
    try {
      out.push(await layout(cluster.url, 'bench_one', 1, calls * 2, steps))
      out.push(await layout(cluster.url, 'bench_two', 2, calls, steps))
    } finally {
      await cluster.stop()
    }
  }
  process.stdout.write(out.join('\n') + '\n')
}

if (import.meta.main) {
  const i = process.argv.indexOf('--child')
  if (i > 0) {
    const [url, id, calls, steps, slotBase] = process.argv.slice(i + 1)
    const r = await child(url ?? '', id ?? 'i1', Number(calls), Number(steps), Number(slotBase))
    process.stdout.write(JSON.stringify(r) + '\n')
  } else await main()
}
