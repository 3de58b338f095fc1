/**
 * @module telephony/audiocodes/metrics
 * Phone-leg counters on the shared registry: refused upgrades, invalid inbound messages by reason, frames relayed.
 */
import type { Counter, Gauge, MetricsRegistry } from '../../ops/metrics'
import { NO_AUDIO_METER, type AudioMeter } from '../../ops/young-gc'

export type TelephonyMetrics = {
  readonly invalid: Counter
  readonly refused: Counter
  readonly framesIn: Counter
  readonly framesOut: Counter
  readonly downlinkShed: Counter
  readonly slowPathFrames: Counter
  readonly sessions: Counter
  readonly live: Gauge
  /** Every relayed audio message's length, both ways (the young-collection pacer: ops/young-gc). */
  readonly audio: AudioMeter
}

export function telephonyMetrics(registry: MetricsRegistry, live: () => number, audio: AudioMeter = NO_AUDIO_METER): TelephonyMetrics {
  return {
    invalid: registry.counter('fastagent_vaic_invalid_messages_total', 'inbound VoiceAI Connect messages refused, by reason', ['reason']),
    refused: registry.counter('fastagent_vaic_refused_total', 'connections or sessions refused, by reason', ['reason']),
    framesIn: registry.counter('fastagent_vaic_audio_frames_in_total', 'caller audio chunks received'),
    framesOut: registry.counter('fastagent_vaic_audio_frames_out_total', 'bot audio chunks sent'),
    slowPathFrames: registry.counter('fastagent_vaic_slow_path_frames_total', "frames that reached us through Elysia's message hook instead of the fast path (should stay 0)"),
    downlinkShed: registry.counter('fastagent_downlink_frames_shed_total', 'bot audio chunks shed because the VoiceAI Connect socket backlog was over its limit'),
    sessions: registry.counter('fastagent_vaic_sessions_total', 'conversations by outcome of session.initiate/resume', ['outcome']),
    live: registry.gauge('fastagent_calls_live', 'conversations currently open', [], live),
    audio,
  }
}
