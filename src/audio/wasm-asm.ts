/**
 * @module audio/wasm-asm
 * Just enough of a WebAssembly binary encoder to write the resampler's SIMD kernel in TypeScript: one module with
 * its own memory and exported functions. Writing the few dozen instructions here (instead of shipping a `.wasm`
 * blob built by another toolchain) keeps the kernel reviewable next to the code that calls it, with no build step.
 * Instruction helpers return byte arrays; a function body is their concatenation.
 */

export type Bytes = readonly number[]

export const I32 = 0x7f
export const F32 = 0x7d
export const V128 = 0x7b

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

function utf8(s: string): number[] {
  const b = [...new TextEncoder().encode(s)]
  return [...uleb(b.length), ...b]
}

function vec(items: readonly Bytes[]): number[] {
  return [...uleb(items.length), ...items.flat()]
}

function section(id: number, body: Bytes): number[] {
  return [id, ...uleb(body.length), ...body]
}

const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm]
const mem = (op: number, align: number, offset: number): number[] => [op, ...uleb(align), ...uleb(offset)]

/** Instructions (only those the kernel uses). Memory offsets are static byte offsets added to the address. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  i32Load: (offset = 0) => mem(0x28, 2, offset),
  i32Store: (offset = 0) => mem(0x36, 2, offset),
  i32Load16s: (offset = 0) => mem(0x2e, 1, offset),
  i32Store16: (offset = 0) => mem(0x3b, 1, offset),
  f32Store: (offset = 0) => mem(0x38, 2, offset),
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32GtS: [0x4a],
  i32GeS: [0x4e],
  i32LtS: [0x48],
  i32GtU: [0x4b],
  f32Add: [0x92],
  f32Min: [0x96],
  f32Max: [0x97],
  f32Nearest: [0x90],
  f32Const: (v: number) => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)],
  f32FromI32: [0xb2],
  i32FromF32: [0xa8],
  memoryCopy: [0xfc, ...uleb(10), 0x00, 0x00],
  v128Load: (offset = 0) => simd(0x00, ...uleb(0), ...uleb(offset)),
  v128Store: (offset = 0) => simd(0x0b, ...uleb(0), ...uleb(offset)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  /** Lanes of the result, by byte: 0–15 from the first operand, 16–31 from the second. */
  shuffle: (bytes: readonly number[]) => simd(0x0d, ...bytes),
  /** Stores 16-bit lane `lane` of a vector. */
  v128Store16Lane: (lane: number, offset = 0) => simd(0x59, ...uleb(1), ...uleb(offset), lane),
  /** Stores the low 8 bytes of a vector. */
  v128Store64Lane0: (offset = 0) => simd(0x5b, ...uleb(0), ...uleb(offset), 0),
  f32x4Nearest: simd(0x6a),
  i32x4TruncSatF32x4: simd(0xf8),
  i16x8NarrowI32x4: simd(0x85),
  f32x4Lane: (lane: number) => simd(0x1f, lane),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  i32x4ExtendLowI16: simd(0xa7),
  i32x4ExtendHighI16: simd(0xa8),
  f32x4FromI32x4: simd(0xfa),
  i8x16Splat: simd(0x0f),
  i8x16Eq: simd(0x23),
  i8x16LtU: simd(0x26),
  v128And: simd(0x4e),
  v128Or: simd(0x50),
  i8x16AllTrue: simd(0x63),
  i8x16Sub: simd(0x71),
} as const

export type Func = {
  readonly name: string
  readonly params: readonly number[]
  readonly results: readonly number[]
  /** Extra locals after the parameters, by type. */
  readonly locals: readonly number[]
  readonly body: readonly Bytes[]
}

/** A module exporting `memory` (`pages` × 64 KiB, growable) and the given functions. */
export function wasmModule(pages: number, funcs: readonly Func[]): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))])
  const code = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]))
    const body = [...locals, ...f.body.flat(), 0x0b]
    return [...uleb(body.length), ...body]
  })
  const exports = [[...utf8('memory'), 0x02, 0x00], ...funcs.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)])]
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
  ])
}
