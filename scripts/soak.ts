/**
 * `bun run soak`: the long variants of the reliability suite, printing figures. Exit 0 only if nothing was lost.
 *
 *   1. fuzz  — hostile VoiceAI Connect sockets, Realtime server events, tool arguments and webhooks, many more cases
 *              than `bun test` (SOAK_FUZZ_SCALE, default 10 × the test's counts);
 *   2. churn — thousands of short calls (SOAK_CHURN_CALLS, default 4000) against the server running in a process of
 *              its own: completed, refused (bad token, no common format, over capacity), abandoned mid-greeting,
 *              failed (the model upstream answers a fatal error, or drops and is reconnected) and garbage-talking
 *              ones; live calls, sockets and descriptors must return to baseline and RSS after GC grow < 5 MB per
 *              1000 calls;
 *   3. crash — kill -9 of the compiled binary at seeded points of a booking call (SOAK_CRASH_ITERATIONS, default 50),
 *              see test/reliability/crash-kit.ts.
 *
 * SOAK_ONLY=fuzz,churn,crash picks parts; SOAK_SEED changes every seed.
 */
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { INSTANT_TIMING, startRealtimeEmulator } from '../src/sim/realtime'
import { VaicSimulator } from '../src/sim/vaic/simulator'
import { freePort, startWorld, WORLD_SECRETS } from '../src/sim/world'
import { BOOKING_ENV, dumpTables, pool, prng, rawSocket, rssAfterGcMb, waitUntil, watchProcessErrors } from '../test/reliability/kit'
import { playSocket, socketPlan, vaicFuzzPlan } from '../test/reliability/vaic-fuzz'
import { checkServerEventFrame, serverEventFrames } from '../test/reliability/realtime-fuzz'
import { checkToolCall, toolCases } from '../test/reliability/tools-fuzz'
import { sendWebhookCase, webhookCases } from '../test/reliability/webhook-fuzz'
import { startGarbageProxy } from '../test/reliability/garbage-proxy'
import { crashIteration, ensureBinary, killPlan, startPeers } from '../test/reliability/crash-kit'
import type { ChurnStats } from '../test/reliability/churn-server'

type Row = { part: string; calls: number; frames: number; faults: number; crashes: number; inputs: number; lost: number; seconds: number }

const env = process.env
const SEED = Number(env.SOAK_SEED ?? 1)
const FUZZ_SCALE = Number(env.SOAK_FUZZ_SCALE ?? 10)
const CHURN_CALLS = Number(env.SOAK_CHURN_CALLS ?? 4000)
const CRASH_ITERATIONS = Number(env.SOAK_CRASH_ITERATIONS ?? 50)
const ONLY = new Set((env.SOAK_ONLY ?? 'fuzz,churn,crash').split(','))

const say = (s: string) => process.stdout.write(s + '\n')
const problems: string[] = []
const refusals: Record<string, number> = {}

async function metricsTotal(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((n, l) => n + (Number(l.slice(l.lastIndexOf(' ') + 1)) || 0), 0)
}

// ---- 1. fuzz ------------------------------------------------------------------------------------------------------

async function fuzz(): Promise<Row> {
  const t0 = performance.now()
  const watch = watchProcessErrors()
  const world = await startWorld({ env: { ...BOOKING_ENV, DROP_GRACE_SECONDS: '0.3', UPGRADE_RATE_PER_MINUTE: '1000000' }, logLevel: 'silent', emulator: { logLimit: 500 } })
  let lost = 0
  let inputs = 0
  let frames = 0
  let sessions = 0
  try {
    const rssBefore = rssAfterGcMb()
    // VoiceAI Connect sockets.
    // Plans are made socket by socket (a socket's frames are garbage once played), so the RSS figure is the server's.
    const fuzzOptions = { seed: SEED * 1000 + 7, sockets: 16 * FUZZ_SCALE, framesPerSocket: 60, maxFrameBytes: world.config.MAX_FRAME_BYTES, prefix: 'soak' }
    const indices = Array.from({ length: fuzzOptions.sockets }, (_, i) => i)
    const outcomes = await pool(indices, 16, (i) => playSocket(`${world.server.wsUrl}/audiocodes`, WORLD_SECRETS.botToken, socketPlan(fuzzOptions, i)))
    frames = outcomes.reduce((n, o) => n + o.sent, 0)
    inputs += frames
    const echo = outcomes.flatMap((o) => o.problems.map((p) => `${o.id}: ${p}`))
    await waitUntil(() => world.server.conversations.size === 0 && world.server.calls.live === 0, 20_000, 'fuzzed calls to end').catch(() => {
      echo.push(`${world.server.conversations.size} conversations still live after the fuzz`)
    })
    // Rows only for sockets that sent a well-formed session.initiate; none for anything a socket without one sent.
    const ids = ((await world.server.store.sql.all('SELECT conversation_id FROM calls')) as { conversation_id: string }[]).map((x) => x.conversation_id)
    const accepted = outcomes.filter((o) => o.accepted).length
    sessions = accepted
    const callers = new Set(outcomes.filter((o) => o.inCall).map((o) => o.id))
    const stray = ids.filter((id) => !callers.has(id))
    if (stray.length > 0) echo.push(`${stray.length} call rows for sockets that never sent a valid session.initiate: ${stray.slice(0, 3).join(', ')}`)
    if (new Set(ids).size !== ids.length) echo.push('two call rows for one conversation')
    const strangers = outcomes.filter((o) => !o.inCall && o.accepted).length
    if (strangers > 0) echo.push(`${strangers} sockets got a session without a valid session.initiate`)
    const rssGrowth = rssAfterGcMb() - rssBefore
    say(`  vaic: ${outcomes.length} sockets, ${frames} frames, ${accepted} sessions, RSS growth (whole process) ${rssGrowth.toFixed(1)} MiB, problems ${echo.length}`)
    for (const p of echo.slice(0, 10)) say(`    ${p}`)
    lost += echo.length

    // Realtime server events.
    const parse = fc.check(fc.property(serverEventFrames, checkServerEventFrame), { seed: SEED * 1000 + 42, numRuns: 3000 * FUZZ_SCALE })
    inputs += parse.numRuns
    if (parse.failed) {
      lost++
      say(`    parseServerEvent counterexample: ${JSON.stringify(parse.counterexample).slice(0, 300)}`)
    }
    say(`  realtime: ${parse.numRuns} server events, ${parse.failed ? 'FAILED' : 'ok'}`)

    // Tool arguments.
    const tools = await fc.check(
      fc.asyncProperty(toolCases, ([[name, args], withTask]) => checkToolCall(name, args, withTask)),
      { seed: SEED * 1000 + 31, numRuns: 400 * FUZZ_SCALE },
    )
    inputs += tools.numRuns
    if (tools.failed) {
      lost++
      say(`    tool counterexample: ${String(tools.errorInstance ?? JSON.stringify(tools.counterexample)).slice(0, 300)}`)
    }
    say(`  tools: ${tools.numRuns} calls, ${tools.failed ? 'FAILED' : 'ok'}`)

    // Webhooks.
    const before = await dumpTables(world.server.store.sql)
    const hooks = await fc.check(
      fc.asyncProperty(webhookCases(world.config.PUBLIC_BASE_URL ?? ''), async (c) => {
        const r = await sendWebhookCase(world.server.url, c)
        return r.status === c.expected && await dumpTables(world.server.store.sql) === before
      }),
      { seed: SEED * 1000 + 80, numRuns: 150 * FUZZ_SCALE },
    )
    inputs += hooks.numRuns
    if (hooks.failed) {
      lost++
      say(`    webhook counterexample: ${JSON.stringify(hooks.counterexample).slice(0, 300)}`)
    }
    say(`  webhooks: ${hooks.numRuns} requests, ${hooks.failed ? 'FAILED' : 'ok'}`)
    if (watch.errors.length > 0) {
      lost += watch.errors.length
      for (const e of watch.errors.slice(0, 5)) say(`    ${e.split('\n')[0]}`)
    }
  } finally {
    await world.stop()
    watch.dispose()
  }
  return { part: 'fuzz', calls: sessions, frames, faults: 0, crashes: 0, inputs, lost, seconds: (performance.now() - t0) / 1000 }
}

// ---- 2. churn -----------------------------------------------------------------------------------------------------

type Kind = 'complete' | 'abandoned' | 'refused-auth' | 'refused-format' | 'garbage'
type Outcome = 'completed' | 'abandoned' | 'refused' | 'failed' | 'garbage'

/** A line reader over the churn server's stdout. */
function lines(stream: ReadableStream<Uint8Array>): () => Promise<string> {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  return async () => {
    for (;;) {
      const nl = buffer.indexOf('\n')
      if (nl >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        return line
      }
      const { value, done } = await reader.read()
      if (done) throw new Error('churn server closed its output')
      buffer += decoder.decode(value, { stream: true })
    }
  }
}

async function oneCall(kind: Kind, url: string, caller: string, r: ReturnType<typeof prng>): Promise<{ outcome: Outcome; accepted: boolean; ids: readonly string[]; stranger?: readonly string[] }> {
  if (kind === 'refused-format') {
    const s = await rawSocket(url, WORLD_SECRETS.botToken)
    if (!s.opened) return { outcome: 'refused', accepted: false, ids: [] }
    const id = crypto.randomUUID()
    s.send(JSON.stringify({ type: 'session.initiate', conversationId: id, caller, supportedMediaFormats: ['audio/opus'] }))
    await s.waitFor((m) => m.type === 'session.error', 5000, 'session.error').catch(() => undefined)
    s.close()
    return { outcome: 'refused', accepted: false, ids: [], stranger: [id] }
  }
  if (kind === 'garbage') {
    const [plan] = vaicFuzzPlan({ seed: r.int(1, 1e9), sockets: 1, framesPerSocket: 15, maxFrameBytes: 16_384, prefix: 'churn' })
    if (!plan) return { outcome: 'garbage', accepted: false, ids: [] }
    const o = await playSocket(url, WORLD_SECRETS.botToken, plan, 50)
    if (o.problems.length > 0) problems.push(...o.problems.map((p) => `churn garbage: ${p}`))
    // Only a plan that starts with a valid session.initiate may leave a call row (whether or not its socket lived to
    // read session.accepted); nothing any other garbage socket sent may.
    return { outcome: 'garbage', accepted: o.accepted, ids: plan.inCall ? [plan.id] : [], stranger: plan.inCall ? [] : [...o.sentIds] }
  }
  const sim = new VaicSimulator({
    url,
    token: kind === 'refused-auth' ? 'not-the-token' : WORLD_SECRETS.botToken,
    caller,
    supportedMediaFormats: [r.pick(['raw/lpcm16_24', 'raw/mulaw', 'raw/lpcm16'] as const)],
    realtime: true,
  })
  try {
    const started = await sim.startCall()
    if (!started.ok) {
      const why = kind === 'refused-auth' ? 'bad token' : started.status === 503 || /too many/.test(started.reason) ? 'over capacity' : `other: ${started.reason.slice(0, 80)}`
      refusals[why] = (refusals[why] ?? 0) + 1
      return kind === 'refused-auth' ? { outcome: 'refused', accepted: false, ids: [], stranger: [sim.conversationId] } : { outcome: 'refused', accepted: false, ids: [sim.conversationId] }
    }
    if (kind === 'abandoned') {
      await sim.waitForMessage('playStream.start', 10_000).catch(() => undefined)
      // The bot may already have ended it (an injected upstream fault): then it failed rather than being abandoned.
      if (sim.ended) return { outcome: 'failed', accepted: true, ids: [sim.conversationId] }
      await sim.drop()
      return { outcome: 'abandoned', accepted: true, ids: [sim.conversationId] }
    }
    const heard = await Promise.race([
      sim.waitForBotSaid('how can i help', 15_000).then(() => 'greeted' as const),
      sim.waitForEnd(15_000).then(() => 'ended' as const),
    ]).catch(() => 'timeout' as const)
    if (heard === 'greeted') {
      await sim.hangup()
      return { outcome: 'completed', accepted: true, ids: [sim.conversationId] }
    }
    if (heard === 'timeout') problems.push(`churn call ${sim.conversationId}: neither greeted nor ended within 15 s`)
    await sim.hangup()
    return { outcome: 'failed', accepted: true, ids: [sim.conversationId] }
  } finally {
    sim.dispose()
  }
}

async function churn(): Promise<Row> {
  const t0 = performance.now()
  const r = prng(SEED * 1000 + 3)
  const faultRng = prng(SEED * 1000 + 5)
  const emulator = await startRealtimeEmulator({ apiKey: WORLD_SECRETS.openaiKey, speed: 0, logLimit: 200, ...INSTANT_TIMING })
  const proxy = startGarbageProxy({ seed: SEED * 1000 + 9, rate: 0.01, target: emulator.url, fault: () => (faultRng.chance(0.05) ? 'fatal' : faultRng.chance(0.03) ? 'close' : 'none') })
  const dir = mkdtempSync(join(tmpdir(), 'fa-churn-'))
  const port = await freePort()
  const proc = Bun.spawn(['bun', join(import.meta.dir, '..', 'test', 'reliability', 'churn-server.ts')], {
    env: {
      PATH: env.PATH ?? '',
      HOME: env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(port),
      AUDIOCODES_BOT_TOKEN: WORLD_SECRETS.botToken,
      OPENAI_API_KEY: WORLD_SECRETS.openaiKey,
      OPENAI_REALTIME_URL: proxy.url,
      DATABASE_PATH: join(dir, 'fastagent.db'),
      MAX_CONCURRENT_CALLS: '24',
      UPGRADE_RATE_PER_MINUTE: '1000000',
      DROP_GRACE_SECONDS: '0.2',
      DRAIN_TIMEOUT_SECONDS: '2',
      PLAYOUT_DELAY_MS: '20',
      ...BOOKING_ENV,
    },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const next = lines(proc.stdout)
  const ready = JSON.parse(await next()) as { ready: boolean }
  if (!ready.ready) throw new Error('churn server did not start')
  const stats = async (): Promise<ChurnStats> => {
    proc.stdin.write('stats\n')
    await proc.stdin.flush()
    return JSON.parse(await next()) as ChurnStats
  }
  const quiet = async (): Promise<ChurnStats> => {
    const until = Date.now() + 30_000
    for (;;) {
      const s = await stats()
      if ((s.conversations === 0 && s.liveCalls === 0 && s.dbLive === 0 && s.webSockets === 0) || Date.now() > until) return s
      await Bun.sleep(250)
    }
  }
  const url = `ws://127.0.0.1:${port}/audiocodes`
  const count: Record<Outcome, number> = { completed: 0, abandoned: 0, refused: 0, failed: 0, garbage: 0 }
  let accepted = 0
  let done = 0
  /** Conversations that sent a well-formed session.initiate (a call row is allowed), and everything else. */
  const validIds = new Set<string>()
  const strangerIds = new Set<string>()
  const kinds: Kind[] = Array.from({ length: CHURN_CALLS }, () => {
    const x = r.next()
    return x < 0.72 ? 'complete' : x < 0.8 ? 'abandoned' : x < 0.85 ? 'refused-auth' : x < 0.9 ? 'refused-format' : 'garbage'
  })
  const runBatch = async (batch: Kind[]) => {
    // 20 callers at a time against a cap of 24: lingering legs (abandoned calls wait out the drop grace) make the
    // server refuse some for capacity too.
    await pool(batch, 20, async (kind) => {
      const o = await oneCall(kind, url, `+1415557${String(done % 10_000).padStart(4, '0')}`, r)
      count[o.outcome]++
      if (o.accepted) accepted++
      for (const id of o.ids) validIds.add(id)
      for (const id of o.stranger ?? []) strangerIds.add(id)
      done++
    })
  }
  const warm = Math.min(500, Math.floor(CHURN_CALLS / 5))
  await runBatch(kinds.slice(0, warm))
  const baseline = await quiet()
  say(`  baseline after ${warm} calls: RSS ${baseline.rssMb.toFixed(1)} MiB, heap ${baseline.heapMb.toFixed(1)} MiB, ${baseline.fds} fds`)
  let last = baseline
  const samples: [number, number][] = [[done, baseline.rssMb]]
  for (let i = warm; i < kinds.length; i += 250) {
    await runBatch(kinds.slice(i, i + 250))
    last = await quiet()
    samples.push([done, last.rssMb])
    say(`  after ${done} calls: RSS ${last.rssMb.toFixed(1)} MiB, heap ${last.heapMb.toFixed(1)} MiB, ${last.objects} objects, ${last.fds} fds, live ${last.conversations}/${last.liveCalls}/${last.dbLive}, sockets ${last.webSockets}`)
  }
  const frames = (await metricsTotal(`http://127.0.0.1:${port}`, 'fastagent_vaic_audio_frames_in_total')) + (await metricsTotal(`http://127.0.0.1:${port}`, 'fastagent_vaic_audio_frames_out_total'))
  proc.stdin.write('stop\n')
  await proc.stdin.flush()
  await proc.exited
  const db = new Database(join(dir, 'fastagent.db'), { readonly: true })
  const rows = db.query(`SELECT state, count(*) AS n FROM calls GROUP BY state`).all() as { state: string; n: number }[]
  // A call row for a conversation that never sent a valid session.initiate (or was refused) is refused input stored.
  const orphans = (db.query('SELECT conversation_id, end_reason FROM calls').all() as { conversation_id: string; end_reason: string | null }[]).filter((c) => !validIds.has(c.conversation_id))
  db.close()
  proxy.stop()
  await emulator.stop()
  rmSync(dir, { recursive: true, force: true })

  const measured = done - warm
  // RSS moves a few MiB either way between samples (allocator pages); the least-squares slope over every sample is
  // what a leak would show as.
  const perThousand = slope(samples) * 1000
  const endToEnd = measured > 0 ? ((last.rssMb - baseline.rssMb) / measured) * 1000 : 0
  const heapPerThousand = measured > 0 ? ((last.heapMb - baseline.heapMb) / measured) * 1000 : 0
  const lost: string[] = [...problems.splice(0)]
  if (last.conversations !== 0 || last.liveCalls !== 0) lost.push(`${last.conversations} conversations / ${last.liveCalls} calls still live`)
  if (last.dbLive !== 0) lost.push(`${last.dbLive} calls still 'live' in SQLite`)
  if (last.webSockets > 0) lost.push(`${last.webSockets} WebSockets still open`)
  if (last.unexpectedErrors > 0) lost.push(`${last.unexpectedErrors} unexpected error log lines (printed above)`)
  if (last.fds > baseline.fds + 10) lost.push(`descriptors ${baseline.fds} → ${last.fds}`)
  const rowTotal = rows.reduce((n, x) => n + x.n, 0)
  if (rowTotal < accepted) lost.push(`${rowTotal} call rows for ${accepted} accepted sessions`)
  for (const o of orphans.slice(0, 5)) lost.push(`call row for ${strangerIds.has(o.conversation_id) ? 'refused input' : 'an unknown conversation'}: ${JSON.stringify(o)}`)
  if (rows.some((x) => x.state !== 'ended')) lost.push(`call rows not ended after shutdown: ${JSON.stringify(rows)}`)
  if (perThousand >= 5) lost.push(`RSS grew ${perThousand.toFixed(2)} MiB per 1000 calls (limit 5)`)
  say(`  outcomes: ${Object.entries(count).map(([k, v]) => `${k} ${v}`).join(', ')}; sessions accepted ${accepted}`)
  say(`  refusals: ${Object.entries(refusals).map(([k, v]) => `${k} ${v}`).join(', ')}, no common format ${kinds.filter((k) => k === 'refused-format').length}`)
  say(`  faults injected upstream: ${proxy.faults.fatal} fatal errors, ${proxy.faults.close} dropped sockets, ${proxy.injected} junk events`)
  say(`  memory: RSS ${baseline.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} MiB; trend ${perThousand.toFixed(2)} MiB per 1000 calls (end to end ${endToEnd.toFixed(2)}), JS heap ${heapPerThousand.toFixed(2)} MiB per 1000 calls`)
  for (const l of lost.slice(0, 10)) say(`    LOST: ${l}`)
  return { part: 'churn', calls: done, frames, faults: proxy.faults.fatal + proxy.faults.close + proxy.injected, crashes: 0, inputs: count.garbage, lost: lost.length, seconds: (performance.now() - t0) / 1000 }
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length
  if (n < 2) return 0
  const mx = points.reduce((a, p) => a + p[0], 0) / n
  const my = points.reduce((a, p) => a + p[1], 0) / n
  const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0)
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0)
  return sxx === 0 ? 0 : sxy / sxx
}

// ---- 3. crash -----------------------------------------------------------------------------------------------------

async function crash(): Promise<Row> {
  const t0 = performance.now()
  const binary = await ensureBinary()
  const peers = await startPeers()
  const dir = mkdtempSync(join(tmpdir(), 'fa-soak-crash-'))
  const plan = killPlan(SEED * 1000 + 9, CRASH_ITERATIONS)
  const results = await pool(plan, 5, (p, i) => crashIteration(binary, peers, p, i, join(dir, `it-${i}`)))
  await peers.stop()
  const lost = results.flatMap((x) => x.lost.map((l) => `#${x.index} (${x.point.phase}+${x.point.delayMs}ms): ${l}`))
  const notes = results.flatMap((x) => x.notes.map((l) => `#${x.index} (${x.point.phase}+${x.point.delayMs}ms): ${l}`))
  const states: Record<string, number> = {}
  for (const x of results) states[x.taskState] = (states[x.taskState] ?? 0) + 1
  say(`  ${results.length} iterations; task state found after the kill: ${Object.entries(states).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  say(`  dropped with a task open (SMS + resume): ${results.filter((x) => x.resumed).length}; SMS sent ${results.reduce((n, x) => n + x.smsSent, 0)}; booked in the end ${results.filter((x) => x.booked).length}`)
  for (const l of lost.slice(0, 20)) say(`    LOST: ${l}`)
  for (const l of notes.slice(0, 20)) say(`    known defect: ${l}`)
  if (lost.length === 0) rmSync(dir, { recursive: true, force: true })
  else say(`  logs and databases kept in ${dir}`)
  return {
    part: 'crash',
    calls: results.length * 2,
    frames: 0,
    faults: results.reduce((n, x) => n + x.kills, 0),
    crashes: results.reduce((n, x) => n + x.kills, 0),
    inputs: 0,
    lost: lost.length,
    seconds: (performance.now() - t0) / 1000,
  }
}

// ---- main ---------------------------------------------------------------------------------------------------------

const rows: Row[] = []
say(`FastAgent soak (seed ${SEED}): ${[...ONLY].join(', ')}`)
if (ONLY.has('fuzz')) {
  say('\n━━ fuzz ━━')
  rows.push(await fuzz())
}
if (ONLY.has('churn')) {
  say('\n━━ churn ━━')
  rows.push(await churn())
}
if (ONLY.has('crash')) {
  say('\n━━ crash (kill -9 of dist/fastagent) ━━')
  rows.push(await crash())
}
const head = ['part', 'calls', 'frames', 'faults injected', 'crashes survived', 'inputs tried', 'lost', 'seconds']
const table = rows.map((x) => [x.part, x.calls, x.frames, x.faults, x.crashes, x.inputs, x.lost, x.seconds.toFixed(0)].map(String))
const total = ['total', ...[1, 2, 3, 4, 5, 6].map((i) => String(table.reduce((n, row) => n + Number(row[i] ?? 0), 0))), table.reduce((n, row) => n + Number(row[7] ?? 0), 0).toFixed(0)]
const widths = head.map((h, i) => Math.max(h.length, ...[...table, total].map((row) => (row[i] ?? '').length)))
const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ') + ' |'
say('\n' + line(head))
say('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|')
for (const row of table) say(line(row))
say(line(total))
const lostTotal = rows.reduce((n, x) => n + x.lost, 0)
say(lostTotal === 0 ? '\nnothing lost' : `\n${lostTotal} LOST`)
process.exit(lostTotal === 0 ? 0 : 1)
