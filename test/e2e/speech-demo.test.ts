/**
 * `fastagent demo --speech` as a user runs it: both reference scenarios with real synthesized speech (flite), heard
 * by pocketsphinx on both sides. It must exit 0, write valid WAV files for every call, and recognize ≥ 90 % of each
 * scenario's key words (spec T13). Without the tools it must say what to install and exit 2.
 *
 * The tools are Debian packages (.ci/apt-packages); CI installs them, so there a missing tool FAILS this test. On a
 * developer machine without them the run is skipped, and says why.
 */
import { expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'bun'
import { decodeWav, parseWavHeader } from '../../src/audio/wav'
import { speech } from '../kit/speech-tools'

const root = join(import.meta.dir, '..', '..')

function wavFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith('.wav') && statSync(f).isFile())
}

speech.test(
  'fastagent demo --speech: both scenarios in real speech, exit 0, WAV files per call, ≥ 90 % of key words recognized',
  async () => {
    const r = await $`${process.execPath} src/main.ts demo --speech --no-color`.cwd(root).nothrow().quiet()
    const out = r.stdout.toString()
    if (r.exitCode !== 0) console.error(out.slice(-6000), r.stderr.toString().slice(-2000))
    expect(r.exitCode).toBe(0)
    for (const expected of ['✓ agent asks "What time?"', '✓ pivot question answered', '✓ closing summary', '"Welcome back! We were booking', 'every expected step happened']) {
      expect(out).toContain(expected)
    }
    // The model really heard the caller: its tool calls carry the slots it recognized.
    expect(out).toContain('book_appointment {"date":"tomorrow"}')
    expect(out).toMatch(/task_input \{"task_id":"[^"]+","time":"10 am"\}/)

    for (const name of ['booking', 'continuity']) {
      const m = new RegExp(`speech {5}${name}: (\\d+)/(\\d+) `).exec(out)
      expect(m).not.toBeNull()
      const [found, total] = [Number(m![1]), Number(m![2])]
      expect(total).toBeGreaterThanOrEqual(25)
      expect(found / total).toBeGreaterThanOrEqual(0.9)
    }

    const dir = /WAV files in (\S+)/.exec(out)?.[1]
    expect(dir).toBeDefined()
    try {
      const files = wavFiles(dir!)
      // Per call: caller lines, bot streams and the mixed conversation (scenario 1 has one call, scenario 2 two).
      for (const call of ['booking/call-1', 'continuity/call-1', 'continuity/callback']) {
        expect(files.some((f) => f.includes(`${call}/caller/`))).toBe(true)
        expect(files.some((f) => f.includes(`${call}/bot/`))).toBe(true)
        expect(files).toContain(join(dir!, call, 'conversation.wav'))
      }
      for (const f of files) {
        const bytes = new Uint8Array(readFileSync(f))
        const h = parseWavHeader(bytes)
        expect(h.encoding).toBe('pcm16')
        expect(h.dataOffset + h.dataBytes).toBe(bytes.length)
        const w = decodeWav(bytes)
        expect(w.rate).toBe(16_000)
        // Half a second of speech or more, and not silence.
        expect(w.samples.length).toBeGreaterThan(8000)
        expect(w.samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0)).toBeGreaterThan(1000)
      }
    } finally {
      rmSync(dir!, { recursive: true, force: true })
    }
  },
  180_000,
)

test('fastagent demo --speech without the tools says what to install and exits 2', async () => {
  // An empty PATH: no flite, no espeak-ng, no pocketsphinx (bun is called by its full path).
  const empty = mkdtempSync(join(tmpdir(), 'fastagent-nopath-'))
  try {
    const r = await $`${process.execPath} src/main.ts demo --speech --no-color`.cwd(root).env({ PATH: empty, HOME: process.env.HOME ?? '/tmp' }).nothrow().quiet()
    expect(r.exitCode).toBe(2)
    expect(r.stderr.toString()).toContain('apt-get install flite sox pocketsphinx pocketsphinx-en-us')
  } finally {
    rmSync(empty, { recursive: true, force: true })
  }
}, 30_000)
