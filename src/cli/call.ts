/**
 * @module cli/call
 * `fastagent call --url ws://… --token … [--format raw/lpcm16_24] [--say "text"]… [--wav file]… [--out dir]`: one phone
 * call from the VoiceAI Connect simulator to any running bot. The caller speaks each `--wav` file, then each `--say`
 * text (synthesised by `flite`, else `espeak-ng`), waiting after each for the bot's reply (a play stream that stops,
 * then ~1.5 s of quiet); then hangs up. Prints the timestamped event log and any protocol violations, and saves the
 * bot's audio, one WAV file per play stream, and lists what the caller heard (play streams and text messages, in
 * order). Resolves with the exit status: 0 when the call ran without violations, 1 when it could not start (saying
 * why: nothing listening, an untrusted certificate, the HTTP status of a refusal), the bot broke the protocol, or the
 * bot hung up and the caller heard nothing; 2 for bad usage (missing TTS, unreadable WAV, bad flags).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isAcMediaFormat, type AcMediaFormat } from '../audio/formats'
import { decodeWav, WavError } from '../audio/wav'
import { VaicSimulator, type StreamRecord, type TextRecord, type Utterance } from '../sim/vaic/simulator'
import { explainStartFailure } from './call-failure'

export type CallFlags = {
  readonly url: string
  readonly token?: string
  readonly format?: string
  readonly say?: readonly string[]
  readonly wav?: readonly string[]
  readonly out?: string
  readonly verbose?: boolean
}

export type CallIo = {
  readonly stdout: { write(s: string): unknown }
  readonly stderr: { write(s: string): unknown }
  /** Finds an executable on PATH (default `Bun.which`). */
  readonly which?: (command: string) => string | null
  /** Runs a command and resolves with its exit code (default `Bun.spawn`, output discarded). */
  readonly run?: (argv: readonly string[]) => Promise<number>
}

export type CallTiming = {
  /** Quiet after the bot's last message that counts as "the bot has finished its turn". Default 1500. */
  readonly quietMs?: number
  /** How long to wait for a reply, and for a greeting, before going on. Defaults 30000 and 5000. */
  readonly replyTimeoutMs?: number
  readonly greetingTimeoutMs?: number
}

type Tts = { readonly name: string; argv(text: string, file: string): string[] }

const TTS_CHOICES: readonly Tts[] = [
  { name: 'flite', argv: (text, file) => ['flite', '-voice', 'slt', '-t', text, '-o', file] },
  { name: 'espeak-ng', argv: (text, file) => ['espeak-ng', '-w', file, text] },
]

const defaultRun = async (argv: readonly string[]): Promise<number> => {
  const p = Bun.spawn([...argv], { stdout: 'ignore', stderr: 'pipe' })
  return p.exited
}

export async function runCall(flags: CallFlags, io: CallIo, timing: CallTiming = {}): Promise<number> {
  const err = (s: string) => io.stderr.write(s + '\n')
  const out = (s: string) => io.stdout.write(s + '\n')
  if (!/^wss?:\/\/./i.test(flags.url)) {
    err(`fastagent call: --url must be a ws:// or wss:// URL (got ${JSON.stringify(flags.url)})`)
    return 2
  }
  if (flags.format !== undefined && !isAcMediaFormat(flags.format)) {
    err(`fastagent call: unknown --format ${JSON.stringify(flags.format)} (raw/lpcm16_24, raw/mulaw, raw/lpcm16, raw/lpcm16_8 or wav/…)`)
    return 2
  }

  const utterances: { label: string; what: Utterance }[] = []
  for (const file of flags.wav ?? []) {
    try {
      const bytes = new Uint8Array(await Bun.file(file).arrayBuffer())
      const w = decodeWav(bytes)
      utterances.push({ label: file, what: { samples: w.samples, rate: w.rate } })
    } catch (e) {
      err(`fastagent call: cannot use --wav ${file}: ${e instanceof WavError ? e.message : e instanceof Error ? e.message : String(e)}`)
      return 2
    }
  }
  const says = flags.say ?? []
  if (says.length > 0) {
    const which = io.which ?? ((c: string) => Bun.which(c))
    const tts = TTS_CHOICES.find((t) => which(t.name) !== null)
    if (!tts) {
      err('fastagent call: --say needs a speech synthesiser and neither flite nor espeak-ng is installed.')
      err('  Install one, e.g. `apt-get install flite` (preferred) or `apt-get install espeak-ng`, or pass --wav files instead.')
      return 2
    }
    const dir = await mkdtemp(join(tmpdir(), 'fastagent-call-'))
    try {
      for (const [i, text] of says.entries()) {
        const file = join(dir, `say-${i}.wav`)
        const code = await (io.run ?? defaultRun)(tts.argv(text, file))
        if (code !== 0) {
          err(`fastagent call: ${tts.name} failed (exit ${code}) for ${JSON.stringify(text)}`)
          return 1
        }
        const w = decodeWav(new Uint8Array(await Bun.file(file).arrayBuffer()))
        utterances.push({ label: JSON.stringify(text), what: { samples: w.samples, rate: w.rate } })
      }
    } catch (e) {
      err(`fastagent call: speech synthesis failed: ${e instanceof Error ? e.message : String(e)}`)
      return 1
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  const formats: AcMediaFormat[] | undefined = flags.format !== undefined && isAcMediaFormat(flags.format) ? [flags.format] : undefined
  const sim = new VaicSimulator({
    url: flags.url,
    ...(flags.token !== undefined ? { token: flags.token } : {}),
    ...(formats ? { supportedMediaFormats: formats } : {}),
    realtime: true,
  })
  const quietMs = timing.quietMs ?? 1500
  try {
    out(`calling ${flags.url} (conversation ${sim.conversationId})`)
    const started = await sim.startCall()
    if (!started.ok) {
      err(`fastagent call: ${explainStartFailure(flags.url, started)}`)
      out(sim.formatLog({ chunks: flags.verbose ?? false }))
      return 1
    }
    out(`accepted: ${started.mediaFormat}`)
    // A greeting, if the bot has one; a bot that waits for the caller costs `greetingTimeoutMs` here.
    await waitForTurn(sim, 0, quietMs, timing.greetingTimeoutMs ?? 5000)
    for (const u of utterances) {
      if (sim.ended) break
      out(`caller says ${u.label}`)
      const from = sim.log.length
      await sim.say(u.what)
      const replied = await waitForTurn(sim, from, quietMs, timing.replyTimeoutMs ?? 30_000)
      if (!replied && !sim.ended) out('(no reply from the bot)')
    }
    if (!sim.ended) await sim.hangup()
  } finally {
    sim.dispose()
  }

  out('--- event log ---')
  out(sim.formatLog({ chunks: flags.verbose ?? false }))
  out('--- what the caller heard ---')
  const streams = sim.streams
  const heard = heardLines(streams, sim.texts)
  for (const line of heard) out(line)
  if (heard.length === 0) out('(nothing)')
  const dir = flags.out ?? join('recordings', sim.conversationId)
  if (streams.length > 0) {
    const paths = await sim.saveStreams(dir)
    out(`saved ${paths.length} play stream(s) in ${dir}`)
  }
  out(`ended: ${sim.ended ? `${sim.ended.by}${sim.ended.reasonCode ? ` (${sim.ended.reasonCode})` : ''}` : 'unknown'}`)
  let status = 0
  if (sim.violations.length > 0) {
    err(`${sim.violations.length} protocol violation(s):`)
    for (const v of sim.violations) err(`  +${v.t.toFixed(1)} ms [${v.rule}] ${v.detail}`)
    status = 1
  } else out('no protocol violations')
  const heardSomething = streams.some((s) => s.heardMs > 0) || sim.texts.length > 0
  if (sim.ended?.by === 'bot-hangup' && !heardSomething) {
    err('fastagent call: the bot hung up and the caller heard nothing (no audio played, no text message)')
    status = 1
  }
  return status
}

/** What the caller heard, in order: each play stream (with how much of it was heard) and each text message. */
export function heardLines(streams: readonly StreamRecord[], texts: readonly TextRecord[]): string[] {
  const at = (t: number) => `+${(t / 1000).toFixed(1).padStart(5)} s`
  const items = [
    ...streams.map((s) => {
      const what = s.altText ?? (s.text || '(no tone-code text: real speech)')
      const line = `${at(s.startedAt)}  audio ${JSON.stringify(s.id)} ${s.format} ${s.durationMs.toFixed(0)} ms, heard ${s.heardMs.toFixed(0)} ms${s.interrupted ? ` (cut by ${s.interruptedBy})` : ''}: ${what}`
      return { t: s.startedAt, line }
    }),
    ...texts.map((m) => ({ t: m.t, line: `${at(m.t)}  text message: ${JSON.stringify(m.text)}` })),
  ]
  return items.sort((a, b) => a.t - b.t).map((i) => i.line)
}

/**
 * Waits until the bot has finished a turn: a play stream stopped after log position `from`, playback is over and the
 * bot has sent nothing for `quietMs`. False on timeout (the bot did not answer); true when the call ended.
 */
async function waitForTurn(sim: VaicSimulator, from: number, quietMs: number, timeoutMs: number): Promise<boolean> {
  try {
    await sim.waitFor(
      () => {
        if (sim.ended) return true
        const log = sim.log
        if (!log.some((e) => e.seq >= from && e.dir === 'in' && e.type === 'playStream.stop')) return false
        if (sim.playing || sim.playStreamOpen) return false
        const lastIn = log.findLast((e) => e.dir === 'in')
        return lastIn !== undefined && sim.now() - lastIn.t >= quietMs
      },
      timeoutMs,
      'the bot to finish its turn',
    )
    return true
  } catch {
    return false
  }
}
