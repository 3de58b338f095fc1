/**
 * @module sim/vaic
 * The VoiceAI Connect simulator: a strict stand-in for AudioCodes VAIC (Bot API, streaming mode) used by tests, the
 * offline demo and `fastagent call`, plus a tiny scriptable fake bot for testing the simulator itself.
 */
export {
  VaicSimulator,
  connectionValidate,
  type ConnectResult,
  type Ended,
  type EndedBy,
  type SessionResult,
  type StreamRecord,
  type TransferReply,
  type Utterance,
  type VaicSimulatorOptions,
} from './simulator'
export { formatLog, type Direction, type FormatOptions, type LogEntry, type Violation, type ViolationRule } from './event-log'
export { parseBotMessage, checkActivity, type BotMessage, type BotActivity } from './bot-messages'
export { probeUpgrade, statusFromError } from './upgrade-probe'
export type { SayResult } from './voice-queue'
export type { CutReason } from './playback-model'
export type { VaicActivity, VaicMessage, StartDetails } from './caller-messages'
export { FakeBot, FakeBotSession, afterStart, DEFAULT_FAKE_CONFIG, type FakeBotOptions, type PlayOptions, type Json } from './fake-bot'
