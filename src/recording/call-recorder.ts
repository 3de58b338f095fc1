/**
 * @module recording/call-recorder
 * One stereo WAV per call (caller left, bot right), written OFF the audio path: the relay only drops each chunk's
 * base64 string (already in the model's format) into a fixed-size ring with its arrival time — O(1), no allocation,
 * no decode. A timer drains the rings a few times a second: decodes, places each chunk on its channel's timeline
 * (caller audio where it arrived; bot audio where it starts playing, after the previous bot audio), and appends the
 * part no later chunk can change to the file asynchronously. A ring that is full drops the chunk and counts it.
 *
 * A barge-in cuts the bot channel at that moment: audio sent ahead to VoiceAI Connect but never played is not
 * recorded as heard. At the end the header gets the real sizes.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { mulawDecode } from '../audio/mulaw'
import { base64ToBytes, bytesToPcm16 } from '../audio/pcm'
import { stereoWavHeader } from '../audio/wav'

/** Fixed-capacity FIFO of (base64, arrival ms): pushing never allocates. */
export class ChunkRing {
  private readonly items: (string | undefined)[]
  private readonly at: Float64Array
  private head = 0
  private size = 0

  constructor(readonly capacity: number) {
    this.items = new Array<string | undefined>(capacity).fill(undefined)
    this.at = new Float64Array(capacity)
  }

  /** False (nothing stored) when full. */
  push(b64: string, t: number): boolean {
    if (this.size === this.capacity) return false
    const i = (this.head + this.size) % this.capacity
    this.items[i] = b64
    this.at[i] = t
    this.size++
    return true
  }

  drain(fn: (b64: string, t: number) => void): void {
    while (this.size > 0) {
      const i = this.head
      const b64 = this.items[i] ?? ''
      const t = this.at[i] ?? 0
      this.items[i] = undefined
      this.head = (i + 1) % this.capacity
      this.size--
      fn(b64, t)
    }
  }
}

export type RecorderOptions = {
  readonly path: string
  /** The model session's audio: PCM16 at 24 kHz, or μ-law at 8 kHz. */
  readonly encoding: 'pcm16' | 'mulaw'
  readonly startedAt: number
  readonly now: () => number
  /** Called with the number of chunks dropped (ring full, or bot audio too far ahead). */
  readonly onDrop: (n: number) => void
  readonly onError: (err: unknown) => void
  /** Ring size per side (default 512 chunks: ~10 s of 20 ms caller frames). */
  readonly ringChunks?: number
  readonly tickMs?: number
}

/** How far behind "now" audio is final (later bot chunks never land earlier than the bot cursor, caller jitter aside). */
const SETTLE_MS = 1500

/** Decoded audio waiting to be written, placed at a sample index since the call started. */
type Segment = { at: number; samples: Int16Array }

export class CallRecorder {
  readonly rate: number
  private readonly callerRing: ChunkRing
  private readonly botRing: ChunkRing
  private left: Segment[] = []
  private right: Segment[] = []
  /** Samples already written. */
  private written = 0
  private callerCursor = 0
  private botCursor = 0
  /** Highest sample index holding audio (the end of the file at close). */
  private end = 0
  private file: Promise<FileHandle> | undefined
  private chain: Promise<unknown> = Promise.resolve()
  private readonly timer: ReturnType<typeof setInterval>
  private closed = false
  private bytesQueued = 0

  constructor(private readonly o: RecorderOptions) {
    this.rate = o.encoding === 'mulaw' ? 8000 : 24000
    this.callerRing = new ChunkRing(o.ringChunks ?? 512)
    this.botRing = new ChunkRing(o.ringChunks ?? 512)
    this.timer = setInterval(() => this.tick(), o.tickMs ?? 250)
    this.timer.unref?.()
  }

  // ---- hot path: O(1), no allocation ----------------------------------------------------------------------------

  caller(b64: string): void {
    if (!this.closed && !this.callerRing.push(b64, this.o.now())) this.o.onDrop(1)
  }

  bot(b64: string): void {
    if (!this.closed && !this.botRing.push(b64, this.o.now())) this.o.onDrop(1)
  }

  // ---- off the path ---------------------------------------------------------------------------------------------

  /** Barge-in at `t`: bot audio placed after it was never heard. */
  cut(t: number): void {
    this.drain()
    const at = Math.max(this.written, this.sampleAt(t))
    if (this.botCursor <= at) return
    this.right = this.right.flatMap((seg) => (seg.at >= at ? [] : seg.at + seg.samples.length > at ? [{ at: seg.at, samples: seg.samples.subarray(0, at - seg.at) }] : [seg]))
    this.botCursor = at
    this.end = Math.max(this.callerCursor, at)
  }

  private sampleAt(t: number): number {
    return Math.max(0, Math.round(((t - this.o.startedAt) * this.rate) / 1000))
  }

  private decode(b64: string): Int16Array {
    const bytes = base64ToBytes(b64)
    return this.o.encoding === 'mulaw' ? mulawDecode(bytes) : bytesToPcm16(bytes)
  }

  private drain(): void {
    this.callerRing.drain((b64, t) => {
      const samples = this.decode(b64)
      // A chunk arrives when it ends; consecutive chunks are contiguous unless the line was silent in between.
      const at = Math.max(this.callerCursor, this.written, this.sampleAt(t) - samples.length)
      this.left.push({ at, samples })
      this.callerCursor = at + samples.length
      this.end = Math.max(this.end, this.callerCursor)
    })
    this.botRing.drain((b64, t) => {
      const samples = this.decode(b64)
      // Bot audio arrives faster than real time: it plays after what was already queued.
      const at = Math.max(this.botCursor, this.written, this.sampleAt(t))
      this.right.push({ at, samples })
      this.botCursor = at + samples.length
      this.end = Math.max(this.end, this.botCursor)
    })
  }

  private tick(): void {
    try {
      this.drain()
      this.writeUpTo(Math.min(this.sampleAt(this.o.now() - SETTLE_MS), this.end))
    } catch (err) {
      this.o.onError(err)
    }
  }

  /** Interleaves one channel's segments into `out` for samples [from, to); returns the segments still needed. */
  private static mix(segments: Segment[], out: Int16Array, channel: 0 | 1, from: number, to: number): Segment[] {
    const rest: Segment[] = []
    for (const seg of segments) {
      const a = Math.max(seg.at, from)
      const b = Math.min(seg.at + seg.samples.length, to)
      for (let i = a; i < b; i++) out[2 * (i - from) + channel] = seg.samples[i - seg.at] ?? 0
      if (seg.at + seg.samples.length > to) rest.push(seg)
    }
    return rest
  }

  /** Appends samples [written, upTo) interleaved to the file. */
  private writeUpTo(upTo: number): void {
    const n = upTo - this.written
    if (n <= 0) return
    const out = new Int16Array(n * 2)
    this.left = CallRecorder.mix(this.left, out, 0, this.written, upTo)
    this.right = CallRecorder.mix(this.right, out, 1, this.written, upTo)
    this.written = upTo
    const bytes = new Uint8Array(out.buffer)
    this.file ??= open(this.o.path, 'w').then(async (fh) => {
      await fh.write(stereoWavHeader(this.rate, 0), 0, 44, 0)
      return fh
    })
    const file = this.file
    // Explicit offsets: a positioned write (the header) does not move the file position.
    const offset = 44 + this.bytesQueued
    this.bytesQueued += bytes.length
    this.chain = this.chain
      .then(async () => {
        const fh = await file
        await fh.write(bytes, 0, bytes.length, offset)
      })
      .catch((err: unknown) => this.o.onError(err))
  }

  /** Writes the rest and the final header. Resolves when the file is complete (never rejects). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    try {
      this.drain()
      this.writeUpTo(this.end)
      if (!this.file) return
      const file = this.file
      const dataBytes = this.written * 4
      await this.chain
      const fh = await file
      await fh.write(stereoWavHeader(this.rate, dataBytes), 0, 44, 0)
      await fh.close()
    } catch (err) {
      this.o.onError(err)
    }
  }
}
