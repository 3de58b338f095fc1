/**
 * `fastagent call` against a running bot with real text-to-speech: the caller's line is synthesized by flite, the
 * (emulated) model hears it with pocketsphinx, and the bot's answer is printed and saved as WAV. Like the speech demo
 * it needs the Debian speech tools, which CI installs; without them it fails in CI and is skipped elsewhere.
 */
import { expect } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'bun'
import { startWorld, WORLD_SECRETS } from '../../src/sim/world'
import { CALLER_CORPUS, createRecognizer, speechEar } from '../../src/sim/speech'
import { speech, speechTools } from '../kit/speech-tools'
import { parseWavHeader } from '../../src/audio/wav'

const root = join(import.meta.dir, '..', '..')

speech.test('fastagent call --say: flite speaks, the bot answers, its audio is saved', async () => {
  const tools = speechTools()
  const ear = speechEar(createRecognizer({ asr: tools.asr, model: tools.model, corpus: CALLER_CORPUS, name: 'caller' }))
  const world = await startWorld({ env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00' }, emulator: { ear } })
  const out = mkdtempSync(join(tmpdir(), 'fa-call-'))
  try {
    const r = await $`${process.execPath} src/main.ts call --url ${`${world.server.wsUrl}/audiocodes`} --token ${WORLD_SECRETS.botToken} --format raw/lpcm16 --say ${'What are your opening hours?'} --out ${out}`
      .cwd(root)
      .nothrow()
      .quiet()
    const text = r.stdout.toString()
    if (r.exitCode !== 0) console.error(text.slice(-4000), r.stderr.toString())
    expect(r.exitCode).toBe(0)
    expect(text).toContain("we're open monday to sunday, 8 am to 8 pm.")
    expect(text).toContain('no protocol violations')
    const wavs = readdirSync(out).filter((f) => f.endsWith('.wav'))
    expect(wavs.length).toBeGreaterThanOrEqual(2)
    for (const f of wavs) expect(parseWavHeader(new Uint8Array(readFileSync(join(out, f)))).rate).toBe(16000)
  } finally {
    await world.stop()
  }
}, 60_000)
