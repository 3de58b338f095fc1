/**
 * @module recording/recordings
 * The folder of call recordings (`RECORD_CALLS=true`): one `<call id>.wav` per call, started with the call and
 * finished when it ends; served to the console; deleted by the retention purge like every other copy of a call.
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { AcMediaFormat } from '../audio/formats'
import { relayPlan } from '../audio/formats'
import type { Logger } from '../ops/log'
import type { Counter } from '../ops/metrics'
import { CallRecorder } from './call-recorder'

const FILE = /^[0-9a-f-]{36}\.wav$/

export class Recordings {
  private readonly closing = new Set<Promise<void>>()

  constructor(
    private readonly d: {
      readonly dir: string
      /** New calls are recorded (the folder is still served and purged when off). */
      readonly enabled: boolean
      readonly log: Logger
      readonly dropped: Counter
      readonly now: () => number
    },
  ) {
    if (d.enabled) mkdirSync(d.dir, { recursive: true })
  }

  /** A recorder for a new call, in the model session's audio format; undefined when recording is off. */
  start(callId: string, format: AcMediaFormat, startedAt: number): CallRecorder | undefined {
    if (!this.d.enabled || !FILE.test(`${callId}.wav`)) return undefined
    return new CallRecorder({
      path: join(this.d.dir, `${callId}.wav`),
      encoding: relayPlan(format).openai.type === 'audio/pcmu' ? 'mulaw' : 'pcm16',
      startedAt,
      now: this.d.now,
      onDrop: (n) => this.d.dropped.inc(undefined, n),
      onError: (err) => this.d.log.error('recording.write_failed', { callId, err }),
    })
  }

  /** Finishes a call's file (the header gets its sizes); shutdown waits for these. */
  finish(recorder: CallRecorder): void {
    const p = recorder.close().finally(() => this.closing.delete(p))
    this.closing.add(p)
  }

  async idle(): Promise<void> {
    while (this.closing.size > 0) await Promise.all([...this.closing])
  }

  /** The recording of a call, if there is one (ids are checked: no path ever comes from a request). */
  file(callId: string): Blob | undefined {
    const name = `${callId}.wav`
    if (!FILE.test(name)) return undefined
    const path = join(this.d.dir, name)
    try {
      return statSync(path).isFile() ? Bun.file(path) : undefined
    } catch {
      return undefined
    }
  }

  /** Deletes recordings last written before `before`. Returns how many. */
  purge(before: number): number {
    let names: string[]
    try {
      names = readdirSync(this.d.dir)
    } catch {
      return 0
    }
    let n = 0
    for (const name of names) {
      if (!FILE.test(name)) continue
      const path = join(this.d.dir, name)
      try {
        if (statSync(path).mtimeMs < before) {
          unlinkSync(path)
          n++
        }
      } catch (err) {
        this.d.log.warn('recording.purge_failed', { file: name, err })
      }
    }
    return n
  }
}
