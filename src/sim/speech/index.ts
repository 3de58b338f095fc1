/**
 * @module sim/speech
 * Real speech for the offline simulators: flite voices, pocketsphinx ears with domain language models, key-word
 * scoring and WAV files per call. `fastagent demo --speech` is built from {@link createSpeechKit}.
 */
export { findSpeechTools, missingToolsMessage, APT_INSTALL, type SpeechTools, type TtsTool, type AsrTool, type SpeechModel } from './tools'
export { createSpeechKit, SPEECH_STEP_TIMEOUT_MS, type SpeechKit, type SpeechKitOptions, type ScenarioSpeech, type CallerHeard } from './speech-kit'
export { createTts, type Tts, type Pcm } from './tts'
export { createRecognizer, ASR_RATE, type Recognizer } from './recognizer'
export { speechEar, speechVoice, type Heard, type SpeechVoice } from './speech-io'
export { BotEar, type BotHeard } from './bot-ear'
export { saveCallAudio, MIX_RATE, type CallerLine } from './audio-files'
export { summarize, formatSummary, slotRecord, type SlotRecord, type SlotSummary, type SlotSide } from './slots'
export { keyWords, keysFound, keysNeeded, spokenForm, writtenForm, numberWords } from './text'
export { CALLER_CORPUS, CALLER_REFERENCE, BOT_CORPUS, BOT_REFERENCE } from './corpus'
