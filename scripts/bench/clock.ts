/**
 * @module bench/clock
 * One clock for every benchmark process: milliseconds of CLOCK_MONOTONIC (the system-wide monotonic clock, the one
 * Node's `process.hrtime` reads). Per-direction latency needs it because the load generator stamps a frame when it
 * sends it and the fake upstream, another process, stamps it when it arrives. Bun's `performance.now()` and
 * `process.hrtime()` both count from process start, so each process reads CLOCK_MONOTONIC once through libc (FFI)
 * and keeps `performance.now()` (same clock, fixed offset, checked to drift 0 µs over 10 s) for every later reading,
 * which costs nothing per call.
 */
import { dlopen, FFIType, ptr } from 'bun:ffi'

const CLOCK_MONOTONIC = 1

function readMonotonic(): () => number {
  const lib = dlopen('libc.so.6', { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } })
  const ts = new BigInt64Array(2)
  const p = ptr(ts)
  return () => {
    if (lib.symbols.clock_gettime(CLOCK_MONOTONIC, p) !== 0) throw new Error('clock_gettime(CLOCK_MONOTONIC) failed')
    return Number(ts[0]) * 1e3 + Number(ts[1]) / 1e6
  }
}

/** Offset from `performance.now()` to CLOCK_MONOTONIC, from the tightest of 64 bracketed readings (< 1 µs error). */
function measureOffset(): number {
  const mono = readMonotonic()
  let best = Infinity
  let offset = 0
  for (let i = 0; i < 64; i++) {
    const a = performance.now()
    const m = mono()
    const b = performance.now()
    if (b - a < best) {
      best = b - a
      offset = m - (a + b) / 2
    }
  }
  return offset
}

const OFFSET = measureOffset()

/** CLOCK_MONOTONIC in milliseconds (fractional), comparable across processes on this machine. */
export const now = (): number => performance.now() + OFFSET
