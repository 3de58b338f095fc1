/**
 * @module bench/perf-split
 * Where a relay's CPU goes, including what a JavaScript profile cannot see: `perf` samples the whole machine
 * (`cpu-clock`, the one event this kind of VM offers; attaching to a pid records nothing here) while the relay streams,
 * and the relay's samples are split by thread and by where the sampled instruction was:
 * - kernel: syscalls, loopback TCP, page faults (the main thread);
 * - runtime: Bun's own native code, JavaScriptCore's interpreter and collector included (the main thread);
 * - JIT: code JavaScriptCore compiled (our JavaScript, optimised, and its inline caches);
 * - libc: memcpy, malloc and the like;
 * - other threads: the JIT compiler, the collector's helpers, the allocator's scavenger.
 * Neither Bun's npm build nor our compiled binary carries symbols, so this stops at the split; the JavaScript profile
 * (`--profile`) names the functions.
 */

export type PerfSplit = {
  readonly samples: number
  readonly kernel: number
  readonly runtime: number
  readonly jit: number
  readonly libc: number
  readonly otherThreads: number
}

const LIBC = /\/(libc|libm|ld-linux[^/]*|libpthread)[^/]*\.so/

/**
 * Pure: the split of `perf script -F pid,tid,ip,dso` output for process `pid`. A line reads `pid/tid  ip (dso)`;
 * lines of other processes, and lines that do not parse, are skipped.
 */
export function perfSplit(script: string, pid: number): PerfSplit {
  let samples = 0
  let kernel = 0
  let runtime = 0
  let jit = 0
  let libc = 0
  let otherThreads = 0
  for (const line of script.split('\n')) {
    const m = /^\s*(\d+)\/(\d+)\s+\S+\s+\((.*)\)\s*$/.exec(line)
    if (!m || Number(m[1]) !== pid) continue
    samples++
    const dso = m[3] ?? ''
    if (Number(m[2]) !== pid) otherThreads++
    else if (dso === '[kernel.kallsyms]') kernel++
    else if (dso.startsWith('/tmp/perf-') || dso.startsWith('[JIT]') || dso === '[unknown]') jit++
    else if (LIBC.test(dso) || dso === '[vdso]') libc++
    else runtime++
  }
  return { samples, kernel, runtime, jit, libc, otherThreads }
}

/** Milliseconds of CPU per call per second of audio for each part of `s`, sampled at `hz` for `seconds`. */
export function perCallSecond(s: PerfSplit, hz: number, seconds: number, calls: number): Omit<PerfSplit, 'samples'> & { total: number } {
  const ms = (n: number) => (n / hz / seconds / calls) * 1000
  return { total: ms(s.samples), kernel: ms(s.kernel), runtime: ms(s.runtime), jit: ms(s.jit), libc: ms(s.libc), otherThreads: ms(s.otherThreads) }
}

export type PerfRecording = { readonly split: PerfSplit; readonly hz: number; readonly seconds: number } | { readonly error: string }

/** Samples the whole machine for `seconds` at `hz` and splits `pid`'s share (perf must be installed; root or perf_event_paranoid ≤ 0). */
export async function recordPerfSplit(pid: number, seconds: number, hz: number, dir: string): Promise<PerfRecording> {
  try {
    return await record(pid, seconds, hz, dir)
  } catch (err) {
    // Never a rejection: the bench awaits this after its load generator, which may fail first.
    return { error: `perf: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300) }
  }
}

async function record(pid: number, seconds: number, hz: number, dir: string): Promise<PerfRecording> {
  if (!Bun.which('perf')) return { error: 'perf is not installed (Debian: linux-perf)' }
  const data = `${dir}/perf-${pid}-${process.hrtime.bigint()}.data`
  const rec = Bun.spawn(['perf', 'record', '-q', '-e', 'cpu-clock', '-F', String(hz), '-a', '-o', data, '--', 'sleep', String(seconds)], { stdout: 'ignore', stderr: 'pipe' })
  const recErr = await new Response(rec.stderr).text()
  if ((await rec.exited) !== 0) return { error: `perf record failed: ${recErr.trim().slice(0, 300)}` }
  const script = Bun.spawn(['perf', 'script', '-i', data, '-F', 'pid,tid,ip,dso'], { stdout: 'pipe', stderr: 'ignore' })
  const text = await new Response(script.stdout).text()
  await script.exited
  await Bun.file(data).delete()
  const split = perfSplit(text, pid)
  return split.samples > 0 ? { split, hz, seconds } : { error: `perf recorded no sample of process ${pid}` }
}

/** One relay run's recording, for the report. */
export type PerfRow = { readonly format: string; readonly calls: number; readonly relay: string; readonly recording: PerfRecording }
