/**
 * @module sim/latency-probe
 * Relay latency measured from outside the server: the simulators stamp each audio payload when it leaves one peer
 * and when the same payload reaches the other (the passthrough formats move the base64 string untouched, so the
 * payload itself is the key; repeated payloads such as silence are matched first-in first-out, as TCP keeps order).
 * Uplink = caller chunk sent → append received by the model; downlink = delta written by the model → chunk
 * received by the caller. Both include two socket hops and FastAgent's work; no clock crosses processes.
 */

export type LatencySummary = { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number }

class Direction {
  private readonly pending = new Map<string, number[]>()
  readonly samples: number[] = []
  unmatched = 0

  out(key: string, t: number): void {
    let q = this.pending.get(key)
    if (!q) this.pending.set(key, (q = []))
    q.push(t)
  }

  in(key: string, t: number): void {
    const q = this.pending.get(key)
    const sent = q?.shift()
    if (sent === undefined) {
      this.unmatched++
      return
    }
    if (q && q.length === 0) this.pending.delete(key)
    this.samples.push(t - sent)
  }

  summary(): LatencySummary {
    return summarize(this.samples)
  }
}

export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 }
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 }
}

export class LatencyProbe {
  readonly up = new Direction()
  readonly down = new Direction()

  /** Hooks for the VoiceAI Connect simulator (`tap` option). */
  readonly caller = {
    sent: (audio: string, t: number) => this.up.out(audio, t),
    received: (audio: string, t: number) => this.down.in(audio, t),
  }
  /** Hooks for the Realtime emulator (`tap` option). */
  readonly model = {
    append: (audio: string, t: number) => this.up.in(audio, t),
    delta: (audio: string, t: number) => this.down.out(audio, t),
  }
}
