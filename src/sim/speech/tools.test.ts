import { expect, test } from 'bun:test'
import { APT_INSTALL, findSpeechTools, missingToolsMessage } from './tools'
import { parseOutput } from './recognizer'

const model = (p: string) => p.startsWith('/usr/share/pocketsphinx/model/en-us/')

test('finds flite, pocketsphinx_continuous and the Debian en-us model', () => {
  const t = findSpeechTools({ which: (c) => (c === 'espeak-ng' ? null : `/usr/bin/${c}`), exists: model })
  expect(t).toEqual({
    ok: true,
    tts: { name: 'flite', path: '/usr/bin/flite' },
    asr: { kind: 'continuous', path: '/usr/bin/pocketsphinx_continuous' },
    model: { hmm: '/usr/share/pocketsphinx/model/en-us/en-us', dict: '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict' },
  })
})

test('falls back to espeak-ng and to the pocketsphinx 5 command line', () => {
  const t = findSpeechTools({ which: (c) => (c === 'espeak-ng' || c === 'pocketsphinx' ? `/usr/bin/${c}` : null), exists: model })
  expect(t.ok && t.tts.name === 'espeak-ng' && t.asr.kind === 'pocketsphinx5').toBe(true)
})

test('says exactly what to install when something is missing', () => {
  const t = findSpeechTools({ which: () => null, exists: () => false })
  expect(t.ok).toBe(false)
  if (t.ok) return
  expect(t.missing).toHaveLength(3)
  const msg = missingToolsMessage(t)
  expect(msg).toContain('apt-get install flite sox pocketsphinx pocketsphinx-en-us')
  expect(APT_INSTALL).toBe('apt-get install flite sox pocketsphinx pocketsphinx-en-us')
})

test('recognizer output: hypothesis lines, or pocketsphinx 5 JSON, as spoken words', () => {
  expect(parseOutput('book for tomorrow\nat ten am\n', 'continuous')).toBe('book for tomorrow at ten am')
  expect(parseOutput('INFO: something\n', 'continuous')).toBe('')
  expect(parseOutput('{"b":0.0,"d":1.2,"p":1,"t":"yes please"}\n', 'pocketsphinx5')).toBe('yes please')
  expect(parseOutput('<sil> yes [noise] (2)\n', 'continuous')).toBe('yes')
})
