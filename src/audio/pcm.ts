/**
 * @module audio/pcm
 * base64 ⇄ bytes ⇄ PCM16 little-endian samples, the shape audio has on both WebSockets. Decoding goes through Bun's
 * native base64 (`Buffer.from(b64, 'base64')`) and returns an Int16Array *view* of the decoded bytes whenever they are
 * 2-byte aligned, so the common case copies nothing. `ByteCarry` keeps sample alignment across chunks whose byte
 * count is odd: a sender may split a sample between two messages, and dropping that byte would shift every later
 * sample by one byte (loud noise instead of speech).
 */

/** Every platform Bun runs on is little-endian, but the views below would silently byte-swap on a big-endian one. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

export function base64ToBytes(b64: string): Uint8Array {
  return Buffer.from(b64, 'base64')
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * Interprets `bytes` as PCM16 LE. A trailing odd byte is ignored (use `ByteCarry` for streams). Returns a view sharing
 * memory with `bytes` when aligned, a copy otherwise.
 */
export function bytesToPcm16(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1
  if (LITTLE_ENDIAN && (bytes.byteOffset & 1) === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, n)
  const out = new Int16Array(n)
  for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = (bytes[j]! | (bytes[j + 1]! << 8)) << 16 >> 16
  return out
}

/** The bytes of `samples` as PCM16 LE, without copying. */
export function pcm16Bytes(samples: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)
  const out = new Uint8Array(samples.length * 2)
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!
    out[2 * i] = s & 0xff
    out[2 * i + 1] = (s >> 8) & 0xff
  }
  return out
}

export function base64ToPcm16(b64: string): Int16Array {
  return bytesToPcm16(base64ToBytes(b64))
}

export function pcm16ToBase64(samples: Int16Array): string {
  return bytesToBase64(pcm16Bytes(samples))
}

/**
 * Turns a stream of byte chunks into whole PCM16 samples: an odd trailing byte is held back and becomes the low byte
 * of the first sample of the next chunk. Total samples out = floor(total bytes in / 2), whatever the chunking.
 */
export class ByteCarry {
  private carry = -1
  private scratch = new Uint8Array(0)

  /** 1 while a byte is held back. */
  get pending(): number {
    return this.carry < 0 ? 0 : 1
  }

  /**
   * The whole samples available after `bytes`. The result may be a view of `bytes` (no carry, aligned) or of an
   * internal buffer reused by the next call: consume it before pushing again.
   */
  push(bytes: Uint8Array): Int16Array {
    if (bytes.length === 0) return new Int16Array(0)
    if (this.carry < 0) {
      if ((bytes.length & 1) === 1) this.carry = bytes[bytes.length - 1]!
      return bytesToPcm16(bytes)
    }
    // Re-align: prepend the held byte. The copy is unavoidable since every later sample straddles two input bytes.
    const total = bytes.length + 1
    const even = total & ~1
    if (this.scratch.length < even) this.scratch = new Uint8Array(Math.max(even, this.scratch.length * 2))
    const s = this.scratch
    s[0] = this.carry
    s.set(bytes.subarray(0, even - 1), 1)
    this.carry = (total & 1) === 1 ? bytes[bytes.length - 1]! : -1
    return bytesToPcm16(s.subarray(0, even))
  }

  reset(): void {
    this.carry = -1
  }
}
