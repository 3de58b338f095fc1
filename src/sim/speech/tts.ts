/**
 * @module sim/speech/tts
 * Text to speech with flite (voice `slt`, 16 kHz) or espeak-ng (22.05 kHz), through temporary WAV files. Both an
 * async form (the caller's lines) and a synchronous one exist: the emulator's `Voice.synthesize` is synchronous, so
 * the voice speaks from a cache it fills ahead of time and only falls back to a blocking run for a line it did not
 * expect. What is spoken is the written sentence with brand names split ("FastAgent" → "Fast Agent"), so the
 * synthesiser does not spell them out.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeWav } from '../../audio/wav'
import type { TtsTool } from './tools'

export type Pcm = { readonly samples: Int16Array; readonly rate: number }

export interface Tts {
  readonly name: string
  synthesize(text: string): Promise<Pcm>
  synthesizeSync(text: string): Pcm
  dispose(): void
}

/** What the synthesiser is given to read. */
export function readable(text: string): string {
  return text.replace(/([a-z])([A-Z])/g, '$1 $2').trim()
}

export function createTts(tool: TtsTool): Tts {
  const dir = mkdtempSync(join(tmpdir(), 'fastagent-tts-'))
  let n = 0
  const argv = (text: string, file: string): string[] =>
    tool.name === 'flite' ? [tool.path, '-voice', 'slt', '-t', readable(text), '-o', file] : [tool.path, '-v', 'en-us', '-w', file, readable(text)]
  const read = (file: string): Pcm => {
    const w = decodeWav(new Uint8Array(readFileSync(file)))
    rmSync(file, { force: true })
    return w
  }
  return {
    name: tool.name === 'flite' ? 'flite (slt)' : 'espeak-ng',
    async synthesize(text) {
      const file = join(dir, `${++n}.wav`)
      const p = Bun.spawn(argv(text, file), { stdout: 'ignore', stderr: 'pipe' })
      const code = await p.exited
      if (code !== 0) throw new Error(`${tool.name} exited ${code}: ${(await new Response(p.stderr).text()).trim()}`)
      return read(file)
    },
    synthesizeSync(text) {
      const file = join(dir, `${++n}.wav`)
      const p = Bun.spawnSync(argv(text, file), { stdout: 'ignore', stderr: 'pipe' })
      if (p.exitCode !== 0) throw new Error(`${tool.name} exited ${p.exitCode}: ${p.stderr.toString().trim()}`)
      return read(file)
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
