/**
 * @module audio/base64-kernel
 * The strict base64 check of the per-frame fast path as a WebAssembly SIMD function: is every character of a string
 * in the standard alphabet `[A-Za-z0-9+/]`?
 *
 * Why: the audio of both per-frame messages is checked character by character (1,280 characters per 20 ms of 24 kHz
 * PCM16). JSC's regex JIT runs `[A-Za-z0-9+/]*` at about one character per nanosecond, and that one check cost
 * ten times the rest of a passthrough hop (1.1–1.7 µs per frame per direction, against ~0.1 µs for the bare Bun
 * relay's slicing). Here sixteen characters are classified per step (`(c | 0x20) − 'a' < 26`, `c − '/' < 11`,
 * `c = '+'`), after one native copy of the string into the kernel's memory (`Buffer.write`, UTF-8: a string with
 * any non-ASCII character writes more bytes than it has characters and is refused before the kernel runs).
 *
 * Nothing is allocated: the copy and the check return numbers. One instance serves the process (JS is
 * single-threaded; a check completes before the next).
 *
 * Memory: 16 bytes of `A` (always valid), then the text. The loop checks whole 16-byte blocks from the text's start
 * and then the 16 bytes that end at the text's end, which may overlap the blocks before or the `A` prefix (a text
 * shorter than 16): every character of the text is checked, nothing after it is.
 */
import { I32, V128, type Bytes, op, wasmModule } from './wasm-asm'

/** Longest text the kernel checks, in characters (the fast paths' size limits are below it). */
export const BASE64_CHECK_MAX = 256 * 1024 + 64
const PREFIX = 16

// Parameter and locals of `check`, by index.
const N = 0, I = 1, END = 2
const ACC = 3, V = 4, C20 = 5, C61 = 6, C26 = 7, C2F = 8, C0B = 9, C2B = 10

const { get, set, i32 } = op

/** acc &= (((v | 0x20) − 'a') <u 26) | ((v − '/') <u 11) | (v = '+') — letters, then '/' and digits, then '+'. */
const classify: Bytes[] = [
  get(ACC),
  get(V), get(C20), op.v128Or, get(C61), op.i8x16Sub, get(C26), op.i8x16LtU,
  get(V), get(C2F), op.i8x16Sub, get(C0B), op.i8x16LtU,
  op.v128Or,
  get(V), get(C2B), op.i8x16Eq,
  op.v128Or,
  op.v128And, set(ACC),
]

/** `check(n)`: 1 when the `n` bytes at PREFIX are all in the alphabet, else 0. */
const checkBody: Bytes[] = [
  i32(0x20), op.i8x16Splat, set(C20),
  i32(0x61), op.i8x16Splat, set(C61),
  i32(26), op.i8x16Splat, set(C26),
  i32(0x2f), op.i8x16Splat, set(C2F),
  i32(11), op.i8x16Splat, set(C0B),
  i32(0x2b), op.i8x16Splat, set(C2B),
  // All lanes true: 26 = 26.
  get(C26), get(C26), op.i8x16Eq, set(ACC),
  get(N), i32(PREFIX), op.i32Add, set(END),
  i32(PREFIX), set(I),
  op.block, op.loop,
  get(I), i32(16), op.i32Add, get(END), op.i32GtU, op.brIf(1),
  get(I), op.v128Load(), set(V),
  ...classify,
  get(I), i32(16), op.i32Add, set(I),
  op.br(0),
  op.end, op.end,
  get(END), i32(16), op.i32Sub, op.v128Load(), set(V),
  ...classify,
  get(ACC), op.i8x16AllTrue,
]

/**
 * The kernel's memory holds the longest text once. A text with a non-ASCII character cannot pass the length test in
 * {@link base64Alphabet}, whether its UTF-8 fits or not. If it fits, the written byte count is longer than the text.
 * If it does not fit, the write stops at the last whole character within the room, at most 3 bytes short of it. The
 * room is at least 16 bytes longer than any text checked, so the count is again longer. Sizing the memory for the
 * UTF-8 worst case (3 bytes a character, 13 pages) made JSC count 1.6 MiB of the idle heap for it. That heap is what
 * it sizes its collections from.
 */
const PAGES = Math.ceil((PREFIX + BASE64_CHECK_MAX + 32) / 65536)
/** What the kernel's memory takes, in bytes (its test keeps it at the longest text, not its UTF-8 worst case). */
export const KERNEL_MEMORY_BYTES = PAGES * 65536
const instance = new WebAssembly.Instance(
  new WebAssembly.Module(wasmModule(PAGES, [{ name: 'check', params: [I32], results: [I32], locals: [I32, I32, ...Array<number>(8).fill(V128)], body: checkBody }])),
)
const check = instance.exports['check'] as (n: number) => number
/** The kernel's memory as a Buffer (it never grows, so this view stays valid). */
const bytes = Buffer.from((instance.exports['memory'] as WebAssembly.Memory).buffer)
bytes.fill(0x41, 0, PREFIX)
/** Room for the text: at least 16 bytes more than the longest, so a cut-short UTF-8 write never equals its length. */
const ROOM = bytes.length - PREFIX - 16

/**
 * True when every one of the first `count` characters of `text` is in `[A-Za-z0-9+/]` (`count` ≤ `text.length`;
 * the characters after it must be ASCII — the caller's `=` padding). False for a text longer than
 * {@link BASE64_CHECK_MAX}.
 */
export function base64Alphabet(text: string, count: number): boolean {
  if (text.length > BASE64_CHECK_MAX) return false
  return bytes.write(text, PREFIX, ROOM, 'utf8') === text.length && check(count) === 1
}
