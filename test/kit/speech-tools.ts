/**
 * @module test/kit/speech-tools
 * The gate for tests that run the offline speech tools (flite, sox, pocketsphinx; `.ci/apt-packages`), and the tools
 * found. Inside a gated test, `speechTools()` returns them (it throws only if called ungated).
 */
import { APT_INSTALL, findSpeechTools, type SpeechTools } from '../../src/sim/speech'
import { requireTool } from './require-tool'

const found = findSpeechTools()

export const speech = requireTool({
  name: found.ok ? 'the speech tools' : found.missing.join('; '),
  find: () => found.ok,
  install: APT_INSTALL.replace('apt-get install ', ''),
})

export function speechTools(): Extract<SpeechTools, { ok: true }> {
  if (!found.ok) throw new Error(`speech tools missing: ${found.missing.join('; ')}`)
  return found
}
