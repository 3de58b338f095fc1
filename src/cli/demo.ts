/**
 * @module cli/demo
 * `fastagent demo` (= `bun run demo`): the reference scenarios, offline, end to end. The real server runs in this
 * process on a free port with a temporary database; only its peers are simulated. The output is a timestamped
 * transcript (caller, bot, agent, tool calls, FSM transitions, SMS, webhook, callback), the checked steps, and a
 * summary with relay latency measured in the run. Exit 0 only when every expected step happened.
 *
 * `--speech` plays the same scenarios with real synthesized speech instead of tones (sim/speech): the caller speaks
 * with flite over 16 kHz PCM, the emulated model and the simulated caller each hear with pocketsphinx, steps check
 * key words, every call is saved as WAV files, and the run also needs ≥ 90 % of the key words recognized.
 */
import { join } from 'node:path'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { LatencyProbe, type LatencySummary } from '../sim/latency-probe'
import { SCENARIOS, StepFailed, type ScenarioName } from '../sim/scenarios'
import { startWorld, type World } from '../sim/world'
import type { VaicSimulator } from '../sim/vaic/simulator'
import { maskPhone } from '../ops/mask'
import { isLanguage, LANGUAGES, type Language } from '../i18n/languages'
import { packFor } from '../i18n/packs'
import { BRAIN_WORDS } from '../sim/realtime/brain-language'
import { createSpeechKit, findSpeechTools, formatSummary, missingToolsMessage, summarize, type ScenarioSpeech, type SpeechKit } from '../sim/speech'

export type DemoFlags = { readonly scenario?: string; readonly language?: string; readonly verbose?: boolean; readonly speech?: boolean; readonly 'no-color'?: boolean }
export type DemoIo = {
  readonly stdout: { write(s: string): unknown }
  readonly stderr: { write(s: string): unknown }
  readonly isTTY: boolean
  /** The environment, for NO_COLOR. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** Colours only on a terminal, and not with --no-color or a non-empty NO_COLOR (https://no-color.org). */
export function useColor(isTTY: boolean, noColorFlag: boolean, env: Readonly<Record<string, string | undefined>> = {}): boolean {
  return isTTY && !noColorFlag && (env.NO_COLOR ?? '') === ''
}

/** The demo's business name, restored in the decoded (lower-case) bot lines. */
const BUSINESS = 'FastAgent Clinic'
/** Share of key words (caller and bot lines) a `--speech` run must recognize (spec T13). */
const SPEECH_MIN_RATE = 0.9
/** The business name as the speech recognizer writes it. */
const SPOKEN_BUSINESS = 'Fast Agent Clinic'

const PALETTE = { dim: '\x1b[2m', reset: '\x1b[0m', caller: '\x1b[33m', bot: '\x1b[36m', agent: '\x1b[35m', tool: '\x1b[35m', ok: '\x1b[32m', bad: '\x1b[31m', sys: '\x1b[34m', bold: '\x1b[1m' }
type Color = keyof typeof PALETTE

export async function runDemo(flags: DemoFlags, io: DemoIo): Promise<number> {
  const which = flags.scenario ?? 'all'
  if (which !== 'all' && !(which in SCENARIOS)) {
    io.stderr.write(`fastagent demo: --scenario must be booking, continuity or all (got ${JSON.stringify(which)})\n`)
    return 2
  }
  const language = flags.language ?? 'en'
  if (!isLanguage(language)) {
    io.stderr.write(`fastagent demo: --language must be one of ${LANGUAGES.join(', ')} (got ${JSON.stringify(language)})\n`)
    return 2
  }
  // flite and pocketsphinx are set up with English voices and models only.
  if (flags.speech && language !== 'en') {
    io.stderr.write(`fastagent demo: --speech speaks English only; drop --speech to play the scenarios in ${language} with tones\n`)
    return 2
  }
  const casing = knownCasing(language)
  const tools = flags.speech ? findSpeechTools() : undefined
  if (tools && !tools.ok) {
    io.stderr.write(`fastagent demo: ${missingToolsMessage(tools)}\n`)
    return 2
  }
  const names: ScenarioName[] = which === 'all' ? ['booking', 'continuity'] : [which as ScenarioName]
  const color = useColor(io.isTTY, flags['no-color'] === true, io.env)
  const paint = (c: Color, s: string) => (color ? PALETTE[c] + s + PALETTE.reset : s)
  const t0 = performance.now()
  const stamp = () => {
    const ms = performance.now() - t0
    const m = Math.floor(ms / 60_000)
    const s = ((ms % 60_000) / 1000).toFixed(3).padStart(6, '0')
    return paint('dim', `${String(m).padStart(2, '0')}:${s}`)
  }
  const line = (who: string, c: Color, text: string) => io.stdout.write(`${stamp()}  ${paint(c, who.padEnd(9))}${text}\n`)

  io.stdout.write(
    paint('bold', 'FastAgent demo') +
      ': the real FastAgent server, with simulated peers (VoiceAI Connect caller, OpenAI Realtime emulator, Twilio, AudioCodes API). No keys, no network.\n',
  )
  let speech: SpeechKit | undefined
  if (tools?.ok) {
    const audioDir = mkdtempSync(join(tmpdir(), 'fastagent-speech-'))
    try {
      speech = await createSpeechKit({
        tools,
        audioDir,
        onCallerHeard: (h) =>
          line('Heard', 'dim', `the model heard "${h.heard.text}" (${h.record.found.length}/${h.record.keys.length} key words, ${(h.heard.tookMs / 1000).toFixed(2)} s to recognize)`),
      })
    } catch (err) {
      io.stderr.write(`fastagent demo: could not set up speech: ${err instanceof Error ? err.message : String(err)}\n`)
      return 1
    }
    io.stdout.write(paint('dim', `speech: ${speech.description}\n`))
  }
  try {
    const logLines: string[] = []
    const probe = new LatencyProbe()
    const serverEvents = (raw: string) => {
      logLines.push(raw)
      let e: Record<string, unknown>
      try {
        e = JSON.parse(raw) as Record<string, unknown>
      } catch {
        return
      }
      switch (e.event) {
        case 'call.tool_call':
          return line('Tool', 'tool', `${String(e.name)} ${String(e.arguments)}`)
        case 'task.step':
          return line('Agent', 'agent', `${String(e.taskId)} ${String(e.kind)}: ${String(e.from)} → ${String(e.to)}  (on ${String(e.on)})`)
        case 'continuity.drop':
          return line('System', 'sys', `call dropped (${String(e.reason)}) with ${String(e.openTasks)} task open: state saved, SMS scheduled`)
        case 'webhook.sms':
          return line('Webhook', 'sys', `inbound SMS from ${String(e.from)} "${String(e.keyword)}": signature verified`)
        case 'callback.dialing':
          return line('Callback', 'sys', `dial-out to ${String(e.to)} accepted (conversation ${String(e.conversationId).slice(0, 8)}…)`)
        case 'call.resuming':
          return line('System', 'sys', `incoming call resumes the dropped one (via ${String(e.via)}): conversation and FSM state restored`)
        case 'vaic.ended':
          return line('Phone', 'sys', `call ended (${String(e.by)}${e.reasonCode ? `, ${String(e.reasonCode)}` : ''})`)
        default:
          return
      }
    }

    const attach = (call: VaicSimulator, label: string) => {
      speech?.attach(call, label)
      let seen = 0
      let said = 0
      let shown = 0
      let over = false
      const printed = new Set<string>()
      const poll = () => {
        const entries = call.log
        for (; seen < entries.length; seen++) {
          const e = entries[seen]
          if (!e) continue
          if (e.dir === 'note' && e.type === 'caller-says') line('Caller', 'caller', speech?.callerLine(call, said++) ?? unquote(e.text ?? ''))
          if (e.dir === 'in' && e.type === 'session.accepted') line('Phone', 'sys', `${label}: VoiceAI Connect connected, media ${String(e.message?.mediaFormat)}`)
          if (e.dir === 'violation') line('VIOLATION', 'bad', `${e.type}: ${e.text ?? ''}`)
          if (flags.verbose && (e.dir === 'in' || e.dir === 'out')) line(e.dir === 'in' ? '← bot' : '→ vaic', 'dim', compact(e.message))
        }
        if (speech) {
          // What the caller's ear recognized, in stream order (a stream prints once it is recognized).
          const streams = call.streams
          for (; shown < streams.length; shown++) {
            const s = streams[shown]!
            const heard = s.open ? undefined : speech.botHeard(call, shown)
            if (heard === undefined) break
            const text = heard === '' ? paint('dim', '(nothing recognized)') : sentenceCase(heard, [BUSINESS, SPOKEN_BUSINESS])
            line('Bot', 'bot', text + (s.interrupted ? paint('dim', ' [interrupted]') : ''))
          }
          if (over && shown >= streams.length) clearInterval(timer)
          return
        }
        for (const s of call.streams) {
          if (s.open || printed.has(s.id) || s.text.trim() === '') continue
          printed.add(s.id)
          line('Bot', 'bot', sentenceCase(s.text, [BUSINESS, ...casing]) + (s.interrupted ? paint('dim', ' [interrupted]') : ''))
        }
      }
      const timer = setInterval(poll, 20)
      call
        .waitForEnd(600_000)
        .finally(() => {
          poll()
          if (!speech) return clearInterval(timer)
          // The last streams are still being recognized: keep printing them for a while.
          over = true
          setTimeout(() => clearInterval(timer), 15_000).unref()
        })
        .catch(() => undefined)
    }

    const results: { name: ScenarioName; steps: string[]; failed?: string }[] = []
    const spoken: (ScenarioSpeech & { name: ScenarioName })[] = []
    let calls = 0
    let turns = 0
    let bargeIns = 0
    const folders: string[] = []
    for (const name of names) {
      const sc = SCENARIOS[name]
      io.stdout.write(`\n${paint('bold', `━━ ${sc.title} ━━`)}\n`)
      // Each scenario gets a fresh server and database: they book the same slot.
      let world: World
      try {
        world = await startWorld({
          env: { BUSINESS_HOURS: 'Mon-Sun 08:00-20:00', DROP_GRACE_SECONDS: '1', BUSINESS_LANGUAGE: language },
          logSink: serverEvents,
          logLevel: 'info',
          probe,
          keepData: true,
          ...(speech ? { emulator: speech.emulator } : {}),
        })
      } catch (err) {
        io.stderr.write(`fastagent demo: could not start: ${err instanceof Error ? err.message : String(err)}\n`)
        return 1
      }
      folders.push(world.dataDir)
      io.stdout.write(paint('dim', `server ${world.server.url} · database ${world.config.DATABASE_PATH} · hours Mon-Sun 8 AM-8 PM · language ${language}\n`))
      world.twilio.onMessage((m) => line('SMS', 'sys', `to ${maskPhone(m.to)}: "${m.body}"`))
      const steps: string[] = []
      speech?.beginScenario(name)
      try {
        const r = await sc.run(
          world,
          {
            step: (s) => {
              steps.push(s)
              io.stdout.write(`${stamp()}  ${paint('ok', '✓')} ${s}\n`)
            },
            callCreated: attach,
          },
          { ...(speech?.scenario ?? {}), language },
        )
        calls += r.calls.length
        for (const c of r.calls) turns += c.log.filter((e) => e.dir === 'note' && e.type === 'caller-says').length + c.streams.length
        results.push({ name, steps })
      } catch (err) {
        const failed = err instanceof StepFailed ? err.step : 'unexpected error'
        io.stdout.write(`${stamp()}  ${paint('bad', '✗')} ${err instanceof Error ? err.message : String(err)}\n`)
        results.push({ name, steps, failed })
      }
      await Bun.sleep(200)
      if (speech) {
        const sp = await speech.endScenario()
        spoken.push({ name, ...sp })
        io.stdout.write(
          paint('dim', `speech: caller lines ${formatSummary(sp.caller)} and bot lines ${formatSummary(sp.bot)} of key words recognized · audio in ${sp.dir}\n`),
        )
      }
      bargeIns += world.server.registry.counterTotal('fastagent_barge_ins_total')
      await world.stop()
    }

    const up = probe.up.summary()
    const down = probe.down.summary()
    const logFile = join(folders[0] ?? '.', 'server.log')
    writeFileSync(logFile, logLines.join('\n') + '\n')
    const failed = results.filter((r) => r.failed)
    io.stdout.write(`\n${paint('bold', 'Summary')}\n`)
    io.stdout.write(`  scenarios  ${results.map((r) => `${r.name} ${r.failed ? paint('bad', 'FAILED') : paint('ok', 'ok')} (${r.steps.length} steps)`).join(', ')}\n`)
    io.stdout.write(`  calls ${calls} · turns ${turns} · barge-ins ${bargeIns}\n`)
    io.stdout.write(`  relay latency (measured at the peers' sockets, this run): uplink ${fmt(up)} · downlink ${fmt(down)}\n`)
    // The probe matches frames byte for byte, so it cannot follow audio through the resamplers --speech exercises.
    if (speech && up.count === 0) io.stdout.write(paint('dim', '             (not measured with --speech: its 16 kHz audio is resampled on the way)\n'))
    io.stdout.write(`  server log ${logFile}\n`)
    let speechOk = true
    if (speech) {
      const all = summarize(spoken.flatMap((x) => x.records))
      speechOk = all.rate >= SPEECH_MIN_RATE
      const files = spoken.reduce((n, x) => n + x.files.length, 0)
      for (const x of spoken) io.stdout.write(`  speech     ${x.name}: ${formatSummary(x.all)} key words recognized (caller lines ${formatSummary(x.caller)}, bot lines ${formatSummary(x.bot)})\n`)
      io.stdout.write(paint(speechOk ? 'ok' : 'bad', `  recognized ${formatSummary(all)} of the key words over ${spoken.length} scenario(s) (needs ≥ ${SPEECH_MIN_RATE * 100} %)\n`))
      io.stdout.write(`  audio      ${files} WAV files in ${spoken[0] ? join(spoken[0].dir, '..') : '?'} (per call: caller/, bot/ and conversation.wav with both sides)\n`)
    }
    if (failed.length > 0) {
      io.stdout.write(paint('bad', `  missing step: ${failed.map((f) => `${f.name}: "${f.failed}"`).join('; ')}\n`))
      return 1
    }
    if (!speechOk) return 1
    io.stdout.write(paint('ok', '  every expected step happened\n'))
    return 0
  } finally {
    speech?.dispose()
  }
}

function fmt(s: LatencySummary): string {
  return s.count === 0 ? 'n/a' : `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms (${s.count} frames)`
}

/**
 * Words the language capitalises inside a sentence (German nouns, the formal Sie), read from the bot's own lines in
 * its pack, so the lower-case modem text prints as it was written.
 */
export function knownCasing(language: Language): string[] {
  if (language === 'en') return []
  const texts: string[] = []
  const pack = packFor(language)
  for (const section of [pack.call, pack.booking, pack.slots, pack.cancel, pack.reschedule, pack.availability, pack.message, pack.dates]) {
    for (const v of Object.values(section)) {
      // A template function spoken with empty parts still shows its fixed words.
      if (typeof v === 'string') texts.push(v)
      else if (typeof v === 'function') texts.push(spokenEmpty(v as (...a: unknown[]) => unknown))
    }
  }
  // The emulated model's own lines too (its answer about the opening hours).
  texts.push(...Object.values(BRAIN_WORDS[language].lines).map((v) => (typeof v === 'string' ? v : v(''))))
  const words = new Set<string>()
  for (const t of texts) for (const m of t.matchAll(/(?<=[\p{L},:] )\p{Lu}\p{Ll}+/gu)) words.add(m[0])
  return [...words]
}

function spokenEmpty(f: (...a: unknown[]) => unknown): string {
  for (const args of [['', '', ''], [[]]]) {
    try {
      return String(f(...args))
    } catch {
      // a template of a list: tried with one next
    }
  }
  return ''
}

/** The tone modem carries lower case only; print it as sentences. */
export function sentenceCase(text: string, names: readonly string[] = []): string {
  let out = text
  for (const n of names) out = out.replace(new RegExp(`(?<![\\p{L}\\d])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\d])`, 'giu'), n)
  return out
    .replace(/(^|[.?!]\s+)([¿¡]?)(\p{Ll})/gu, (_m, p: string, mark: string, c: string) => p + mark + c.toUpperCase())
    .replace(/\bi\b/g, 'I')
    .replace(/\bi'(m|ll|ve|d)\b/g, "I'$1")
    .replace(/\b(am|pm)\b/g, (m) => m.toUpperCase())
    .replace(/\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|november|december)\b/g, (m) => m[0]!.toUpperCase() + m.slice(1))
}

function unquote(s: string): string {
  try {
    const v = JSON.parse(s) as unknown
    return typeof v === 'string' ? v : s
  } catch {
    return s
  }
}

function compact(m: Readonly<Record<string, unknown>> | undefined): string {
  if (!m) return ''
  const copy: Record<string, unknown> = { ...m }
  for (const k of ['audioChunk']) if (typeof copy[k] === 'string') copy[k] = `<${(copy[k] as string).length} b64>`
  return JSON.stringify(copy).slice(0, 300)
}
