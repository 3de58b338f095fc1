/**
 * @module sim/phrase-demo
 * The demo's scenarios as `fastagent demo` runs them (each in its own world), with the phrase cache counted: which
 * steps happened, every bot line as the caller heard it, the model's response instructions, the cache's hits and
 * misses, and the entries it kept. `seed` fills each world's store first — a cache another day or another instance
 * (on a shared PostgreSQL) filled. The phrase cache e2e test and the bench's hit rate both run it.
 */
import type { MetricsRegistry } from '../ops/metrics'
import type { PhraseRow } from '../store/rows'
import { bookingScenario, continuityScenario } from './scenarios'
import { startWorld, type World } from './world'
import { taskQuestions } from '../i18n/packs'

export type PhraseDemoRun = {
  readonly steps: string[]
  /** Per call, the decoded text of each play stream. */
  readonly said: string[][]
  /** Every `response.create`'s instructions ('' for none), in order. */
  readonly creates: string[]
  readonly hits: number
  readonly misses: number
  /** Of the fixed lines due (hits + misses), how many were task questions ('What time would you like?'). */
  readonly questions: number
  /** What the cache held at the end of each scenario, with the audio. */
  readonly stored: PhraseRow[]
}

/** The value of one series (`name{labels}`) in the registry's exposition, 0 when absent. */
export function seriesValue(registry: MetricsRegistry, series: string): number {
  const line = registry.render().split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

export async function phraseDemoRun(seed: readonly PhraseRow[], onWorld: (w: World | undefined) => void = () => undefined): Promise<PhraseDemoRun> {
  const out: PhraseDemoRun = { steps: [], said: [], creates: [], hits: 0, misses: 0, questions: 0, stored: [] }
  let hits = 0
  let misses = 0
  for (const scenario of [bookingScenario, continuityScenario]) {
    const w = await startWorld({ logLevel: 'warn' })
    onWorld(w)
    try {
      for (const r of seed) await w.server.store.phrases.put({ key: r.key, voice: r.voice, model: r.model, format: r.format, text: r.text, audio: r.audio, bytes: r.bytes }, 1 << 30, 1)
      const run = await scenario(w, { step: () => undefined })
      await w.server.calls.idle()
      out.steps.push(...run.steps)
      out.said.push(...run.calls.map((c) => c.streams.map((s) => s.text)))
      for (const s of w.emulator.sessions) {
        for (const r of s.received) {
          const e = r.event.raw as { type?: string; response?: { instructions?: string } }
          if (e.type === 'response.create') out.creates.push(e.response?.instructions ?? '')
        }
      }
      hits += seriesValue(w.server.registry, 'fastagent_phrase_cache_lookups_total{result="hit"}')
      misses += seriesValue(w.server.registry, 'fastagent_phrase_cache_lookups_total{result="miss"}')
      const keys = (await w.server.store.phrases.list()).map((r) => r.key)
      out.stored.push(...(await w.server.store.phrases.get(keys, Date.now())))
    } finally {
      await w.stop()
      onWorld(undefined)
    }
  }
  // The demo speaks English; a play stream that is exactly one of the pack's task questions was one due.
  const questions = new Set(taskQuestions('en').map((q) => q.toLowerCase()))
  return { ...out, hits, misses, questions: out.said.flat().filter((t) => questions.has(t.trim().toLowerCase())).length }
}
