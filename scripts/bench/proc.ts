/**
 * @module bench/proc
 * What the kernel says a process costs: CPU from /proc/<pid>/stat (utime+stime of every thread, in clock ticks) and,
 * at nanosecond resolution, from /proc/<pid>/task/<tid>/schedstat; memory from VmRSS in /proc/<pid>/status. Plus
 * the percentile helper every report uses.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** USER_HZ: Linux reports utime/stime in 1/100 s on every mainstream architecture. */
export const CLOCK_TICKS_PER_SECOND = 100

export type ProcSample = {
  /** utime + stime, all threads, in ms (10 ms resolution). */
  readonly cpuMs: number
  /** utime alone (JS, JIT, GC, the runtime's own user-space code), ms. */
  readonly userMs: number
  /** Sum of the threads' on-CPU time from schedstat, in ms (ns resolution; threads that already exited are missing). */
  readonly schedMs: number
  readonly rssKiB: number
  readonly threads: number
}

/** utime and stime of the whole process in ms. Field 2 (comm) may contain spaces, so fields are counted after its ')'. */
export function cpuTimes(pid: number): { userMs: number; sysMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
  const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND
  return { userMs: ms(Number(fields[11])), sysMs: ms(Number(fields[12])) }
}

export function schedMs(pid: number): { ms: number; threads: number } {
  let ns = 0
  let threads = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      threads++
    } catch {
      // the thread exited between readdir and read
    }
  }
  return { ms: ns / 1e6, threads }
}

export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : 0
}

export function sample(pid: number): ProcSample {
  const s = schedMs(pid)
  const t = cpuTimes(pid)
  return { cpuMs: t.userMs + t.sysMs, userMs: t.userMs, schedMs: s.ms, rssKiB: rssKiB(pid), threads: s.threads }
}

export type MachineCpu = {
  /** user + nice + system of every process (what processes are charged), ms. */
  readonly taskMs: number
  /** irq + softirq (loopback TCP is mostly softirq, charged to no process), ms. */
  readonly irqMs: number
  /** Time the hypervisor gave to other guests, ms. */
  readonly stealMs: number
}

/** Machine-wide CPU (all cores) from the first line of /proc/stat. */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already inside user)
  const f = line.trim().split(/\s+/).slice(1).map(Number)
  const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND
  return { taskMs: ms((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0)), irqMs: ms((f[5] ?? 0) + (f[6] ?? 0)), stealMs: ms(f[7] ?? 0) }
}

export function cpuDelta(a: MachineCpu, b: MachineCpu): MachineCpu {
  return { taskMs: b.taskMs - a.taskMs, irqMs: b.irqMs - a.irqMs, stealMs: b.stealMs - a.stealMs }
}

export type Percentiles = { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number }

/** Nearest-rank percentiles of `values[0..count)` (sorted in place). */
export function percentiles(values: Float64Array, count = values.length): Percentiles {
  if (count === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN }
  const v = values.subarray(0, count).sort()
  const at = (q: number) => v[Math.min(count - 1, Math.ceil(q * count) - 1)] ?? NaN
  return { count, p50: at(0.5), p99: at(0.99), max: v[count - 1] ?? NaN }
}
