/**
 * @module call/lifecycle-machine
 * The call's own flow as a transition table on the same engine as the tasks (src/fsm): greeting, conversation, the
 * "anything else?" question, the closing, unrequested goodbyes (silence, time limit, shutdown), transfer, hang-up
 * after the last words have played, and the end. Pure: events are facts the call session observed, effects are data
 * the session's thin driver carries out (speak a line, answer a tool call, arm a timer, hang up, transfer, end).
 *
 * The call's phase is the state; what is left in the context is configuration and what must be remembered across
 * states (why the call is ending, where a transfer goes, the silence count, the last stream before a hang-up).
 */
import { machine, type On, type Transition, type TransitionEntry } from '../fsm/fsm'
import type { LegEndBy } from '../telephony/audiocodes/phone-leg'
import type { CallEndReason } from './lifecycle'
import { callLinesFor, closingText } from '../i18n/packs'
import type { Language } from '../i18n/languages'
import type { WordingLines } from '../config/business/sections/wording'
import { fixedLine, personalLine, type SpokenLine } from './spoken-line'

const lines = (c: { readonly language: Language; readonly businessName: string; readonly wording: WordingLines | null }) => callLinesFor(c.language, c.businessName, c.wording ?? undefined)

/** What a response was requested for; the sequencer hands these back with the response. */
export type ResponsePurpose =
  | 'greeting'
  | 'anything-else'
  | 'open-tasks'
  | 'closing'
  | 'transfer'
  | 'transfer-failed'
  | 'goodbye'
  | 'silence'
  | 'apology'
  | 'dtmf'
  | 'phone-resumed'
  | 'reconnected'
  | 'task-update'
  | 'tool-result'

/** Purposes whose response is the call's last words: once done and played, the call hangs up (or transfers). */
export const LAST_WORDS: ReadonlySet<ResponsePurpose> = new Set<ResponsePurpose>(['closing', 'transfer', 'goodbye'])

export type LifecycleContext = {
  readonly businessName: string
  /** The call's language and the business's own wording: what the bot says on its own (plain JSON, so snapshots stay data). */
  readonly language: Language
  readonly wording: WordingLines | null
  readonly silenceReprompts: number
  readonly transferTarget: string | null
  /** Why the call is ending, once something decided it is. */
  readonly endReason: CallEndReason | null
  readonly transfer: { readonly target: string; readonly reason: string } | null
  readonly shutdownReason: string | null
  /** end_call with tasks open asks once whether to finish them first. */
  readonly mentionedOpenTasks: boolean
  readonly silenceCount: number
  readonly lastSilenceAt: number | null
  /** Tasks completed so far: a rise to it with none open is what makes the bot ask "anything else?". */
  readonly doneCount: number
  /** The stream of the last words: its playFinished is the moment to hang up. */
  readonly finalStreamId: string | null
  /** A machine answered our callback before the model was ready: the voicemail to say instead of the greeting. */
  readonly voicemail: string | null
}

export type LifecycleEvent =
  /** The first model session is configured: the greeting can be prepared (it may wait for adopted tasks). */
  | { readonly type: 'modelReady' }
  | { readonly type: 'greet'; readonly line: SpokenLine; readonly asksAnythingElse: boolean }
  /** The caller started speaking or pressed a key. */
  | { readonly type: 'callerSpoke' }
  /** `vad`: the model session's idle timeout (it re-prompts by itself); `vaic`: VAIC's no-input timer. */
  | { readonly type: 'silence'; readonly source: 'vad' | 'vaic'; readonly at: number }
  | { readonly type: 'endCall'; readonly callId: string; readonly openTasks: readonly string[]; readonly summaries: readonly SpokenLine[] }
  | { readonly type: 'transferRequested'; readonly callId: string; readonly reason: string }
  /** A task tool answered (`byTool`) or a background task result was spoken; counts as of now. */
  | { readonly type: 'taskProgress'; readonly done: number; readonly open: number; readonly byTool: boolean }
  | {
      readonly type: 'responseDone'
      readonly purposes: readonly ResponsePurpose[]
      /** The last stream sent and how long it still plays (the playback estimate). */
      readonly tail: { readonly streamId: string | undefined; readonly remainingMs: number }
    }
  | { readonly type: 'playFinished'; readonly streamId: string | undefined }
  /** playFinished did not come in time (VAIC may not send it). */
  | { readonly type: 'hangupTimer' }
  | { readonly type: 'transferFailed'; readonly status: string }
  | { readonly type: 'limitReached' }
  | { readonly type: 'shutdown'; readonly reason: string; readonly graceMs: number; readonly modelReady: boolean; readonly openTasks: number }
  /** The shutdown grace ran out: hang up whatever happens. */
  | { readonly type: 'shutdownTimer' }
  /** The model leg cannot continue (bad key, quota, reconnects exhausted). */
  | { readonly type: 'upstreamLost'; readonly code: string }
  | { readonly type: 'legEnded'; readonly by: LegEndBy }
  /** The apology clip is playing on this stream (undefined when it could not be sent) for about this long. */
  | { readonly type: 'apologyStarted'; readonly streamId: string | undefined; readonly remainingMs: number }
  /** VAIC's machine detection says an answering machine took our callback: leave this message, then hang up. */
  | { readonly type: 'machineAnswered'; readonly text: string }

export type LifecycleEffect =
  | { readonly kind: 'fetchGreeting' }
  /** Play the recorded apology (no model needed): the model cannot speak any more. */
  | { readonly kind: 'apologise' }
  /** Speak this line: its provenance says whether it may be cached (fixed wording) or carries caller data. */
  | { readonly kind: 'say'; readonly line: SpokenLine; readonly purpose: ResponsePurpose }
  | { readonly kind: 'toolOutput'; readonly callId: string; readonly output: string }
  /** Cancel the server's own re-prompt (its idle timeout fired) and drop its audio. */
  | { readonly kind: 'cancelReprompt' }
  /** Stop what is playing (truncated at what was heard), for words that must come at once. */
  | { readonly kind: 'interrupt'; readonly why: 'machine-answered' }
  | { readonly kind: 'timer'; readonly name: 'hangup' | 'shutdown'; readonly afterMs: number }
  | { readonly kind: 'hangup'; readonly reason: string }
  | { readonly kind: 'transfer'; readonly target: string; readonly reason: string }
  /** The transfer came back: the call is ours again. */
  | { readonly kind: 'transferFailed'; readonly status: string }
  | { readonly kind: 'log'; readonly message: string; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly kind: 'end'; readonly reason: CallEndReason; readonly closed: boolean }

type State =
  | 'connecting'
  | 'greeting'
  | 'conversing'
  | 'askingAnythingElse'
  | 'closing'
  | 'sayingGoodbye'
  | 'transferring'
  | 'hangingUp'
  | 'leaving'
  | 'ended'
export type LifecycleState = State

type Ctx = LifecycleContext
type Ev<T extends LifecycleEvent['type']> = Extract<LifecycleEvent, { type: T }>
type Fx = LifecycleEffect
type Edge<T extends LifecycleEvent['type']> = Transition<State, Ctx, Ev<T>, Fx>
type Edges<T extends LifecycleEvent['type']> = TransitionEntry<State, Ctx, Ev<T>, Fx>
type Table = On<State, Ctx, LifecycleEvent, Fx>

/** How long a hang-up waits beyond the estimated end of the last words for VAIC's playFinished. */
export const HANGUP_MARGIN_MS = 1500
/** VAD's idle timeout and VAIC's no-input timer may both fire for one silence: count it once. */
export const SILENCE_DEDUPE_MS = 2000

export function initialLifecycleContext(c: { businessName: string; silenceReprompts: number; transferTarget: string | undefined; language?: Language; wording?: WordingLines | undefined }): Ctx {
  return {
    businessName: c.businessName,
    language: c.language ?? 'en',
    wording: c.wording ?? null,
    silenceReprompts: c.silenceReprompts,
    transferTarget: c.transferTarget ?? null,
    endReason: null,
    transfer: null,
    shutdownReason: null,
    mentionedOpenTasks: false,
    silenceCount: 0,
    lastSilenceAt: null,
    doneCount: 0,
    finalStreamId: null,
    voicemail: null,
  }
}

// ---- pure helpers ---------------------------------------------------------------------------------------------------

const say = (line: SpokenLine, purpose: ResponsePurpose): Fx => ({ kind: 'say', line, purpose })
/** A pack or business-file line (configuration only): the same for every caller. */
const fixed = (text: string, purpose: ResponsePurpose): Fx => say(fixedLine(text), purpose)
const output = (callId: string, body: Record<string, string>): Fx => ({ kind: 'toolOutput', callId, output: JSON.stringify(body) })

/** The hang-up reason VAIC is given. */
export function hangupReason(c: Ctx): string {
  if (c.endReason === 'shutdown') return c.shutdownReason ?? 'server-shutdown'
  if (c.endReason === 'failed') return 'assistant-unavailable'
  return c.endReason === null || c.endReason === 'completed' ? 'conversation-complete' : c.endReason
}

/** Why the call ended, from who ended the leg and what the call had decided. */
export function endReasonOf(c: Ctx, by: LegEndBy): CallEndReason {
  switch (by) {
    case 'transfer':
      return 'transferred'
    case 'bot':
      return c.endReason ?? 'completed'
    case 'server':
      return c.endReason ?? 'shutdown'
    case 'caller':
      // A caller who hangs up during our goodbye completed the call.
      return c.endReason === 'completed' ? 'completed' : 'caller-hangup'
    case 'lost':
      return 'lost'
    case 'vaic-error':
      return 'vaic-error'
  }
}

// ---- edges every live state shares ----------------------------------------------------------------------------------

const ended: Edge<'legEnded'> = {
  target: 'ended',
  effects: (c, e) => [{ kind: 'end', reason: endReasonOf(c, e.by), closed: c.endReason === 'completed' }],
}

const upstreamLost: Edge<'upstreamLost'> = {
  target: 'leaving',
  assign: (c) => ({ ...c, endReason: 'failed' }),
  effects: (c, e) =>
    c.transferTarget !== null ? [{ kind: 'transfer', target: c.transferTarget, reason: `assistant unavailable (${e.code})` }] : [{ kind: 'hangup', reason: 'assistant-unavailable' }],
}

/**
 * The model cannot speak: the caller hears the recorded apology at once, then is transferred (when there is a target)
 * or hung up on once it has played — never dead air.
 */
const apologise: Edge<'upstreamLost'> = {
  target: 'hangingUp',
  assign: (c, e) => ({
    ...c,
    endReason: 'failed',
    transfer: c.transferTarget !== null ? { target: c.transferTarget, reason: `assistant unavailable (${e.code})` } : null,
    finalStreamId: null,
  }),
  effects: () => [{ kind: 'apologise' }],
}

const leaveForShutdown: Edge<'shutdown'> = {
  target: 'leaving',
  assign: (c, e) => ({ ...c, endReason: 'shutdown', shutdownReason: e.reason }),
  effects: (_c, e) => [{ kind: 'timer', name: 'shutdown', afterMs: e.graceMs }, { kind: 'hangup', reason: e.reason }],
}

const countDone = (self: State): Edge<'taskProgress'> => ({ target: self, assign: (c, e) => ({ ...c, doneCount: e.done }) })

/** What any state but `ended` handles. */
const live = (self: State): Table => ({
  callerSpoke: { target: self, assign: (c) => ({ ...c, silenceCount: 0 }) },
  taskProgress: countDone(self),
  shutdown: leaveForShutdown,
  shutdownTimer: { target: 'leaving', guard: (c) => c.shutdownReason !== null, effects: (c) => [{ kind: 'hangup', reason: c.shutdownReason ?? 'server-shutdown' }] },
  upstreamLost,
  legEnded: ended,
})

// ---- the conversation (before anything decided that the call ends) ------------------------------------------------

type Talking = 'connecting' | 'greeting' | 'conversing' | 'askingAnythingElse'

const silence = (self: Talking): Edges<'silence'> => [
  { target: self, guard: (c, e) => c.lastSilenceAt !== null && e.at - c.lastSilenceAt < SILENCE_DEDUPE_MS },
  {
    target: 'sayingGoodbye',
    guard: (c) => c.silenceCount + 1 > c.silenceReprompts,
    assign: (c, e) => ({ ...c, silenceCount: c.silenceCount + 1, lastSilenceAt: e.at, endReason: 'silence' }),
    // With server_vad the server already started its own re-prompt: cancel it and say goodbye instead.
    effects: (c, e) => [
      { kind: 'log', message: 'call.silence', fields: { source: e.source, count: c.silenceCount } },
      ...(e.source === 'vad' ? [{ kind: 'cancelReprompt' } as const] : []),
      fixed(lines(c).silenceGoodbye, 'goodbye'),
    ],
  },
  {
    target: self,
    assign: (c, e) => ({ ...c, silenceCount: c.silenceCount + 1, lastSilenceAt: e.at }),
    // With server_vad the model re-prompts by itself on its idle timeout; VAIC's timer needs our line.
    effects: (c, e) => [
      { kind: 'log', message: 'call.silence', fields: { source: e.source, count: c.silenceCount } },
      ...(e.source === 'vaic' ? [fixed(lines(c).stillThere, 'silence')] : []),
    ],
  },
]

const mentionOpenTasks = (self: Talking): Edge<'endCall'> => ({
  target: self,
  guard: (c, e) => e.openTasks.length > 0 && !c.mentionedOpenTasks,
  assign: (c) => ({ ...c, mentionedOpenTasks: true }),
  effects: (c, e) => [
    say(personalLine(lines(c).openTasks(e.openTasks)), 'open-tasks'),
    output(e.callId, { status: 'tasks_open', note: 'Open tasks remain; the caller is being asked whether to finish them.' }),
  ],
})

const askAnythingElse: Edge<'endCall'> = {
  target: 'askingAnythingElse',
  effects: (c, e) => [fixed(lines(c).anythingElse, 'anything-else'), output(e.callId, { status: 'asking_anything_else', note: 'If the caller says no, call end_call again.' })],
}

const close: Edge<'endCall'> = {
  target: 'closing',
  assign: (c) => ({ ...c, endReason: 'completed' }),
  effects: (c, e) => [say(e.summaries.length === 0 ? fixedLine(lines(c).closing) : personalLine(closingText(lines(c), e.summaries.map((l) => l.text))), 'closing'), output(e.callId, { status: 'closing', note: 'The closing line is being said; say nothing more.' })],
}

const transferRequested = (self: Talking): Edges<'transferRequested'> => [
  {
    target: 'transferring',
    guard: (c) => c.transferTarget !== null,
    assign: (c, e) => ({ ...c, endReason: 'transferred', transfer: { target: c.transferTarget ?? '', reason: e.reason } }),
    effects: (c, e) => [fixed(lines(c).transferring, 'transfer'), output(e.callId, { status: 'transferring', note: 'The caller is being transferred; say nothing more.' })],
  },
  { target: self, effects: (_c, e) => [output(e.callId, { error: 'not_available', message: 'Transfers are not available; offer to take a message instead.' })] },
]

/** The last open task has just completed: the bot asks the closing question (scenario 1). */
const lastTaskDone: Edge<'taskProgress'> = {
  target: 'askingAnythingElse',
  guard: (c, e) => e.done > c.doneCount && e.open === 0,
  assign: (c, e) => ({ ...c, doneCount: e.done }),
  effects: (c) => [fixed(lines(c).anythingElse, 'anything-else')],
}

const limitReached: Edge<'limitReached'> = {
  target: 'sayingGoodbye',
  assign: (c) => ({ ...c, endReason: 'max-duration' }),
  effects: (c) => [fixed(lines(c).timeLimit, 'goodbye')],
}

const shutdown: Edges<'shutdown'> = [
  {
    target: 'sayingGoodbye',
    guard: (_c, e) => e.modelReady,
    assign: (c, e) => ({ ...c, endReason: 'shutdown', shutdownReason: e.reason }),
    effects: (c, e) => [{ kind: 'timer', name: 'shutdown', afterMs: e.graceMs }, fixed(e.openTasks > 0 ? lines(c).shutdownSaved : lines(c).shutdown, 'goodbye')],
  },
  leaveForShutdown,
]

/** The callback reached a machine: whatever was being said stops, the voicemail is the call's last words. */
const machineAnswered: Edge<'machineAnswered'> = {
  target: 'sayingGoodbye',
  assign: (c) => ({ ...c, endReason: 'unanswered' }),
  effects: (_c, e) => [{ kind: 'interrupt', why: 'machine-answered' }, say(personalLine(e.text), 'goodbye')],
}

const talking = (self: Talking): Table => ({
  ...live(self),
  upstreamLost: apologise,
  silence: silence(self),
  transferRequested: transferRequested(self),
  limitReached,
  shutdown,
  machineAnswered,
})

// ---- the last words and the hang-up ----------------------------------------------------------------------------------

const lastWordsDone: Edge<'responseDone'> = {
  target: 'hangingUp',
  guard: (_c, e) => e.purposes.some((p) => LAST_WORDS.has(p)),
  assign: (c, e) => ({ ...c, finalStreamId: e.tail.streamId ?? null }),
  // Wait for VAIC's playFinished of that stream, with a fallback from the audio sent (VAIC may not send it).
  effects: (_c, e) => [{ kind: 'timer', name: 'hangup', afterMs: e.tail.remainingMs + HANGUP_MARGIN_MS }],
}

const finish = (c: Ctx): Fx[] => (c.transfer !== null ? [{ kind: 'transfer', target: c.transfer.target, reason: c.transfer.reason }] : [{ kind: 'hangup', reason: hangupReason(c) }])

const saying = (self: 'closing' | 'sayingGoodbye' | 'transferring'): Table => ({ ...live(self), upstreamLost: apologise, responseDone: lastWordsDone })

// ---- the table -----------------------------------------------------------------------------------------------------

export const callLifecycle = machine<Ctx, LifecycleEvent, Fx>()({
  id: 'call_lifecycle',
  version: 1,
  initial: 'connecting',
  states: {
    /** The model leg is not ready yet. */
    connecting: {
      on: {
        ...talking('connecting'),
        // Nothing can be said before the model is ready: the voicemail waits and takes the greeting's place.
        machineAnswered: { target: 'connecting', assign: (c, e) => ({ ...c, endReason: 'unanswered', voicemail: e.text }) },
        modelReady: [
          { target: 'sayingGoodbye', guard: (c) => c.voicemail !== null, effects: (c) => [say(personalLine(c.voicemail ?? ''), 'goodbye')] },
          { target: 'greeting', effects: () => [{ kind: 'fetchGreeting' }] },
        ],
      },
    },
    /** The greeting (or welcome back) is being prepared. */
    greeting: {
      on: {
        ...talking('greeting'),
        greet: [
          { target: 'askingAnythingElse', guard: (_c, e) => e.asksAnythingElse, effects: (_c, e) => [say(e.line, 'greeting')] },
          { target: 'conversing', effects: (_c, e) => [say(e.line, 'greeting')] },
        ],
        endCall: [mentionOpenTasks('greeting'), askAnythingElse],
      },
    },
    conversing: {
      on: {
        ...talking('conversing'),
        endCall: [mentionOpenTasks('conversing'), askAnythingElse],
        taskProgress: [lastTaskDone, countDone('conversing')],
      },
    },
    /** "Is there anything else I can help you with?" is out: a second end_call closes. */
    askingAnythingElse: {
      on: {
        ...talking('askingAnythingElse'),
        endCall: [mentionOpenTasks('askingAnythingElse'), close],
        // A task tool means the caller wanted something else after all; a background result keeps the question open.
        taskProgress: [
          { ...lastTaskDone, guard: (c, e) => e.byTool && e.done > c.doneCount && e.open === 0 },
          { ...countDone('conversing'), guard: (_c, e) => e.byTool },
          countDone('askingAnythingElse'),
        ],
      },
    },
    /** The closing line ("I'm glad I could help. … Have a great day!") is being said. */
    closing: { on: saying('closing') },
    /** A goodbye nobody asked for: silence, the time limit or a shutdown. */
    sayingGoodbye: { on: saying('sayingGoodbye') },
    /** "I'll connect you with a colleague now." is being said. */
    transferring: { on: saying('transferring') },
    /** The last words are out: hang up (or transfer) once they have played. */
    hangingUp: {
      on: {
        ...live('hangingUp'),
        playFinished: { target: 'leaving', guard: (c, e) => e.streamId === undefined || e.streamId === c.finalStreamId, effects: finish },
        hangupTimer: { target: 'leaving', effects: finish },
        apologyStarted: {
          target: 'hangingUp',
          assign: (c, e) => ({ ...c, finalStreamId: e.streamId ?? null }),
          effects: (_c, e) => [{ kind: 'timer', name: 'hangup', afterMs: e.remainingMs + HANGUP_MARGIN_MS }],
        },
      },
    },
    /** Hang-up or transfer requested: waiting for VAIC to end the conversation. */
    leaving: {
      on: {
        ...live('leaving'),
        transferFailed: [
          {
            target: 'conversing',
            guard: (c) => c.endReason === 'transferred',
            assign: (c) => ({ ...c, endReason: null, transfer: null }),
            effects: (c, e) => [{ kind: 'transferFailed', status: e.status }, fixed(lines(c).transferFailed, 'transfer-failed')],
          },
          // The transfer was the fallback for a dead model: nobody can talk to the caller, so hang up.
          { target: 'leaving', guard: (c) => c.endReason === 'failed', effects: () => [{ kind: 'hangup', reason: 'assistant-unavailable' }] },
        ],
      },
    },
    ended: { final: true },
  },
})
