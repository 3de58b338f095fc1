/**
 * @module sim/realtime/vad
 * The emulator's server VAD: an energy detector on the ACTUAL input audio, so a client's framing, gaps and silence
 * padding have the effect they would have on the real server.
 *
 * Audio is cut into 10 ms windows (exact across chunk boundaries). A window is voiced when its RMS level exceeds
 * `thresholdDb(threshold)` = −60 + 50 × threshold dBFS: the API's default 0.5 → −35 dBFS, 0 → −60 dBFS (anything but
 * digital silence), 1 → −10 dBFS (only loud speech). Speech starts after `MIN_SPEECH_MS` of consecutive voiced windows
 * and is dated at the first of them; it stops once `silenceMs` of consecutive unvoiced windows followed, dated at the
 * end of that silence (as the API's `audio_end_ms` includes the silence duration). Positions are in samples since the
 * session's first appended sample, so they are exact to one window (10 ms) whatever the machine speed.
 */
import { dbfs } from '../../audio/signal'

export const WINDOW_MS = 10
/** Voiced time needed before speech is declared, so a click does not barge in. */
export const MIN_SPEECH_MS = 20

export const thresholdDb = (threshold: number): number => -60 + 50 * threshold

export interface VadSettings {
  /** turn_detection.threshold, 0..1. */
  readonly threshold: number
  readonly silenceMs: number
}

export type VadEvent =
  | { readonly type: 'speech_started'; readonly atSample: number }
  | { readonly type: 'speech_stopped'; readonly atSample: number }

export class EnergyVad {
  private readonly windowLen: number
  private readonly window: Int16Array
  private fill = 0
  /** Samples seen before the current window. */
  private consumed = 0
  private voicedRun = 0
  private runStart = 0
  private silentRun = 0
  private speaking = false
  private readonly limitDb: number
  private readonly minSpeechWindows: number
  private readonly silenceWindows: number

  constructor(readonly rate: number, settings: VadSettings, startSample = 0) {
    this.windowLen = Math.round((rate * WINDOW_MS) / 1000)
    this.window = new Int16Array(this.windowLen)
    this.limitDb = thresholdDb(settings.threshold)
    this.minSpeechWindows = Math.ceil(MIN_SPEECH_MS / WINDOW_MS)
    this.silenceWindows = Math.max(1, Math.ceil(settings.silenceMs / WINDOW_MS))
    this.consumed = startSample
  }

  get inSpeech(): boolean {
    return this.speaking
  }

  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = []
    let i = 0
    while (i < samples.length) {
      const take = Math.min(this.windowLen - this.fill, samples.length - i)
      this.window.set(samples.subarray(i, i + take), this.fill)
      this.fill += take
      i += take
      if (this.fill < this.windowLen) break
      this.step(events)
      this.consumed += this.windowLen
      this.fill = 0
    }
    return events
  }

  private step(events: VadEvent[]): void {
    const voiced = dbfs(this.window) > this.limitDb
    const start = this.consumed
    const end = start + this.windowLen
    if (!this.speaking) {
      if (!voiced) {
        this.voicedRun = 0
        return
      }
      if (this.voicedRun === 0) this.runStart = start
      this.voicedRun++
      if (this.voicedRun >= this.minSpeechWindows) {
        this.speaking = true
        this.silentRun = 0
        events.push({ type: 'speech_started', atSample: this.runStart })
      }
      return
    }
    if (voiced) {
      this.silentRun = 0
      return
    }
    this.silentRun++
    if (this.silentRun >= this.silenceWindows) {
      this.speaking = false
      this.voicedRun = 0
      events.push({ type: 'speech_stopped', atSample: end })
    }
  }
}
