/**
 * @module audio/wire-scan
 * The audio frames of both sockets (`userStream.chunk` from VoiceAI Connect, `response.output_audio.delta` from
 * OpenAI) recognised without JSON.parse, and checked cheaply but strictly: 100 of them per second per call.
 *
 * A {@link FrameScan} accepts exactly one shape: the text starts with `{"type":"<the type>",`, then comma-separated
 * `"key":value` pairs of the fields it knows (any order, each at most once), then `}` ending the text; no whitespace.
 * String values must be plain — no backslash, no control character, within their length limit — so the characters
 * between the quotes ARE the string JSON.parse would give; the audio value must be strict standard base64 (alphabet,
 * length a multiple of 4, `=` padding only at the end) within a size limit; integers are non-negative, without
 * fraction or exponent. Anything else — an unknown field, a duplicate, an escape, spaces, another order of `type` —
 * is not an error here: the frame goes to the full TypeBox path, which decides. So the scan can only ever accept
 * less than the validator, never more (property-tested against it over mutated real frames).
 *
 * It allocates nothing but the audio string: it records where each value lies (`start`/`end`, −1 when absent) for
 * the caller, who compares ids in place; the audio is sliced once, checked ({@link base64Alphabet}: a WebAssembly
 * SIMD kernel, four times faster than the regex it replaced) and handed over ({@link FrameScan.takeBase64}) as the
 * string the socket needs.
 */

import { base64Alphabet } from './base64-kernel'

export type FieldKind = 'string' | 'base64' | 'integer'
export type FieldSpec = { readonly key: string; readonly kind: FieldKind; readonly maxLength: number }

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const CLOSE = 125
const EQUALS = 61

/** Strict standard base64 in s[a, b): whole quanta, alphabet only, 1 or 2 `=` only as the very last characters. */
export function isStrictBase64(s: string, a: number, b: number): boolean {
  return strictBase64(s.slice(a, b))
}

/** `text` is strict standard base64: whole quanta, the alphabet only ({@link base64Alphabet}), `=` padding at the end. */
function strictBase64(text: string): boolean {
  const n = text.length
  if ((n & 3) !== 0) return false
  const pad = n === 0 || text.charCodeAt(n - 1) !== EQUALS ? 0 : text.charCodeAt(n - 2) === EQUALS ? 2 : 1
  return base64Alphabet(text, n - pad)
}

/**
 * Where a plain JSON string value starting at `a` stops: at the first quote, backslash or control character, or at
 * `limit`. The value is plain (its characters are the string JSON.parse would give) when it stops at a quote.
 */
function plainEnd(s: string, a: number, limit: number): number {
  let b = a
  while (b < limit) {
    const c = s.charCodeAt(b)
    if (c === QUOTE || c < 0x20 || c === BACKSLASH) break
    b++
  }
  return b
}

/**
 * `s` as a string of its own. In JSC a slice shares its base string's storage, so a value sliced from a frame and
 * kept (an id reused across frames) would keep the whole frame alive. For values kept, not per frame: the JSON round
 * trip copies (and is exact for any string, lone surrogates included).
 */
export function detached(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string
}

export class FrameScan {
  /** Where each field's value starts and ends in the last accepted frame (string values: inside the quotes). */
  readonly start: Int32Array
  readonly end: Int32Array
  /** Integer fields' values in the last accepted frame. */
  readonly int: Float64Array
  private readonly prefix: string
  private readonly quotedKeys: readonly string[]
  private readonly kinds: readonly FieldKind[]
  private readonly maxLengths: readonly number[]
  private base64 = ''

  constructor(type: string, readonly fields: readonly FieldSpec[]) {
    if (fields.filter((f) => f.kind === 'base64').length > 1) throw new Error('FrameScan: one base64 field at most')
    this.prefix = '{"type":"' + type + '",'
    this.quotedKeys = fields.map((f) => '"' + f.key + '":')
    this.kinds = fields.map((f) => f.kind)
    this.maxLengths = fields.map((f) => f.maxLength)
    this.start = new Int32Array(fields.length)
    this.end = new Int32Array(fields.length)
    this.int = new Float64Array(fields.length)
  }

  /** Index of the field `key` (for reading `start`/`end`). */
  field(key: string): number {
    const i = this.fields.findIndex((f) => f.key === key)
    if (i < 0) throw new Error(`FrameScan has no field ${key}`)
    return i
  }

  /** True when `s` has exactly the fast shape (see the module comment); false sends it to the full validator. */
  scan(s: string): boolean {
    const n = s.length
    if (s.charCodeAt(n - 1) !== CLOSE || !s.startsWith(this.prefix)) return false
    const start = this.start
    const end = this.end
    for (let k = 0; k < start.length; k++) start[k] = -1
    const keys = this.quotedKeys
    let base64 = ''
    let i = this.prefix.length
    const nk = keys.length
    // Senders keep one field order, so the field after the previous one is tried first (one comparison per field).
    let hint = 0
    for (;;) {
      let f = -1
      for (let t = 0; t < nk; t++) {
        const k = hint + t < nk ? hint + t : hint + t - nk
        if (s.startsWith(keys[k]!, i)) {
          f = k
          break
        }
      }
      if (f < 0 || start[f] !== -1) return false
      hint = f + 1 < nk ? f + 1 : 0
      i += keys[f]!.length
      const max = this.maxLengths[f]!
      if (this.kinds[f] === 'integer') {
        const a = i
        let v = 0
        while (i < n) {
          const c = s.charCodeAt(i)
          if (c < 48 || c > 57) break
          v = v * 10 + (c - 48)
          i++
        }
        // JSON forbids leading zeros; a fraction or exponent would follow here and is left to the validator.
        if (i === a || i - a > max || (s.charCodeAt(a) === 48 && i - a > 1)) return false
        start[f] = a
        end[f] = i
        this.int[f] = v
      } else {
        if (s.charCodeAt(i) !== QUOTE) return false
        const a = i + 1
        let b: number
        if (this.kinds[f] === 'base64') {
          // The value runs to the next quote; every character before it must be base64 (a backslash or a control
          // character is not), so the quote found is the one ending the string.
          b = s.indexOf('"', a)
          if (b < 0 || b - a > max) return false
          base64 = s.slice(a, b)
          if (!strictBase64(base64)) return false
        } else {
          b = plainEnd(s, a, Math.min(n, a + max + 1))
          // The value must end at a quote within its limit (an escape or a control character stops the scan early).
          if (b - a > max || s.charCodeAt(b) !== QUOTE) return false
        }
        start[f] = a
        end[f] = b
        i = b + 1
      }
      const c = s.charCodeAt(i)
      if (c === COMMA) {
        i++
        continue
      }
      if (c !== CLOSE || i !== n - 1) return false
      this.base64 = base64
      return true
    }
  }

  /**
   * The base64 field's value in the last accepted frame ('' when absent), forgotten here: it was sliced for the check
   * and is the string the socket needs, so the caller takes it instead of slicing it again. Until taken it keeps its
   * frame alive (a slice shares its base string in JSC).
   */
  takeBase64(): string {
    const v = this.base64
    this.base64 = ''
    return v
  }

  /** The value of string field `f` in the last accepted frame equals `expected` (compared in place). */
  equals(s: string, f: number, expected: string): boolean {
    const a = this.start[f]!
    return a >= 0 && this.end[f]! - a === expected.length && s.startsWith(expected, a)
  }
}

/**
 * One accepted frame's text around its audio, so the next frames of the same stream are recognised by comparing that
 * text in place instead of scanning field by field: a sender writes every frame of a stream the same way, and only
 * the audio — and at most one more field, `varying` (OpenAI's `event_id`) — changes from frame to frame.
 *
 * A frame matches when it is the learned frame's text with the varying value replaced by another plain string within
 * that field's limit and the audio by other strict base64 within its limit, the audio still last. That is exactly a
 * frame the {@link FrameScan} accepts, with the learned frame's meaning but for those two values: the text it compares
 * came from a frame the scan accepted (no duplicate, no escape, every value in its limits), and the two values are
 * checked as the scan checks them. So the shape accepts nothing the scan would not (property-tested with the scan).
 *
 * Learning copies about 100 characters of text once: `learn` takes a shape for each new `key` (the stream: an item,
 * a conversation) and, when a frame of the same key was accepted without matching (the sender's layout changes from
 * frame to frame), gives the shape up for that key rather than copy text for every frame.
 */
export class FrameShape {
  /** The learned frame's text up to the varying value (to the audio when there is none); undefined: no shape. */
  private head: string | undefined
  /** From the varying value's closing quote to the audio; undefined when the learned frame has no varying value. */
  private middle: string | undefined
  private key: string | undefined
  private readonly audio: number
  private readonly audioMax: number
  private readonly varyMax: number

  constructor(
    private readonly scan: FrameScan,
    /** The field whose value may change per frame (a string field), or -1. */
    private readonly varying: number,
  ) {
    this.audio = scan.fields.findIndex((f) => f.kind === 'base64')
    const audio = scan.fields[this.audio]
    if (audio === undefined) throw new Error('FrameShape: the scan has no base64 field')
    this.audioMax = audio.maxLength
    const vary = varying < 0 ? undefined : scan.fields[varying]
    if (varying >= 0 && vary?.kind !== 'string') throw new Error('FrameShape: the varying field must be a string field')
    this.varyMax = vary?.maxLength ?? 0
  }

  /**
   * `frame` was just accepted by the scan (its positions are the scan's) and is of stream `key`: learn its shape
   * when the stream is new, give the shape up when it is not (this frame did not match it).
   */
  learn(frame: string, key: string): void {
    if (key === this.key) {
      this.head = undefined
      return
    }
    this.key = key
    this.head = undefined
    const start = this.scan.start
    const end = this.scan.end
    const a = start[this.audio]!
    // The audio must be the last field: what follows it is exactly its closing quote and the frame's brace.
    if (a < 0 || end[this.audio] !== frame.length - 2) return
    // With the audio last, a varying value present lies before it.
    const v = this.varying < 0 ? -1 : start[this.varying]!
    if (v >= 0) {
      this.head = detached(frame.slice(0, v))
      this.middle = detached(frame.slice(end[this.varying]!, a))
    } else {
      this.head = detached(frame.slice(0, a))
      this.middle = undefined
    }
  }

  /** The audio of `frame` when it has the learned shape (see the class comment), else undefined: scan it in full. */
  match(frame: string): string | undefined {
    const head = this.head
    if (head === undefined) return undefined
    const n = frame.length
    if (frame.charCodeAt(n - 1) !== CLOSE || frame.charCodeAt(n - 2) !== QUOTE || !frame.startsWith(head)) return undefined
    let a = head.length
    const middle = this.middle
    if (middle !== undefined) {
      const b = plainEnd(frame, a, Math.min(n, a + this.varyMax + 1))
      // `middle` begins with the value's closing quote: a value cut short by an escape or a control does not match.
      if (b - a > this.varyMax || !frame.startsWith(middle, b)) return undefined
      a = b + middle.length
    }
    // The learned text must end before the closing quote: a frame shorter than it (`head` then `}`) is no match.
    if (a > n - 2 || n - 2 - a > this.audioMax) return undefined
    const audio = frame.slice(a, n - 2)
    return strictBase64(audio) ? audio : undefined
  }
}
