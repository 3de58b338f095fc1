/**
 * @module audio/fir-kernel
 * The resampler's inner loop as a WebAssembly SIMD function, and the one memory it works in.
 *
 * Why WASM: JavaScript numbers are doubles and JSC does not vectorise, so the polyphase dot products cost about one
 * multiply-add per cycle in JS (8–16 µs per 20 ms frame). Here four `f32x4` accumulators run four output samples at
 * once (independent dependency chains), each step multiplying four taps by four inputs; the four outputs are chosen
 * to share one taps row (same phase, one cycle apart), so the taps are loaded once for all four. 1.6–2.6 µs per frame.
 * Single precision is ample: its rounding error is ~−140 dB against a 16-bit signal.
 *
 * One kernel instance serves every resampler of the process (a call is synchronous, JS single-threaded): a caller
 * copies its filter history and its input into the scratch area, runs `fir`, and copies its output and the new
 * history back. The filter tables of each ratio are written once, after the scratch area.
 *
 * `fir(tapBytes, work, histBytes, n, count, inp, outp, st, up, strideBytes)` (addresses in bytes; `up` = L,
 * `strideBytes` = 4·M):
 * - converts the `n` Int16 samples at `inp` to f32 at `work + histBytes` (after the history);
 * - computes `count` outputs. The state at `st` is the current phase record and the window address; a phase record
 *   (3 × i32, written by the resampler's design) holds the address of that phase's taps row, how many
 *   bytes the window moves after the output, and the address of the next phase's record. Output o = row · window (`tapBytes` long), rounded
 *   to nearest, clipped, stored as Int16 at `outp + 2o`;
 * - writes the state back, the window rebased by −n samples because
 * - the last `histBytes` of the work area move to its front (the history of the next call).
 */
import { I32, V128, type Bytes, op, wasmModule } from './wasm-asm'

// Parameters and locals of `fir`, by index.
const TAP_BYTES = 0, WORK = 1, HIST_BYTES = 2, N = 3, COUNT = 4, INP = 5, OUTP = 6, ST = 7, UP = 8, STRIDE = 9
const I = 10, O = 11, REC = 12, WPTR = 13, K = 14, DST = 15
const TAP = [16, 17, 18, 19] as const
const WIN = [20, 21, 22, 23] as const
const P = 24, BASE = 25
const V = 26
const ACC = [27, 28, 29, 30] as const
const S01 = 31, S23 = 32, TV = 33

const { get, set, i32 } = op

/** The taps row and input window of the next output into locals `t`, `w`, then one step: the phase record says
 * where its row is, how far the window moves, and which record is next. */
function take(t: number, w: number): Bytes[] {
  return [
    get(REC), op.i32Load(0), set(t),
    get(WPTR), set(w),
    get(WPTR), get(REC), op.i32Load(4), op.i32Add, set(WPTR),
    get(REC), op.i32Load(8), set(REC),
  ]
}

/** acc += taps[t + k .. +4] · work[w + k .. +4] */
function mac(acc: number, t: number, w: number): Bytes[] {
  return [
    get(acc),
    get(t), get(K), op.i32Add, op.v128Load(),
    get(w), get(K), op.i32Add, op.v128Load(),
    op.f32x4Mul, op.f32x4Add, set(acc),
  ]
}

/** Output address of output `o`. */
const outAddress: Bytes[] = [get(OUTP), get(O), i32(1), op.i32Shl, op.i32Add]

/** Output o: the lanes of ACC[0] summed as (l0 + l2) + (l1 + l3), rounded to nearest (ties to even), clipped. */
const emitOne: Bytes[] = [
  ...outAddress,
  get(ACC[0]), op.f32x4Lane(0), get(ACC[0]), op.f32x4Lane(2), op.f32Add,
  get(ACC[0]), op.f32x4Lane(1), get(ACC[0]), op.f32x4Lane(3), op.f32Add, op.f32Add,
  op.f32Nearest, op.f32Const(32767), op.f32Min, op.f32Const(-32768), op.f32Max, op.i32FromF32,
  op.i32Store16(),
]

const lanes = (a: number, b: number) => [a * 4, a * 4 + 1, a * 4 + 2, a * 4 + 3, b * 4, b * 4 + 1, b * 4 + 2, b * 4 + 3]

/** The four accumulators as Int16 lanes 0–3 (on the stack): a 4×4 transpose-and-add gives each accumulator's lanes
 * summed in the same order as `emitOne` (so the result never depends on which loop computed an output), rounded to
 * nearest; the saturating narrow clips. */
const sumFour: Bytes[] = [
  get(ACC[0]), get(ACC[1]), op.shuffle([...lanes(0, 1), ...lanes(4, 5)]),
  get(ACC[0]), get(ACC[1]), op.shuffle([...lanes(2, 3), ...lanes(6, 7)]),
  op.f32x4Add, set(S01), // a0.0+a0.2, a0.1+a0.3, a1.0+a1.2, a1.1+a1.3
  get(ACC[2]), get(ACC[3]), op.shuffle([...lanes(0, 1), ...lanes(4, 5)]),
  get(ACC[2]), get(ACC[3]), op.shuffle([...lanes(2, 3), ...lanes(6, 7)]),
  op.f32x4Add, set(S23),
  get(S01), get(S23), op.shuffle([...lanes(0, 2), ...lanes(4, 6)]),
  get(S01), get(S23), op.shuffle([...lanes(1, 3), ...lanes(5, 7)]),
  op.f32x4Add, op.f32x4Nearest, op.i32x4TruncSatF32x4, op.tee(V), get(V), op.i16x8NarrowI32x4,
]

/** Outputs o … o+3 (consecutive). */
const emitFour: Bytes[] = [...outAddress, ...sumFour, op.v128Store64Lane0()]

/**
 * Blocks of 4·L outputs (L = the up factor): for each phase p of the cycle, the outputs o+p, o+p+L, o+p+2L, o+p+3L
 * share one taps row and their windows lie exactly M inputs apart (`STRIDE` bytes: every L outputs advance M
 * inputs), so each step loads the taps once for four outputs — 5 loads per 4 multiply-adds instead of 8.
 */
const phaseBlocks: Bytes[] = [
  op.block, op.loop,
  get(O), get(UP), i32(2), op.i32Shl, op.i32Add, get(COUNT), op.i32GtS, op.brIf(1),
  i32(0), set(P),
  op.loop,
  ...take(TAP[0], WIN[0]),
  get(WIN[0]), get(STRIDE), op.i32Add, op.tee(WIN[1]), get(STRIDE), op.i32Add, op.tee(WIN[2]), get(STRIDE), op.i32Add, set(WIN[3]),
  ...[0, 1, 2, 3].flatMap((j) => [op.v128Zero, set(ACC[j]!)]),
  i32(0), set(K),
  op.loop,
  get(TAP[0]), get(K), op.i32Add, op.v128Load(), set(TV),
  ...[0, 1, 2, 3].flatMap((j) => [get(ACC[j]!), get(TV), get(WIN[j]!), get(K), op.i32Add, op.v128Load(), op.f32x4Mul, op.f32x4Add, set(ACC[j]!)]),
  get(K), i32(16), op.i32Add, op.tee(K), get(TAP_BYTES), op.i32LtS, op.brIf(0),
  op.end,
  get(OUTP), get(O), get(P), op.i32Add, i32(1), op.i32Shl, op.i32Add, set(BASE),
  ...sumFour, set(V),
  ...[0, 1, 2, 3].flatMap((j) => [get(BASE), get(UP), i32(2 * j), op.i32Mul, op.i32Add, get(V), op.v128Store16Lane(j)]),
  get(P), i32(1), op.i32Add, op.tee(P), get(UP), op.i32LtS, op.brIf(0),
  op.end,
  // The phase loop moved the window one cycle (M inputs); the block covers four.
  get(WPTR), get(STRIDE), i32(3), op.i32Mul, op.i32Add, set(WPTR),
  get(O), get(UP), i32(2), op.i32Shl, op.i32Add, set(O),
  op.br(0),
  op.end, op.end,
]

/** Computes `ways` outputs per iteration while at least `ways` remain. */
function outputs(ways: 1 | 4): Bytes[] {
  const js = [0, 1, 2, 3].slice(0, ways)
  return [
    op.block, op.loop,
    get(O), i32(ways), op.i32Add, get(COUNT), op.i32GtS, op.brIf(1),
    ...js.flatMap((j) => take(TAP[j]!, WIN[j]!)),
    ...js.flatMap((j) => [op.v128Zero, set(ACC[j]!)]),
    i32(0), set(K),
    op.loop,
    ...js.flatMap((j) => mac(ACC[j]!, TAP[j]!, WIN[j]!)),
    get(K), i32(16), op.i32Add, op.tee(K), get(TAP_BYTES), op.i32LtS, op.brIf(0),
    op.end,
    ...(ways === 4 ? emitFour : emitOne),
    get(O), i32(ways), op.i32Add, set(O),
    op.br(0),
    op.end, op.end,
  ]
}

const firBody: Bytes[] = [
  get(WORK), get(HIST_BYTES), op.i32Add, set(DST),
  // Int16 → f32, eight at a time, then one at a time.
  op.block, op.loop,
  get(I), i32(8), op.i32Add, get(N), op.i32GtS, op.brIf(1),
  get(DST), get(I), i32(2), op.i32Shl, op.i32Add,
  get(INP), get(I), i32(1), op.i32Shl, op.i32Add, op.v128Load(), op.tee(V), op.i32x4ExtendLowI16, op.f32x4FromI32x4, op.v128Store(0),
  get(DST), get(I), i32(2), op.i32Shl, op.i32Add,
  get(V), op.i32x4ExtendHighI16, op.f32x4FromI32x4, op.v128Store(16),
  get(I), i32(8), op.i32Add, set(I),
  op.br(0),
  op.end, op.end,
  op.block, op.loop,
  get(I), get(N), op.i32GeS, op.brIf(1),
  get(DST), get(I), i32(2), op.i32Shl, op.i32Add,
  get(INP), get(I), i32(1), op.i32Shl, op.i32Add, op.i32Load16s(), op.f32FromI32, op.f32Store(),
  get(I), i32(1), op.i32Add, set(I),
  op.br(0),
  op.end, op.end,
  get(ST), op.i32Load(0), set(REC),
  get(ST), op.i32Load(4), set(WPTR),
  ...phaseBlocks,
  ...outputs(4),
  ...outputs(1),
  get(ST), get(REC), op.i32Store(0),
  get(ST), get(WPTR), get(N), i32(2), op.i32Shl, op.i32Sub, op.i32Store(4),
  get(WORK), get(WORK), get(N), i32(2), op.i32Shl, op.i32Add, get(HIST_BYTES), op.memoryCopy,
]

// Memory layout (bytes). The scratch area bounds one kernel call; longer inputs are processed in pieces.
export const STATE_AT = 0
export const INPUT_AT = 64
export const MAX_INPUT = 4096
export const OUTPUT_AT = INPUT_AT + MAX_INPUT * 2
export const MAX_OUTPUT = 8192
export const WORK_AT = OUTPUT_AT + MAX_OUTPUT * 2
export const MAX_HISTORY = 4096
const TABLES_AT = WORK_AT + (MAX_HISTORY + MAX_INPUT) * 4

const instance = new WebAssembly.Instance(
  new WebAssembly.Module(
    wasmModule(1, [
      {
        name: 'fir',
        params: Array<number>(10).fill(I32),
        results: [],
        locals: [...Array<number>(16).fill(I32), ...Array<number>(8).fill(V128)],
        body: firBody,
      },
    ]),
  ),
)
const memory = instance.exports['memory'] as WebAssembly.Memory
export const fir = instance.exports['fir'] as (
  tapBytes: number, work: number, histBytes: number, n: number, count: number, inp: number, outp: number, st: number,
  up: number, strideBytes: number,
) => void

/** Views of the kernel memory. They are replaced when the memory grows (a new table): compare `generation`. */
export const heap = { generation: 0, f32: new Float32Array(0), i16: new Int16Array(0), i32: new Int32Array(0), bytes: Buffer.alloc(0) }
let tablesEnd = TABLES_AT

function refreshViews(): void {
  heap.generation++
  heap.f32 = new Float32Array(memory.buffer)
  heap.i16 = new Int16Array(memory.buffer)
  heap.i32 = new Int32Array(memory.buffer)
  heap.bytes = Buffer.from(memory.buffer)
}

/** Reserves `bytes` (16-byte aligned) for a filter table, growing the memory if needed; returns the byte offset. */
export function allocTable(bytes: number): number {
  const at = tablesEnd
  tablesEnd += Math.ceil(bytes / 16) * 16
  if (tablesEnd > memory.buffer.byteLength) memory.grow(Math.ceil((tablesEnd - memory.buffer.byteLength) / 65536))
  if (heap.f32.buffer !== memory.buffer) refreshViews()
  return at
}

allocTable(0)
