/**
 * Every transition of the call lifecycle table, one test per edge (pure: no sockets, no clock), and a property test:
 * random event sequences never reach an inconsistent state, and `ended` absorbs every event.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { initialSnapshot, transition, type Snapshot } from '../fsm/fsm'
import { callLines } from './lifecycle'
import { fixedLine, personalLine } from './spoken-line'
import {
  callLifecycle,
  endReasonOf,
  HANGUP_MARGIN_MS,
  initialLifecycleContext,
  type LifecycleContext,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecycleState,
} from './lifecycle-machine'

type Snap = Snapshot<LifecycleState, LifecycleContext>
const BASE = initialLifecycleContext({ businessName: 'Acme Dental', silenceReprompts: 2, transferTarget: undefined })
const WITH_TARGET = { ...BASE, transferTarget: 'tel:+18005550100' }

const snap = (state: LifecycleState, ctx: Partial<LifecycleContext> = {}): Snap => ({ ...initialSnapshot(callLifecycle, { ...BASE, ...ctx }), state })

/** Applies `ev` in `state` and expects it handled, landing in `to`; returns the effects and the new context. */
function step(from: Snap, ev: LifecycleEvent, to: LifecycleState): { effects: readonly LifecycleEffect[]; ctx: LifecycleContext; snapshot: Snap } {
  const r = transition(callLifecycle, from, ev)
  expect(r.handled).toBe(true)
  expect(r.snapshot.state).toBe(to)
  return { effects: r.effects, ctx: r.snapshot.context, snapshot: r.snapshot }
}
function ignored(from: Snap, ev: LifecycleEvent): void {
  const r = transition(callLifecycle, from, ev)
  expect(r.handled).toBe(false)
  expect(r.snapshot).toBe(from)
  expect(r.effects).toEqual([])
}
const says = (fx: readonly LifecycleEffect[]) => fx.flatMap((e) => (e.kind === 'say' ? [`${e.purpose}: ${e.line.text}`] : []))
const outputs = (fx: readonly LifecycleEffect[]) => fx.flatMap((e) => (e.kind === 'toolOutput' ? [JSON.parse(e.output) as Record<string, string>] : []))
const endCall = (openTasks: string[] = [], summaries: string[] = []): LifecycleEvent => ({ type: 'endCall', callId: 'c1', openTasks, summaries: summaries.map((t) => personalLine(t)) })
const done = (purposes: LifecycleEvent & { type: 'responseDone' } extends { purposes: infer P } ? P : never, streamId = '7', remainingMs = 400): LifecycleEvent => ({
  type: 'responseDone',
  purposes,
  tail: { streamId, remainingMs },
})
const TALKING = ['connecting', 'greeting', 'conversing', 'askingAnythingElse'] as const
const SAYING = ['closing', 'sayingGoodbye', 'transferring'] as const
const LIVE = [...TALKING, ...SAYING, 'hangingUp', 'leaving'] as const

describe('greeting', () => {
  test('connecting → greeting when the first model session is ready: the greeting is prepared', () => {
    expect(step(snap('connecting'), { type: 'modelReady' }, 'greeting').effects).toEqual([{ kind: 'fetchGreeting' }])
  })
  test('modelReady again (a reconnect) is not the lifecycle’s business', () => {
    for (const s of ['greeting', 'conversing', 'closing'] as const) ignored(snap(s), { type: 'modelReady' })
  })
  test('greeting → conversing: the line is said', () => {
    expect(says(step(snap('greeting'), { type: 'greet', line: fixedLine('Hello!'), asksAnythingElse: false }, 'conversing').effects)).toEqual(['greeting: Hello!'])
  })
  test('greeting → askingAnythingElse when the welcome back already asks it', () => {
    step(snap('greeting'), { type: 'greet', line: personalLine('Welcome back! … anything else?'), asksAnythingElse: true }, 'askingAnythingElse')
  })
  test('a greeting that comes too late (the call already moved on) is not said', () => {
    ignored(snap('conversing'), { type: 'greet', line: fixedLine('Hello!'), asksAnythingElse: false })
    ignored(snap('closing'), { type: 'greet', line: fixedLine('Hello!'), asksAnythingElse: false })
  })
})

describe('provenance: only pack wording is a fixed line (what the phrase cache may keep)', () => {
  const provenance = (fx: readonly LifecycleEffect[]) => fx.flatMap((e) => (e.kind === 'say' ? [e.line.provenance] : []))
  test('anything else, the plain closing, goodbyes are fixed; a closing with summaries, open tasks and a voicemail are personal', () => {
    expect(provenance(step(snap('conversing'), endCall(), 'askingAnythingElse').effects)).toEqual(['fixed'])
    expect(provenance(step(snap('askingAnythingElse'), endCall(), 'closing').effects)).toEqual(['fixed'])
    expect(provenance(step(snap('askingAnythingElse'), endCall([], ['Your appointment is confirmed for tomorrow at 10 AM']), 'closing').effects)).toEqual(['personal'])
    expect(provenance(step(snap('conversing'), endCall(['booking an appointment']), 'conversing').effects)).toEqual(['personal'])
    expect(provenance(step(snap('conversing'), { type: 'machineAnswered', text: 'Hi, this is Acme Dental about your appointment request.' }, 'sayingGoodbye').effects)).toEqual(['personal'])
    expect(provenance(step(snap('conversing'), { type: 'limitReached' }, 'sayingGoodbye').effects)).toEqual(['fixed'])
    expect(provenance(step(snap('conversing', { silenceCount: 2 }), { type: 'silence', source: 'vaic', at: 1 }, 'sayingGoodbye').effects)).toEqual(['fixed'])
    // The greeting keeps the provenance it was given (a welcome back is personal).
    expect(provenance(step(snap('greeting'), { type: 'greet', line: personalLine('Welcome back! We were booking.'), asksAnythingElse: false }, 'conversing').effects)).toEqual(['personal'])
  })
})

describe('end_call: open tasks, "anything else?", closing', () => {
  test('with a task open the bot first offers to finish it, once', () => {
    const r = step(snap('conversing'), endCall(['booking an appointment']), 'conversing')
    expect(says(r.effects)).toEqual(["open-tasks: We haven't finished booking an appointment yet. Shall we finish it now?"])
    expect(outputs(r.effects)).toEqual([{ status: 'tasks_open', note: 'Open tasks remain; the caller is being asked whether to finish them.' }])
    expect(r.ctx.mentionedOpenTasks).toBe(true)
    // the second time it asks "anything else?"
    expect(says(step(r.snapshot, endCall(['booking an appointment']), 'askingAnythingElse').effects)).toEqual([`anything-else: ${callLines.anythingElse}`])
  })
  test('conversing → askingAnythingElse', () => {
    const r = step(snap('conversing'), endCall(), 'askingAnythingElse')
    expect(says(r.effects)).toEqual([`anything-else: ${callLines.anythingElse}`])
    expect(outputs(r.effects)).toEqual([{ status: 'asking_anything_else', note: 'If the caller says no, call end_call again.' }])
    // the say goes out before the tool output, as the model expects
    expect(r.effects.map((e) => e.kind)).toEqual(['say', 'toolOutput'])
  })
  test('greeting: end_call during the greeting behaves like in the conversation', () => {
    step(snap('greeting'), endCall(), 'askingAnythingElse')
    step(snap('greeting'), endCall(['x']), 'greeting')
  })
  test('askingAnythingElse → closing: the closing line is built from the completed tasks', () => {
    const r = step(snap('askingAnythingElse'), endCall([], ['Your appointment is confirmed for tomorrow at 10 AM']), 'closing')
    expect(says(r.effects)).toEqual(["closing: I'm glad I could help. Your appointment is confirmed for tomorrow at 10 AM. Have a great day!"])
    expect(outputs(r.effects)).toEqual([{ status: 'closing', note: 'The closing line is being said; say nothing more.' }])
    expect(r.ctx.endReason).toBe('completed')
  })
  test('askingAnythingElse with a task still open (not yet mentioned) mentions it first', () => {
    step(snap('askingAnythingElse'), endCall(['taking a message']), 'askingAnythingElse')
    step(snap('askingAnythingElse', { mentionedOpenTasks: true }), endCall(['taking a message']), 'closing')
  })
  test('once the call is ending, end_call is unhandled (the driver still answers the model)', () => {
    for (const s of [...SAYING, 'hangingUp', 'leaving'] as const) ignored(snap(s), endCall())
  })
})

describe('task progress', () => {
  test('the last open task just completed: conversing → askingAnythingElse', () => {
    const r = step(snap('conversing'), { type: 'taskProgress', done: 1, open: 0, byTool: true }, 'askingAnythingElse')
    expect(says(r.effects)).toEqual([`anything-else: ${callLines.anythingElse}`])
    expect(r.ctx.doneCount).toBe(1)
  })
  test('nothing newly completed, or tasks still open: conversing stays, the count is kept', () => {
    expect(step(snap('conversing', { doneCount: 1 }), { type: 'taskProgress', done: 1, open: 0, byTool: true }, 'conversing').effects).toEqual([])
    expect(step(snap('conversing'), { type: 'taskProgress', done: 1, open: 1, byTool: false }, 'conversing').ctx.doneCount).toBe(1)
  })
  test('askingAnythingElse: a task tool means the caller wanted more → conversing (or asks again when it completed)', () => {
    step(snap('askingAnythingElse'), { type: 'taskProgress', done: 0, open: 1, byTool: true }, 'conversing')
    expect(says(step(snap('askingAnythingElse'), { type: 'taskProgress', done: 1, open: 0, byTool: true }, 'askingAnythingElse').effects)).toHaveLength(1)
  })
  test('askingAnythingElse: a background result keeps the question open, without asking twice', () => {
    expect(step(snap('askingAnythingElse'), { type: 'taskProgress', done: 1, open: 0, byTool: false }, 'askingAnythingElse').effects).toEqual([])
  })
  test('before the greeting and while ending, progress is only counted', () => {
    for (const s of ['connecting', 'greeting', ...SAYING, 'hangingUp', 'leaving'] as const) {
      const r = step(snap(s), { type: 'taskProgress', done: 2, open: 0, byTool: true }, s)
      expect(r.effects).toEqual([])
      expect(r.ctx.doneCount).toBe(2)
    }
  })
})

describe('transfer', () => {
  test('with a target: → transferring, the hold line, then hang-up waits for playback', () => {
    const r = step(snap('conversing', WITH_TARGET), { type: 'transferRequested', callId: 'c1', reason: 'wants a person' }, 'transferring')
    expect(says(r.effects)).toEqual([`transfer: ${callLines.transferring}`])
    expect(outputs(r.effects)).toEqual([{ status: 'transferring', note: 'The caller is being transferred; say nothing more.' }])
    expect(r.ctx).toMatchObject({ endReason: 'transferred', transfer: { target: 'tel:+18005550100', reason: 'wants a person' } })
    const h = step(r.snapshot, done(['transfer']), 'hangingUp')
    expect(step(h.snapshot, { type: 'playFinished', streamId: '7' }, 'leaving').effects).toEqual([{ kind: 'transfer', target: 'tel:+18005550100', reason: 'wants a person' }])
  })
  test('without a target the tool answers not_available and nothing changes', () => {
    const r = step(snap('conversing'), { type: 'transferRequested', callId: 'c1', reason: 'x' }, 'conversing')
    expect(r.effects.map((e) => e.kind)).toEqual(['toolOutput'])
    expect(outputs(r.effects)[0]?.error).toBe('not_available')
  })
  test('leaving → conversing when the transfer fails: the call is ours again, with an apology', () => {
    const r = step(snap('leaving', { ...WITH_TARGET, endReason: 'transferred', transfer: { target: 't', reason: 'r' } }), { type: 'transferFailed', status: 'failed' }, 'conversing')
    expect(r.effects).toEqual([
      { kind: 'transferFailed', status: 'failed' },
      { kind: 'say', line: fixedLine(callLines.transferFailed), purpose: 'transfer-failed' },
    ])
    expect(r.ctx).toMatchObject({ endReason: null, transfer: null })
  })
  test('a failed transfer after a dead model hangs up; after a closing it is not ours to handle', () => {
    expect(step(snap('leaving', { endReason: 'failed' }), { type: 'transferFailed', status: 'busy' }, 'leaving').effects).toEqual([{ kind: 'hangup', reason: 'assistant-unavailable' }])
    ignored(snap('leaving', { endReason: 'completed' }), { type: 'transferFailed', status: 'busy' })
    ignored(snap('conversing'), { type: 'transferFailed', status: 'busy' })
  })
})

describe('silence', () => {
  test('VAIC no-input: "Are you still there?" and the count goes up', () => {
    const r = step(snap('conversing'), { type: 'silence', source: 'vaic', at: 10_000 }, 'conversing')
    expect(says(r.effects)).toEqual([`silence: ${callLines.stillThere}`])
    expect(r.effects[0]).toEqual({ kind: 'log', message: 'call.silence', fields: { source: 'vaic', count: 1 } })
    expect(r.ctx).toMatchObject({ silenceCount: 1, lastSilenceAt: 10_000 })
  })
  test('the model idle timeout re-prompts by itself: counted, nothing said', () => {
    expect(says(step(snap('conversing'), { type: 'silence', source: 'vad', at: 10_000 }, 'conversing').effects)).toEqual([])
  })
  test('both timers for one silence count once', () => {
    const r = step(snap('conversing', { silenceCount: 1, lastSilenceAt: 10_000 }), { type: 'silence', source: 'vad', at: 11_999 }, 'conversing')
    expect(r.effects).toEqual([])
    expect(r.ctx.silenceCount).toBe(1)
  })
  test('past the re-prompts → sayingGoodbye; a server re-prompt already started is cancelled', () => {
    const r = step(snap('conversing', { silenceCount: 2, lastSilenceAt: 0 }), { type: 'silence', source: 'vad', at: 50_000 }, 'sayingGoodbye')
    expect(r.effects.map((e) => e.kind)).toEqual(['log', 'cancelReprompt', 'say'])
    expect(says(r.effects)).toEqual([`goodbye: ${callLines.silenceGoodbye}`])
    expect(r.ctx.endReason).toBe('silence')
    expect(step(snap('conversing', { silenceCount: 2, lastSilenceAt: 0 }), { type: 'silence', source: 'vaic', at: 50_000 }, 'sayingGoodbye').effects.map((e) => e.kind)).toEqual(['log', 'say'])
  })
  test('the caller speaking resets the count, in any live state', () => {
    for (const s of LIVE) expect(step(snap(s, { silenceCount: 2 }), { type: 'callerSpoke' }, s).ctx.silenceCount).toBe(0)
  })
  test('silence while the call is ending is ignored', () => {
    for (const s of [...SAYING, 'hangingUp', 'leaving'] as const) ignored(snap(s), { type: 'silence', source: 'vaic', at: 1 })
  })
})

describe('limits, shutdown and a dead upstream', () => {
  test('the call-length limit → sayingGoodbye (only while talking)', () => {
    for (const s of TALKING) {
      const r = step(snap(s), { type: 'limitReached' }, 'sayingGoodbye')
      expect(says(r.effects)).toEqual([`goodbye: ${callLines.timeLimit}`])
      expect(r.ctx.endReason).toBe('max-duration')
    }
    for (const s of [...SAYING, 'hangingUp', 'leaving'] as const) ignored(snap(s), { type: 'limitReached' })
  })
  test('shutdown with the model up → sayingGoodbye with the hard deadline armed; the line says whether tasks are saved', () => {
    const ev = (openTasks: number): LifecycleEvent => ({ type: 'shutdown', reason: 'server-shutdown', graceMs: 6000, modelReady: true, openTasks })
    const r = step(snap('conversing'), ev(1), 'sayingGoodbye')
    expect(r.effects).toEqual([{ kind: 'timer', name: 'shutdown', afterMs: 6000 }, { kind: 'say', line: fixedLine(callLines.shutdownSaved), purpose: 'goodbye' }])
    expect(r.ctx).toMatchObject({ endReason: 'shutdown', shutdownReason: 'server-shutdown' })
    expect(says(step(snap('conversing'), ev(0), 'sayingGoodbye').effects)).toEqual([`goodbye: ${callLines.shutdown}`])
  })
  test('shutdown with the model down, or while already ending → leaving: hang up now', () => {
    const ev: LifecycleEvent = { type: 'shutdown', reason: 'drain', graceMs: 100, modelReady: false, openTasks: 0 }
    expect(step(snap('connecting'), ev, 'leaving').effects).toEqual([{ kind: 'timer', name: 'shutdown', afterMs: 100 }, { kind: 'hangup', reason: 'drain' }])
    for (const s of [...SAYING, 'hangingUp', 'leaving'] as const) step(snap(s), { ...ev, modelReady: true }, 'leaving')
  })
  test('the shutdown deadline hangs up whatever the state (and only after a shutdown)', () => {
    for (const s of LIVE) expect(step(snap(s, { endReason: 'shutdown', shutdownReason: 'drain' }), { type: 'shutdownTimer' }, 'leaving').effects).toEqual([{ kind: 'hangup', reason: 'drain' }])
    ignored(snap('conversing'), { type: 'shutdownTimer' })
  })
  test('upstream lost while talking or saying the last words → hangingUp with the recorded apology; recorded as failed', () => {
    for (const s of [...TALKING, ...SAYING]) {
      const r = step(snap(s), { type: 'upstreamLost', code: 'invalid_api_key' }, 'hangingUp')
      expect(r.effects).toEqual([{ kind: 'apologise' }])
      expect(r.ctx).toMatchObject({ endReason: 'failed', transfer: null, finalStreamId: null })
    }
  })
  test('the apology playing: hang up after its stream, or transfer when there is a target', () => {
    const t = step(snap('conversing', WITH_TARGET), { type: 'upstreamLost', code: 'insufficient_quota' }, 'hangingUp')
    expect(t.ctx.transfer).toEqual({ target: 'tel:+18005550100', reason: 'assistant unavailable (insufficient_quota)' })
    const playing = step(t.snapshot, { type: 'apologyStarted', streamId: '4', remainingMs: 2500 }, 'hangingUp')
    expect(playing.effects).toEqual([{ kind: 'timer', name: 'hangup', afterMs: 2500 + HANGUP_MARGIN_MS }])
    expect(step(playing.snapshot, { type: 'playFinished', streamId: '4' }, 'leaving').effects).toEqual([{ kind: 'transfer', target: 'tel:+18005550100', reason: 'assistant unavailable (insufficient_quota)' }])
    const alone = step(snap('conversing'), { type: 'upstreamLost', code: 'upstream_unreachable' }, 'hangingUp')
    expect(step(alone.snapshot, { type: 'hangupTimer' }, 'leaving').effects).toEqual([{ kind: 'hangup', reason: 'assistant-unavailable' }])
    ignored(snap('conversing'), { type: 'apologyStarted', streamId: '4', remainingMs: 0 })
  })
  test('upstream lost while already hanging up or leaving: hang up (or transfer) now', () => {
    expect(step(snap('hangingUp', WITH_TARGET), { type: 'upstreamLost', code: 'x' }, 'leaving').effects).toEqual([{ kind: 'transfer', target: 'tel:+18005550100', reason: 'assistant unavailable (x)' }])
    for (const s of ['hangingUp', 'leaving'] as const) expect(step(snap(s), { type: 'upstreamLost', code: 'x' }, 'leaving').effects).toEqual([{ kind: 'hangup', reason: 'assistant-unavailable' }])
  })
})

describe('last words and hang-up', () => {
  test.each(SAYING)('%s → hangingUp when its last words are done; the fallback timer covers the rest of the audio', (s) => {
    const purpose = s === 'closing' ? 'closing' : s === 'transferring' ? 'transfer' : 'goodbye'
    const r = step(snap(s), done([purpose], '9', 400), 'hangingUp')
    expect(r.effects).toEqual([{ kind: 'timer', name: 'hangup', afterMs: 400 + HANGUP_MARGIN_MS }])
    expect(r.ctx.finalStreamId).toBe('9')
    // a response for something else (an earlier tool result) is not the last words
    ignored(snap(s), done(['tool-result']))
    ignored(snap(s), done([]))
  })
  test('coalesced lines: a response that carries the closing among others is the last words', () => {
    step(snap('closing'), done(['anything-else', 'closing']), 'hangingUp')
  })
  test('hangingUp → leaving on playFinished of the last stream (or one without an id); other streams do not count', () => {
    const h = snap('hangingUp', { endReason: 'completed', finalStreamId: '9' })
    ignored(h, { type: 'playFinished', streamId: '8' })
    expect(step(h, { type: 'playFinished', streamId: '9' }, 'leaving').effects).toEqual([{ kind: 'hangup', reason: 'conversation-complete' }])
    step(h, { type: 'playFinished', streamId: undefined }, 'leaving')
  })
  test('hangingUp → leaving when the fallback timer fires; the reason says why', () => {
    const reasons: [Partial<LifecycleContext>, string][] = [
      [{ endReason: 'completed' }, 'conversation-complete'],
      [{ endReason: 'silence' }, 'silence'],
      [{ endReason: 'max-duration' }, 'max-duration'],
      [{ endReason: 'shutdown', shutdownReason: 'deploy' }, 'deploy'],
      [{ endReason: 'shutdown' }, 'server-shutdown'],
    ]
    for (const [ctx, reason] of reasons) expect(step(snap('hangingUp', ctx), { type: 'hangupTimer' }, 'leaving').effects).toEqual([{ kind: 'hangup', reason }])
    ignored(snap('conversing'), { type: 'hangupTimer' })
    ignored(snap('leaving'), { type: 'playFinished', streamId: undefined })
  })
})

describe('the end', () => {
  test('legEnded → ended from every live state, with one end effect', () => {
    for (const s of LIVE) expect(step(snap(s), { type: 'legEnded', by: 'caller' }, 'ended').effects).toEqual([{ kind: 'end', reason: 'caller-hangup', closed: false }])
  })
  test('why the call ended', () => {
    const c = (endReason: LifecycleContext['endReason']) => ({ ...BASE, endReason })
    expect(endReasonOf(c(null), 'transfer')).toBe('transferred')
    expect(endReasonOf(c('completed'), 'caller')).toBe('completed') // hung up during our goodbye
    expect(endReasonOf(c('silence'), 'caller')).toBe('caller-hangup')
    expect(endReasonOf(c(null), 'caller')).toBe('caller-hangup')
    expect(endReasonOf(c('silence'), 'bot')).toBe('silence')
    expect(endReasonOf(c(null), 'bot')).toBe('completed')
    expect(endReasonOf(c(null), 'server')).toBe('shutdown')
    expect(endReasonOf(c('failed'), 'server')).toBe('failed')
    expect(endReasonOf(c('completed'), 'lost')).toBe('lost')
    expect(endReasonOf(c('completed'), 'vaic-error')).toBe('vaic-error')
    expect(step(snap('leaving', { endReason: 'completed' }), { type: 'legEnded', by: 'bot' }, 'ended').effects).toEqual([{ kind: 'end', reason: 'completed', closed: true }])
  })
})

// ---- property: random event sequences ----------------------------------------------------------------------------

const eventArb: fc.Arbitrary<LifecycleEvent> = fc.oneof(
  fc.constant({ type: 'modelReady' } as const),
  fc.record({ type: fc.constant('greet' as const), line: fc.constantFrom(fixedLine('Hello!'), personalLine('Welcome back!')), asksAnythingElse: fc.boolean() }),
  fc.constant({ type: 'callerSpoke' } as const),
  fc.record({ type: fc.constant('silence' as const), source: fc.constantFrom('vad' as const, 'vaic' as const), at: fc.integer({ min: 0, max: 100_000 }) }),
  fc.record({
    type: fc.constant('endCall' as const),
    callId: fc.constantFrom('c1', 'c2'),
    openTasks: fc.array(fc.constantFrom('booking an appointment', 'taking a message'), { maxLength: 2 }),
    summaries: fc.array(fc.constantFrom(personalLine('Your appointment is confirmed')), { maxLength: 2 }),
  }),
  fc.record({ type: fc.constant('transferRequested' as const), callId: fc.constantFrom('c3'), reason: fc.constantFrom('wants a person') }),
  fc.record({ type: fc.constant('taskProgress' as const), done: fc.integer({ min: 0, max: 3 }), open: fc.integer({ min: 0, max: 2 }), byTool: fc.boolean() }),
  fc.record({
    type: fc.constant('responseDone' as const),
    purposes: fc.array(fc.constantFrom('greeting' as const, 'closing' as const, 'goodbye' as const, 'transfer' as const, 'tool-result' as const), { maxLength: 2 }),
    tail: fc.record({ streamId: fc.option(fc.constantFrom('1', '2'), { nil: undefined }), remainingMs: fc.integer({ min: 0, max: 5000 }) }),
  }),
  fc.record({ type: fc.constant('playFinished' as const), streamId: fc.option(fc.constantFrom('1', '2'), { nil: undefined }) }),
  fc.constant({ type: 'hangupTimer' } as const),
  fc.record({ type: fc.constant('transferFailed' as const), status: fc.constantFrom('failed', 'busy') }),
  fc.constant({ type: 'limitReached' } as const),
  fc.record({ type: fc.constant('shutdown' as const), reason: fc.constant('drain'), graceMs: fc.constant(6000), modelReady: fc.boolean(), openTasks: fc.integer({ min: 0, max: 2 }) }),
  fc.constant({ type: 'shutdownTimer' } as const),
  fc.record({ type: fc.constant('upstreamLost' as const), code: fc.constant('reconnect_failed') }),
  fc.record({ type: fc.constant('apologyStarted' as const), streamId: fc.option(fc.constantFrom('1', '2'), { nil: undefined }), remainingMs: fc.integer({ min: 0, max: 5000 }) }),
  fc.record({ type: fc.constant('legEnded' as const), by: fc.constantFrom('caller' as const, 'bot' as const, 'transfer' as const, 'lost' as const, 'server' as const, 'vaic-error' as const) }),
  // event types that name Object.prototype members: unhandled everywhere, never a crash
  fc.constantFrom('constructor', '__proto__', 'toString').map((type) => ({ type }) as unknown as LifecycleEvent),
)

const STATES = Object.keys(callLifecycle.states)

/** What must hold in every reachable snapshot. */
function consistent(s: Snap): void {
  expect(STATES).toContain(s.state)
  expect(JSON.parse(JSON.stringify(s))).toEqual(s)
  const c = s.context
  expect(c.silenceCount).toBeGreaterThanOrEqual(0)
  expect(c.silenceCount).toBeLessThanOrEqual(c.silenceReprompts + 1)
  switch (s.state) {
    case 'connecting':
    case 'greeting':
    case 'conversing':
    case 'askingAnythingElse':
      expect(c.endReason).toBeNull()
      expect(c.transfer).toBeNull()
      return
    case 'closing':
      expect(c.endReason).toBe('completed')
      return
    case 'transferring':
      expect(c.endReason).toBe('transferred')
      expect(c.transfer).not.toBeNull()
      return
    case 'sayingGoodbye':
      expect(['silence', 'max-duration', 'shutdown']).toContain(String(c.endReason))
      return
    case 'hangingUp':
    case 'leaving':
      expect(c.endReason).not.toBeNull()
      return
    case 'ended':
      return
  }
}

describe('property: random event sequences', () => {
  test('never reach an inconsistent state; the end comes once; ended absorbs every event', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(eventArb, { maxLength: 60 }), fc.array(eventArb, { minLength: 1, maxLength: 10 }), (target, events, after) => {
        let s: Snap = initialSnapshot(callLifecycle, target ? WITH_TARGET : BASE)
        let ends = 0
        for (const ev of events) {
          const r = transition(callLifecycle, s, ev)
          if (!r.handled) expect(r.snapshot).toBe(s)
          for (const fx of r.effects) {
            if (fx.kind === 'say') expect(fx.line.text.length).toBeGreaterThan(0)
            if (fx.kind === 'toolOutput') expect(() => JSON.parse(fx.output) as unknown).not.toThrow()
            if (fx.kind === 'end') ends++
          }
          // A lifecycle tool call is answered exactly once whenever the table takes it.
          if (r.handled && (ev.type === 'endCall' || ev.type === 'transferRequested')) expect(r.effects.filter((e) => e.kind === 'toolOutput')).toHaveLength(1)
          expect(r.effects.some((e) => e.kind === 'end')).toBe(r.snapshot.state === 'ended' && s.state !== 'ended')
          s = r.snapshot
          consistent(s)
        }
        expect(ends).toBe(s.state === 'ended' ? 1 : 0)
        // Drive to the end, then nothing moves it again.
        const end = transition(callLifecycle, s, { type: 'legEnded', by: 'caller' })
        const final = end.snapshot.state === 'ended' ? end.snapshot : s
        expect(final.state).toBe('ended')
        for (const ev of [...after, ...events]) {
          const r = transition(callLifecycle, final, ev)
          expect(r.handled).toBe(false)
          expect(r.snapshot).toBe(final)
          expect(r.effects).toEqual([])
        }
      }),
      { seed: 1314, numRuns: 400 },
    )
  })
})
