/**
 * @module call/metrics
 * Call-level counters: barge-ins, upstream gaps, call outcomes, contained failures.
 */
import type { Counter, MetricsRegistry } from '../ops/metrics'
import { UpstreamHealth } from './upstream-health'

export type CallMetrics = {
  readonly bargeIns: Counter
  readonly upstreamGaps: Counter
  readonly outcomes: Counter
  readonly badAudio: Counter
  /** Failures caught where they happened (a store error in one call's step, timer, key press, or an outbox row). */
  readonly failures: Counter
  /** Calls whose model could not speak (unreachable or fatal): the caller got the recorded apology. */
  readonly upstreamUnavailable: Counter
  /** The Realtime API's state for `/readyz`. */
  readonly upstream: UpstreamHealth
}

export function callMetrics(registry: MetricsRegistry): CallMetrics {
  return {
    bargeIns: registry.counter('fastagent_barge_ins_total', 'times the caller interrupted the bot (playback stopped and truncated)'),
    upstreamGaps: registry.counter('fastagent_upstream_gaps_total', 'times the model connection was lost mid-call'),
    outcomes: registry.counter('fastagent_calls_total', 'ended calls by outcome', ['reason', 'dropped']),
    badAudio: registry.counter('fastagent_bad_audio_chunks_total', 'caller audio chunks that could not be converted'),
    upstreamUnavailable: registry.counter('fastagent_upstream_unavailable_total', 'calls whose model leg could not connect or failed fatally (the caller heard the recorded apology), by code', ['code']),
    upstream: new UpstreamHealth(),
    failures: registry.counter('fastagent_contained_failures_total', 'failures kept inside their call or outbox row (the process and other calls went on), by where', ['where']),
  }
}
