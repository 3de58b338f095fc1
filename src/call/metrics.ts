/**
 * @module call/metrics
 * Call-level counters: barge-ins, upstream gaps, call outcomes, contained failures.
 */
import type { Counter, MetricsRegistry } from '../ops/metrics'

export type CallMetrics = {
  readonly bargeIns: Counter
  readonly upstreamGaps: Counter
  readonly outcomes: Counter
  readonly badAudio: Counter
  /** Failures caught where they happened (a store error in one call's step, timer, key press, or an outbox row). */
  readonly failures: Counter
}

export function callMetrics(registry: MetricsRegistry): CallMetrics {
  return {
    bargeIns: registry.counter('fastagent_barge_ins_total', 'times the caller interrupted the bot (playback stopped and truncated)'),
    upstreamGaps: registry.counter('fastagent_upstream_gaps_total', 'times the model connection was lost mid-call'),
    outcomes: registry.counter('fastagent_calls_total', 'ended calls by outcome', ['reason', 'dropped']),
    badAudio: registry.counter('fastagent_bad_audio_chunks_total', 'caller audio chunks that could not be converted'),
    failures: registry.counter('fastagent_contained_failures_total', 'failures kept inside their call or outbox row (the process and other calls went on), by where', ['where']),
  }
}
