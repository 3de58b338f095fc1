/**
 * @module sim/speech/recognizer
 * Offline speech recognition with pocketsphinx and the Debian en-us acoustic model, constrained by a domain
 * language model built from a corpus (language-model.ts). Audio at any rate is resampled to the model's 16 kHz
 * (the en-us model is wideband: 8 kHz audio is not reliably recognizable, spec §4.2), padded with a little silence
 * (the recognizer's own endpointer needs some before and after speech) and written to a temporary WAV file for one
 * run of the command line.
 *
 * The 0.8/5-prealpha CLI cannot keep a process warm between files, so each utterance costs one process start; with
 * the small LM and a dictionary of only the corpus words that is about 0.3 s instead of the 1–1.5 s of the full
 * model. Runs are limited to two at a time so a two-core CI box is not swamped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeWav } from '../../audio/wav'
import { resampleTo } from '../../audio/resample-once'
import { buildArpa, buildDictionary, parseDictionary, vocabulary } from './language-model'
import { spokenForm } from './text'
import type { AsrTool, SpeechModel } from './tools'

export const ASR_RATE = 16_000
const PAD_MS = 300
const MAX_PARALLEL = 2

export interface Recognizer {
  readonly name: string
  /** The recognized words (spoken form, lower case), '' for none. */
  recognize(samples: Int16Array, rate: number): Promise<string>
  dispose(): void
}

/** Full dictionaries parsed once per process (the file is 3.5 MB). */
const dictionaries = new Map<string, Map<string, string[]>>()

export type RecognizerOptions = {
  readonly asr: AsrTool
  readonly model: SpeechModel
  /** Sentences the language model is built from (written form). */
  readonly corpus: readonly string[]
  /** A label for messages ("caller", "bot"). */
  readonly name: string
}

export function createRecognizer(o: RecognizerOptions): Recognizer {
  let full = dictionaries.get(o.model.dict)
  if (!full) {
    full = parseDictionary(readFileSync(o.model.dict, 'utf8'))
    dictionaries.set(o.model.dict, full)
  }
  const words = vocabulary(o.corpus)
  const dict = buildDictionary(words, full)
  if (dict.missing.length > 0) throw new Error(`${o.name} corpus has words the pocketsphinx dictionary lacks: ${dict.missing.join(', ')}`)
  const dir = mkdtempSync(join(tmpdir(), `fastagent-asr-${o.name}-`))
  const lm = join(dir, 'domain.lm')
  const dic = join(dir, 'domain.dic')
  writeFileSync(lm, buildArpa(o.corpus))
  writeFileSync(dic, dict.text)
  const args = ['-hmm', o.model.hmm, '-lm', lm, '-dict', dic, '-samprate', String(ASR_RATE)]
  let n = 0
  let running = 0
  const waiting: (() => void)[] = []
  const slot = async () => {
    while (running >= MAX_PARALLEL) await new Promise<void>((r) => waiting.push(r))
    running++
  }
  const release = () => {
    running--
    waiting.shift()?.()
  }
  return {
    name: `pocketsphinx en-us + domain LM (${words.length} words)`,
    async recognize(samples, rate) {
      const audio = resampleTo(samples, rate, ASR_RATE)
      const pad = new Int16Array(Math.round((ASR_RATE * PAD_MS) / 1000))
      const padded = new Int16Array(pad.length * 2 + audio.length)
      padded.set(audio, pad.length)
      const file = join(dir, `${++n}.wav`)
      writeFileSync(file, writeWav(padded, ASR_RATE))
      await slot()
      try {
        const argv =
          o.asr.kind === 'continuous'
            ? [o.asr.path, ...args, '-infile', file, '-logfn', '/dev/null']
            : [o.asr.path, ...args, '-loglevel', 'FATAL', 'single', file]
        const p = Bun.spawn(argv, { stdout: 'pipe', stderr: 'pipe' })
        const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited])
        if (code !== 0) throw new Error(`${o.asr.path} exited ${code}: ${(await new Response(p.stderr).text()).trim().slice(-300)}`)
        return parseOutput(out, o.asr.kind)
      } finally {
        release()
        rmSync(file, { force: true })
      }
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** `pocketsphinx_continuous` prints one hypothesis per line; pocketsphinx 5 prints one JSON object per line (`t`). */
export function parseOutput(out: string, kind: AsrTool['kind']): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean)
  const words =
    kind === 'continuous'
      ? lines.filter((l) => !/^(?:INFO|ERROR|WARN|FATAL|SYSTEM_ERROR)\b/.test(l))
      : lines.map((l) => {
          try {
            const v = JSON.parse(l) as { t?: unknown }
            return typeof v.t === 'string' ? v.t : ''
          } catch {
            return ''
          }
        })
  return spokenForm(words.join(' ').replace(/<[^>]*>|\[[^\]]*\]|\(\d+\)/g, ' '))
}
