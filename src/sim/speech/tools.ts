/**
 * @module sim/speech/tools
 * Finds the offline speech tools the speech demo runs: a synthesiser (flite, whose `slt` voice pocketsphinx hears
 * best; espeak-ng as a fallback), a pocketsphinx command line (0.8/5-prealpha's `pocketsphinx_continuous`, as in
 * Debian 12, or pocketsphinx 5's `pocketsphinx`) and the en-us model that `pocketsphinx-en-us` installs. When
 * something is missing the answer says exactly what to install.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export const APT_INSTALL = 'apt-get install flite sox pocketsphinx pocketsphinx-en-us'

/** Where distributions put the en-us model (the acoustic model folder `en-us` and `cmudict-en-us.dict` side by side). */
const MODEL_DIRS = ['/usr/share/pocketsphinx/model/en-us', '/usr/local/share/pocketsphinx/model/en-us', '/opt/homebrew/share/pocketsphinx/model/en-us']

export type TtsTool = { readonly name: 'flite' | 'espeak-ng'; readonly path: string }
export type AsrTool = { readonly kind: 'continuous' | 'pocketsphinx5'; readonly path: string }
export type SpeechModel = { readonly hmm: string; readonly dict: string }

export type SpeechTools =
  | { readonly ok: true; readonly tts: TtsTool; readonly asr: AsrTool; readonly model: SpeechModel }
  | { readonly ok: false; readonly missing: readonly string[]; readonly install: string }

export type ToolProbe = {
  readonly which?: (command: string) => string | null
  readonly exists?: (path: string) => boolean
}

export function findSpeechTools(probe: ToolProbe = {}): SpeechTools {
  const which = probe.which ?? ((c: string) => Bun.which(c))
  const exists = probe.exists ?? existsSync
  const missing: string[] = []
  const flite = which('flite')
  const espeak = flite === null ? which('espeak-ng') : null
  const tts: TtsTool | undefined = flite !== null ? { name: 'flite', path: flite } : espeak !== null ? { name: 'espeak-ng', path: espeak } : undefined
  if (!tts) missing.push('a speech synthesiser (flite, or espeak-ng)')
  const continuous = which('pocketsphinx_continuous')
  const ps5 = continuous === null ? which('pocketsphinx') : null
  const asr: AsrTool | undefined =
    continuous !== null ? { kind: 'continuous', path: continuous } : ps5 !== null ? { kind: 'pocketsphinx5', path: ps5 } : undefined
  if (!asr) missing.push('the pocketsphinx recognizer (pocketsphinx_continuous or pocketsphinx)')
  const dir = MODEL_DIRS.find((d) => exists(join(d, 'en-us', 'mdef')) && exists(join(d, 'cmudict-en-us.dict')))
  if (dir === undefined) missing.push(`the pocketsphinx en-us model (looked in ${MODEL_DIRS[0]!})`)
  if (!tts || !asr || dir === undefined) return { ok: false, missing, install: APT_INSTALL }
  return { ok: true, tts, asr, model: { hmm: join(dir, 'en-us'), dict: join(dir, 'cmudict-en-us.dict') } }
}

/** The message `--speech` prints when a tool is missing. */
export function missingToolsMessage(t: Extract<SpeechTools, { ok: false }>): string {
  return [
    `--speech needs offline speech tools that are not installed: ${t.missing.join('; ')}.`,
    `Install them (Debian/Ubuntu, as root): ${t.install}`,
  ].join('\n')
}
