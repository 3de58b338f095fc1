/**
 * @module sim/speech/speech-kit
 * Everything `fastagent demo --speech` plugs into the ordinary scenarios to run them with real speech:
 *
 * - the caller's lines are synthesized by flite and sent as 16 kHz `raw/lpcm16`, so FastAgent's 16 ↔ 24 kHz
 *   resamplers carry real speech both ways;
 * - the Realtime emulator hears them with a pocketsphinx EAR and answers with a flite VOICE (speech-io.ts);
 * - the simulated caller hears the bot with a second pocketsphinx ear (bot-ear.ts), and steps check key words;
 * - every call's audio is saved as WAV files (audio-files.ts) and every caller line and checked bot line is scored
 *   by key words found (slots.ts).
 *
 * Each side's recognizer has its own domain language model (corpus.ts): the caller-side one knows what callers say,
 * the bot-side one what FastAgent says; neither is told which line comes next.
 */
import { join } from 'node:path'
import type { EmulatorOptions } from '../realtime/emulator'
import type { ScenarioOptions } from '../scenarios'
import type { VaicSimulator } from '../vaic/simulator'
import { saveCallAudio, slug, type CallerLine } from './audio-files'
import { BotEar } from './bot-ear'
import { BOT_CORPUS, BOT_REFERENCE, CALLER_CORPUS } from './corpus'
import { createRecognizer, type Recognizer } from './recognizer'
import { slotRecord, summarize, type SlotRecord, type SlotSummary } from './slots'
import { speechEar, speechVoice, type Heard, type SpeechVoice } from './speech-io'
import type { SpeechTools } from './tools'
import { createTts, type Tts } from './tts'

/** Speech steps wait for synthesis and two recognitions per turn: give them room. */
export const SPEECH_STEP_TIMEOUT_MS = 60_000

export type CallerHeard = { readonly call: VaicSimulator; readonly line: string; readonly heard: Heard; readonly record: SlotRecord }

export type SpeechKitOptions = {
  readonly tools: Extract<SpeechTools, { ok: true }>
  /** WAV files go under `<audioDir>/<scenario>/<call label>/`. */
  readonly audioDir: string
  /** The emulated model heard a caller turn. */
  readonly onCallerHeard?: (h: CallerHeard) => void
  /** The simulated caller recognized a bot stream. */
  readonly onBotHeard?: (call: VaicSimulator, index: number, text: string) => void
}

export type ScenarioSpeech = {
  readonly records: readonly SlotRecord[]
  readonly caller: SlotSummary
  readonly bot: SlotSummary
  readonly all: SlotSummary
  /** Folder of this scenario's WAV files, and the files. */
  readonly dir: string
  readonly files: readonly string[]
}

type Line = CallerLine & { readonly call: VaicSimulator; readonly heard: string[] }

export type SpeechKit = {
  /** Emulator options: the pocketsphinx ear and the flite voice. */
  readonly emulator: EmulatorOptions
  /** Scenario options: 16 kHz PCM, spoken caller lines, key-word steps, generous step timeouts. */
  readonly scenario: ScenarioOptions
  /** One line describing the speech set-up, for the demo's header. */
  readonly description: string
  /** Call at the start of each scenario (scores and files are per scenario). */
  beginScenario(name: string): void
  /** Registers a call of the scenario: its bot streams get recognized, its audio saved. */
  attach(call: VaicSimulator, label: string): void
  /** The `k`-th line the caller said on `call` (written form). */
  callerLine(call: VaicSimulator, k: number): string | undefined
  /** What the caller recognized of the call's `index`-th bot stream. */
  botHeard(call: VaicSimulator, index: number): string | undefined
  /** Waits for recognitions in flight, saves the scenario's audio and scores it. */
  endScenario(): Promise<ScenarioSpeech>
  dispose(): void
}

export async function createSpeechKit(o: SpeechKitOptions): Promise<SpeechKit> {
  const tts: Tts = createTts(o.tools.tts)
  const recognizers: Recognizer[] = []
  let kit: SpeechKit
  try {
    const callerAsr = createRecognizer({ asr: o.tools.asr, model: o.tools.model, corpus: CALLER_CORPUS, name: 'caller' })
    recognizers.push(callerAsr)
    const botAsr = createRecognizer({ asr: o.tools.asr, model: o.tools.model, corpus: BOT_CORPUS, name: 'bot' })
    recognizers.push(botAsr)
    const voice: SpeechVoice = speechVoice(tts)
    // The reference lines are ready before the first call: the emulator's voice is synchronous.
    await voice.prepare(BOT_REFERENCE)

    let scenario = 'scenario'
    let lines: Line[] = []
    let calls: { call: VaicSimulator; label: string }[] = []
    let botFrom = 0
    const botEar = new BotEar(botAsr, o.onBotHeard)
    const ear = speechEar(callerAsr, (heard) => {
      // The model hears turns in the order they were spoken: a turn belongs to the line said last.
      const line = lines[lines.length - 1]
      if (!line) return
      line.heard.push(heard.text)
      o.onCallerHeard?.({ call: line.call, line: line.text, heard, record: slotRecord('caller', line.text, line.heard.join(' ')) })
    })

    kit = {
      emulator: { ear, voice },
      scenario: {
        format: ['raw/lpcm16'],
        stepTimeoutMs: SPEECH_STEP_TIMEOUT_MS,
        utterance: async (text, call) => {
          const pcm = await tts.synthesize(text)
          lines.push({ text, samples: pcm.samples, rate: pcm.rate, at: call.now(), call, heard: [] })
          return pcm
        },
        botSaid: (call, match, timeoutMs) => botEar.waitForSaid(call, match, timeoutMs),
      },
      description:
        `caller voice ${tts.name} at 16 kHz (raw/lpcm16) · model ear ${callerAsr.name} · caller ear ${botAsr.name}` +
        (o.tools.tts.name === 'espeak-ng' ? ' · warning: pocketsphinx hears espeak-ng far worse than flite (apt-get install flite)' : ''),
      beginScenario(name) {
        scenario = name
        lines = []
        calls = []
        botFrom = botEar.records.length
      },
      attach(call, label) {
        calls.push({ call, label })
        botEar.watch(call)
      },
      callerLine(call, k) {
        return lines.filter((l) => l.call === call)[k]?.text
      },
      botHeard: (call, index) => botEar.heard(call, index),
      async endScenario() {
        await botEar.settle()
        const dir = join(o.audioDir, scenario)
        const files: string[] = []
        for (const c of calls) files.push(...(await saveCallAudio(join(dir, slug(c.label)), c.call, lines.filter((l) => l.call === c.call))))
        const callerRecords = lines.map((l) => slotRecord('caller', l.text, l.heard.join(' ')))
        const botRecords = botEar.records.slice(botFrom)
        const records = [...callerRecords, ...botRecords]
        return { records, caller: summarize(callerRecords), bot: summarize(botRecords), all: summarize(records), dir, files }
      },
      dispose() {
        botEar.dispose()
        for (const r of recognizers) r.dispose()
        tts.dispose()
      },
    }
  } catch (err) {
    for (const r of recognizers) r.dispose()
    tts.dispose()
    throw err
  }
  return kit
}
