/**
 * @module bench/micro
 * Micro-benchmarks of the product's own per-frame and per-step code, run in a fresh process so nothing else shares
 * its JIT:
 * - the passthrough hop as the server does it (the fast scans `ChunkScanner` / `AudioDeltaScanner` with their learnt
 *   layouts, and the templates), the field scan alone, and the full path frames off the fast shape take (JSON.parse,
 *   the precompiled `parseInbound` check, `appendFrame`; `parseServerEvent` + `playChunkFrame`), each piece on its own;
 * - the whole relay of one warm call, and of 300 live calls taken in turn (each frame meets its call's state out of
 *   cache, as in a busy server);
 * - the resampling converters per 20 ms frame (16 and 8 kHz callers) and the resampler alone;
 * - an FSM step of the booking machine with its checkpoint (`store.tasks.commit`) on a temporary SQLite file, NORMAL
 *   and FULL (durable).
 * Each figure is the median over repetitions of a timed batch.
 * Run: `bun scripts/bench/micro.ts [--quick]`; prints one JSON line ({@link MicroResult}).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChunkScanner, fastChunkAudio, parseInbound, playChunkFrame } from '../../src/telephony/audiocodes/messages'
import { AudioDeltaScanner, appendFrame, parseServerEvent } from '../../src/realtime/protocol'
import { createCallConverters } from '../../src/audio/transcoder'
import { Resampler } from '../../src/audio/resampler'
import { transition, type Snapshot } from '../../src/fsm/fsm'
import { applyTaskEvent, startTask } from '../../src/agents/task-steps'
import { bookAppointment, type BookEvent } from '../../src/agents/tasks/book-appointment'
import { parseBusinessHours } from '../../src/config/business-hours'
import { Store } from '../../src/store/store'
import { HeaderFrames } from './frames'
import { liveCall, type LiveCall } from './call-rig'

export type MicroRow = {
  readonly group: string
  readonly name: string
  /** Median ns per operation. */
  readonly ns: number
  /** Fastest batch's ns per operation: the steadier figure when other processes share the cores. */
  readonly minNs: number
  readonly iterations: number
  readonly reps: number
}
export type MicroResult = { readonly rows: readonly MicroRow[] }

let sink = 0

/** Median over `reps` of (batch time / n), after one untimed warm-up batch. */
function bench(group: string, name: string, n: number, reps: number, op: (i: number) => unknown): MicroRow {
  for (let i = 0; i < Math.min(n, 2000); i++) touch(op(i))
  const per: number[] = []
  for (let r = 0; r < reps; r++) {
    const t = performance.now()
    for (let i = 0; i < n; i++) touch(op(i))
    per.push(((performance.now() - t) * 1e6) / n)
  }
  per.sort((a, b) => a - b)
  return { group, name, ns: per[Math.floor(per.length / 2)] ?? NaN, minNs: per[0] ?? NaN, iterations: n, reps }
}

/** Like {@link bench} for an operation that returns a promise (a store write): each one awaited before the next. */
async function benchAsync(group: string, name: string, n: number, reps: number, op: (i: number) => Promise<unknown>): Promise<MicroRow> {
  for (let i = 0; i < Math.min(n, 200); i++) touch(await op(i))
  const per: number[] = []
  for (let r = 0; r < reps; r++) {
    const t = performance.now()
    for (let i = 0; i < n; i++) touch(await op(i))
    per.push(((performance.now() - t) * 1e6) / n)
  }
  per.sort((a, b) => a - b)
  return { group, name, ns: per[Math.floor(per.length / 2)] ?? NaN, minNs: per[0] ?? NaN, iterations: n, reps }
}

/** Keeps results alive so the JIT cannot drop the work. */
function touch(v: unknown): void {
  if (typeof v === 'string') sink += v.length
  else if (typeof v === 'object' && v !== null) sink += 1
}

export async function runMicro(quick: boolean): Promise<MicroResult> {
  // Many short batches rather than a few long ones: the fastest batch then says what the code costs even while
  // other processes share the cores (the median says what it cost in this run).
  const N = quick ? 2_000 : 20_000
  const REPS = quick ? 2 : 15
  const rows: MicroRow[] = []
  const conv = 'bench-micro-0123456789abcdef'

  for (const [label, bytes] of [
    ['raw/mulaw 160 B', 160],
    ['raw/lpcm16_24 960 B', 960],
  ] as const) {
    const frames = new HeaderFrames(bytes)
    // 64 distinct frames in turn: one frame repeated is answered from JSC's regex cache without being scanned (a
    // repeated frame once made the alphabet check look 20 times cheaper than it is on the wire).
    const audios = Array.from({ length: 64 }, (_, seq) => frames.payload(1, 1, seq))
    const chunks = audios.map((a) => `{"type":"userStream.chunk","conversationId":"${conv}","audioChunk":"${a}"}`)
    const deltaFrames = audios.map((a) => `{"type":"response.output_audio.delta","event_id":"ev_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"${a}"}`)
    const audio = (i: number) => audios[i & 63] ?? ''
    const chunk = (i: number) => chunks[i & 63] ?? ''
    const delta = (i: number) => deltaFrames[i & 63] ?? ''
    const parsedChunks = chunks.map((c) => JSON.parse(c) as unknown)
    const g = `passthrough hop, ${label}`
    const deltas = new AudioDeltaScanner()
    const chunkScanner = new ChunkScanner(conv)
    rows.push(
      bench(g, 'uplink: ChunkScanner.audio + appendFrame (as the server does: the learnt layout in place, strict base64)', N, REPS, (i) => {
        const a = chunkScanner.audio(chunk(i))
        return a === undefined ? '' : appendFrame(a)
      }),
    )
    rows.push(
      bench(g, '  the field scan alone: fastChunkAudio + appendFrame (a stream\'s first frame, or a layout not learnt)', N, REPS, (i) => {
        const a = fastChunkAudio(chunk(i), conv)
        return a === undefined ? '' : appendFrame(a)
      }),
    )
    rows.push(
      bench(g, 'downlink: AudioDeltaScanner.scan + playChunkFrame (as the server does: the learnt layout in place)', N, REPS, (i) =>
        deltas.scan(delta(i)) ? playChunkFrame('1', deltas.takeDelta()) : '',
      ),
    )
    rows.push(
      bench(g, 'full path, uplink: JSON.parse + parseInbound(object) + appendFrame (frames off the fast shape)', N, REPS, (i) => {
        const r = parseInbound(JSON.parse(chunk(i)) as unknown)
        return r.ok && r.msg.type === 'userStream.chunk' ? appendFrame(r.msg.audioChunk) : ''
      }),
    )
    rows.push(bench(g, '  of which JSON.parse (Elysia)', N, REPS, (i) => JSON.parse(chunk(i)) as unknown))
    rows.push(bench(g, '  of which parseInbound(object) (TypeBox check, base64 pattern)', N, REPS, (i) => parseInbound(parsedChunks[i & 63])))
    rows.push(bench(g, '  of which appendFrame', N, REPS, (i) => appendFrame(audio(i))))
    rows.push(
      bench(g, 'full path, downlink: parseServerEvent + playChunkFrame', N, REPS, (i) => {
        const p = parseServerEvent(delta(i))
        return p.kind === 'event' && p.event.type === 'response.output_audio.delta' ? playChunkFrame('1', p.event.delta) : ''
      }),
    )
    rows.push(bench(g, '  of which JSON.parse', N, REPS, (i) => JSON.parse(delta(i)) as unknown))
    rows.push(
      bench(g, 'floor: slice the base64 out of the text + re-wrap (no parse, no check)', N, REPS, (i) => {
        const c = chunk(i)
        const at = c.indexOf('"audioChunk":"') + 14
        return appendFrame(c.slice(at, c.indexOf('"', at)))
      }),
    )
  }

  // The whole relay of a live call as the server runs it (CallSession, both legs, the played-time estimate, metrics),
  // on sockets of our own that only keep the last frame: what a frame costs us besides the native sends.
  for (const format of ['raw/mulaw', 'raw/lpcm16_24', 'raw/lpcm16'] as const) {
    const call = await liveCall(format)
    const g = `the call's relay in process (${format}), per 20 ms frame, sockets excluded`
    rows.push(bench(g, 'uplink: PhoneLeg.receiveFast → CallSession → ModelLeg.append → socket', N, REPS, () => call.up()))
    rows.push(bench(g, 'downlink: upstream message → delta scan → playback → PhoneLeg.playChunk → socket', N, REPS, () => call.down()))
    call.end()
  }

  // The same relay with many calls live, each frame going to the next call in turn, as a busy server's frames do:
  // every frame then meets its call's state (the legs, the session, the playback estimate) out of cache, which the
  // single warm call above never shows. Each call has its own ids and frames (16 per direction).
  const many = quick ? 20 : 300
  for (const format of ['raw/mulaw', 'raw/lpcm16_24'] as const) {
    const calls: LiveCall[] = []
    for (let k = 0; k < many; k++) calls.push(await liveCall(format, { index: k, frames: 16 }))
    const g = `the call's relay across ${many} calls in turn (${format}), per 20 ms frame, sockets excluded`
    rows.push(bench(g, 'uplink, each frame to the next call', N, REPS, (i) => calls[i % many]?.up()))
    rows.push(bench(g, 'downlink, each frame to the next call', N, REPS, (i) => calls[i % many]?.down()))
    for (const c of calls) c.end()
  }

  // Resampling converters, one per direction as a call holds them (base64 decoded into the SIMD kernel's memory,
  // polyphase FIR, encoded from it), and the resampler alone (Int16 in, Int16 out, caller's buffer).
  for (const [format, rate] of [
    ['raw/lpcm16', 16000],
    ['raw/lpcm16_8', 8000],
  ] as const) {
    const g = `resampled path (${format}), per 20 ms frame`
    const calls = createCallConverters(format)
    const k = rate / 1000
    const sCaller = new Int16Array(rate / 50).map((_, i) => Math.round(8000 * Math.sin(i / 7)))
    const s24 = new Int16Array(480).map((_, i) => Math.round(8000 * Math.sin(i / 9)))
    const inCaller = Buffer.from(sCaller.buffer).toString('base64')
    const in24 = Buffer.from(s24.buffer).toString('base64')
    rows.push(bench(g, `uplink converter ${k}k→24k (base64 in/out)`, N / 10, REPS, () => calls.fromCaller.convert(inCaller)))
    rows.push(bench(g, `downlink converter 24k→${k}k (base64 in/out)`, N / 10, REPS, () => calls.toCaller.convert(in24)))
    const up = new Resampler(rate, 24000)
    const down = new Resampler(24000, rate)
    const o24 = new Int16Array(480)
    const oCaller = new Int16Array(rate / 50)
    rows.push(bench(g, `  of which Resampler.process ${sCaller.length}→480 samples`, N / 10, REPS, () => up.process(sCaller, o24)))
    rows.push(bench(g, `  of which Resampler.process 480→${oCaller.length} samples`, N / 10, REPS, () => down.process(s24, oCaller)))
  }

  // FSM step + checkpoint: the booking machine's `checking → confirming` on an availability result, then the step's
  // transaction (snapshot, journal, effects) on a real file.
  {
    const g = 'task step (booking machine)'
    const hours = parseBusinessHours('Mon-Sun 08:00-20:00')
    if (!hours.ok) throw new Error(hours.error)
    const t0 = Date.UTC(2026, 10, 30, 12, 0)
    const env = { now: t0, tz: 'UTC', hours: hours.hours, slotMinutes: 30, caller: '+15551230000' }
    const started = startTask(bookAppointment, { date: 'tomorrow', time: '10 AM' }, env)
    if (!started.ok || started.snapshot.state !== 'checking') throw new Error(`booking did not reach checking: ${JSON.stringify(started)}`)
    const checking = started.snapshot as Snapshot<'checking', unknown>
    const ev: BookEvent = { type: 'availability', free: true, alternatives: [], at: t0 + 1000 }
    const machine = bookAppointment.machine
    rows.push(bench(g, 'transition (pure FSM step)', N / 10, REPS, () => transition(machine, checking, ev)))
    rows.push(bench(g, 'applyTaskEvent (event schema check + transition)', N / 10, REPS, () => applyTaskEvent(bookAppointment, checking, ev)))
    rows.push(bench(g, 'startTask (tool args check + date/time words + transition)', quick ? 200 : 1_000, REPS, () => startTask(bookAppointment, { date: 'tomorrow', time: '10 AM' }, env)))

    const dir = mkdtempSync(join(tmpdir(), 'fa-bench-micro-'))
    try {
      const store = await Store.open(join(dir, 'fa.db'))
      await store.calls.create({ id: 'c1', conversationId: 'conv-c1', direction: 'inbound', caller: '+15551230000', botName: 'bench', mediaFormat: 'raw/mulaw', resumesCallId: undefined, at: t0 })
      let seq = 0
      const step = async (durable: boolean) => {
        const r = transition(machine, checking, ev)
        seq++
        await store.tasks.commit(
          {
            taskId: 'T1',
            callId: 'c1',
            kind: bookAppointment.kind,
            machine: machine.id,
            version: machine.version,
            state: r.snapshot.state,
            context: r.snapshot.context,
            seq,
            status: 'open',
            prevSeq: seq === 1 ? null : seq - 1,
            event: ev,
            effects: r.effects.map((e, i) => ({ idemKey: `T1:${seq}:${i}`, kind: e.kind, payload: e })),
            timers: { set: [], clear: [] },
            at: t0 + seq,
          },
          durable,
        )
        return r
      }
      rows.push(await benchAsync(g, 'transition + tasks.commit, synchronous=NORMAL (WAL)', quick ? 100 : 2_000, REPS, () => step(false)))
      rows.push(await benchAsync(g, 'transition + tasks.commit, synchronous=FULL (durable, fsync)', quick ? 20 : 200, REPS, () => step(true)))
      await store.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  if (sink === -1) console.log(sink)
  return { rows }
}

if (import.meta.main) {
  process.stdout.write(JSON.stringify(await runMicro(process.argv.includes('--quick'))) + '\n')
}
