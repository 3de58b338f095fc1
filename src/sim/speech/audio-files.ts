/**
 * @module sim/speech/audio-files
 * Writes a simulated call's audio as WAV files a person can listen to: the bot's play streams as VAIC received them
 * (the simulator's own `saveStreams`), each caller line as it was spoken, and `conversation.wav`, both sides mixed on
 * the call's timeline — the caller's lines when they were sent, the bot's streams when the caller's loudspeaker
 * played them, cut where playback was cut.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { writeWav } from '../../audio/wav'
import { resampleTo } from '../../audio/resample-once'
import type { VaicSimulator } from '../vaic/simulator'

export const MIX_RATE = 16_000

/** One caller line: its audio and when (on the call's clock, ms) it started to be sent. */
export type CallerLine = { readonly text: string; readonly samples: Int16Array; readonly rate: number; readonly at: number }

/** File-system-safe folder name of a call's label ("call 1" → "call-1"). */
export function slug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'call'
}

/** Saves the call under `dir`; returns the paths written. */
export async function saveCallAudio(dir: string, call: VaicSimulator, lines: readonly CallerLine[]): Promise<string[]> {
  await mkdir(join(dir, 'caller'), { recursive: true })
  const paths = await call.saveStreams(join(dir, 'bot'))
  const parts: { at: number; samples: Int16Array }[] = []
  for (const [i, l] of lines.entries()) {
    const path = join(dir, 'caller', `${String(i + 1).padStart(3, '0')}.wav`)
    await Bun.write(path, writeWav(l.samples, l.rate))
    paths.push(path)
    parts.push({ at: l.at, samples: resampleTo(l.samples, l.rate, MIX_RATE) })
  }
  for (const s of call.streams) {
    const audio = call.streamAudio(s.id)
    if (!audio || audio.samples.length === 0 || s.heardMs <= 0) continue
    const start = s.finishedAt !== undefined ? s.finishedAt - s.heardMs : (s.firstChunkAt ?? s.startedAt)
    const heard = audio.samples.subarray(0, Math.round((s.heardMs * audio.rate) / 1000))
    parts.push({ at: start, samples: resampleTo(heard, audio.rate, MIX_RATE) })
  }
  const at = (ms: number) => Math.max(0, Math.round((ms * MIX_RATE) / 1000))
  const length = parts.reduce((n, p) => Math.max(n, at(p.at) + p.samples.length), 0)
  const mix = new Int32Array(length)
  for (const p of parts) {
    const o = at(p.at)
    for (let i = 0; i < p.samples.length; i++) mix[o + i] = (mix[o + i] ?? 0) + p.samples[i]!
  }
  const out = new Int16Array(length)
  for (let i = 0; i < length; i++) out[i] = Math.max(-32768, Math.min(32767, mix[i]!))
  const path = join(dir, 'conversation.wav')
  await Bun.write(path, writeWav(out, MIX_RATE))
  paths.push(path)
  return paths
}
