/**
 * @module sim/realtime
 * A strict local emulator of the OpenAI Realtime API (GA WebSocket shape) for tests and the offline demo. See
 * emulator.ts for the server and its fault hooks, brain.ts for the pluggable model (brain, ear, voice),
 * booking-brain.ts for the default dialogue policy, and test-client.ts for a bare client to drive it.
 */
export { INSTANT_TIMING, REAL_API_TIMING, startRealtimeEmulator, type ConnectionRecord, type Emulator, type EmulatorOptions } from './emulator'
export { scriptedBrain, scriptedEar, type Brain, type BrainCall, type BrainContext, type BrainItem, type BrainTrigger, type BrainTurn, type Ear, type Voice } from './brain'
export { createBookingBrain, openTasks, parseOpenTasks, type BookingBrainOptions, type OpenTask } from './booking-brain'
export { modemEar, modemVoice } from './modem-io'
export { RealtimeSession, type CloseInfo, type LoggedEvent, type ReceivedEvent, type SessionCounters } from './session'
export type { ResponseRecord, ResponseStatus } from './response'
export type { EffectiveSession, OutgoingEvent, SentEvent } from './wire'
export { TestClient, type ConnectOptions } from './test-client'
