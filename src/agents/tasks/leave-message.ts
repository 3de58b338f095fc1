/**
 * @module agents/tasks/leave-message
 * Taking a message for the team: the caller's name, the message, and a number to call back (the number they are
 * calling from unless they give another). It is read back before it is saved. The smallest complete task, and the
 * template for new ones: schemas, context, events, the wording, the table, `describe`, the definition.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AtSchema, CancelEventSchema, ResultEvents, type Effect } from '../effects'
import { machine, type Transition } from '../../fsm/fsm'
import { defineTask, type TaskStateMeta } from '../task-definition'
import { lead, packOf } from '../domain/phrases'

// ---- schemas: tool arguments, context, events ----

const Fields = {
  name: Type.Optional(Type.String({ minLength: 1, description: "the caller's name" })),
  message: Type.Optional(Type.String({ minLength: 1, description: 'the message, in the caller’s words' })),
  callback_number: Type.Optional(Type.String({ minLength: 1, description: 'a number to call back, only if not the one they are calling from' })),
}
export const MessageStartArgs = Type.Object(Fields, { additionalProperties: false })
export const MessageInputArgs = Type.Object(
  { ...Fields, confirm: Type.Optional(Type.Boolean({ description: 'true when the caller agreed to the read-back, false when not' })) },
  { additionalProperties: false },
)

const Text = Type.Union([Type.String(), Type.Null()])
export const MessageContext = Type.Object({
  name: Text,
  message: Text,
  /** A number the caller gave; `caller` (their own number, when known) is used otherwise. */
  callbackNumber: Text,
  caller: Text,
  /** Why the last answer was not taken ('' when nothing to explain). */
  problem: Type.String(),
  /** The call's language (absent: English, and in snapshots from before languages). */
  language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('de'), Type.Literal('es')])),
})
export type MessageContext = Static<typeof MessageContext>

export const MessageEvent = Type.Union([
  Type.Object({ type: Type.Literal('start'), at: AtSchema, ...Fields }),
  Type.Object({ type: Type.Literal('input'), at: AtSchema, ...Fields, confirm: Type.Optional(Type.Boolean()) }),
  ResultEvents.message_saved,
  ResultEvents.domain_error,
  CancelEventSchema,
])
export type MessageEvent = Static<typeof MessageEvent>

type State = 'idle' | 'collecting' | 'confirming' | 'saving' | 'saved' | 'cancelled' | 'failed'
type Ctx = MessageContext
type Words = Extract<MessageEvent, { type: 'start' | 'input' }>
type Input = Extract<MessageEvent, { type: 'input' }>

// ---- what the caller hears ----
// The name and the message are the caller's own words: the bot's lines refer to them ("your message"), never quote
// them (the runtime refuses a line that does); the model gets them as data with the read-back question. The callback
// number is a validated slot: reduced to its digits.

const number = (c: Ctx) => c.callbackNumber ?? c.caller
const say = (c: Ctx) => packOf(c.language).message
/** Everything taking a message says, from the call's language pack. */
export const messageText = {
  ask: (c: Ctx): string => lead(c.problem, c.name === null ? say(c).askName : c.message === null ? say(c).askMessage : say(c).askNumber),
  readBack: (c: Ctx): string => say(c).readBack(c.callbackNumber ?? ''),
  saved: (c: Ctx): string => say(c).saved,
  summary: (c: Ctx): string => say(c).summary,
  badNumber: (c: Ctx): string => say(c).badNumber,
  declined: (c: Ctx): string => say(c).declined,
  cancelled: (c: Ctx): string => say(c).cancelled,
  failed: (c: Ctx): string => say(c).failed,
}

// ---- the table ----

const need = (c: Ctx): string => (c.name === null ? 'name' : c.message === null ? 'message' : 'callback_number')
const complete = (c: Ctx) => c.name !== null && c.message !== null && number(c) !== null
// Seven digits is the shortest number anyone can be called back on; anything less was misheard.
const phoneOk = (n: string) => n.replace(/\D/g, '').length >= 7
/**
 * The number as a slot value: its digits in the caller's grouping (and a leading +), nothing else they said around
 * them: '(415) 555-0188, and ignore…' → '415 555 0188'.
 */
export function canonicalNumber(n: string): string {
  const t = n.trim()
  const digits = t.replace(/[^\d]+/g, ' ').trim()
  return `${t.startsWith('+') ? '+' : ''}${digits}`
}

/** The context with whatever the caller said; a callback number that cannot be one is refused with a reason. */
function merge(c: Ctx, e: Words): Ctx {
  const bad = e.callback_number !== undefined && !phoneOk(e.callback_number)
  return {
    ...c,
    name: e.name?.trim() || c.name,
    message: e.message?.trim() || c.message,
    callbackNumber: e.callback_number !== undefined && !bad ? canonicalNumber(e.callback_number) : c.callbackNumber,
    problem: bad ? messageText.badNumber(c) : '',
  }
}
const said = (e: Words) => e.name !== undefined || e.message !== undefined || e.callback_number !== undefined

const askNext = (c: Ctx): Effect[] => [{ kind: 'ask', text: messageText.ask(c), need: [need(c)] }]
const readBack = (c: Ctx): Effect[] => [{ kind: 'ask', text: messageText.readBack(c), need: ['confirm'] }]

/** Fold in what was said, then read it back if everything is there, or ask for what is missing. */
const collect = <E extends Words>(): Transition<State, Ctx, E, Effect>[] => [
  { target: 'confirming', guard: (c, e) => complete(merge(c, e)) && merge(c, e).problem === '', assign: merge, effects: readBack },
  { target: 'collecting', assign: merge, effects: askNext },
]
const cancel: Transition<State, Ctx, Extract<MessageEvent, { type: 'cancel' }>, Effect> = {
  target: 'cancelled',
  effects: (c) => [{ kind: 'say', text: messageText.cancelled(c) }],
}

export const leaveMessageMachine = machine<Ctx, MessageEvent, Effect, TaskStateMeta<Ctx>>()({
  id: 'leave_message',
  version: 1,
  initial: 'idle',
  states: {
    idle: { meta: { status: 'open' }, on: { start: collect(), cancel } },
    collecting: { meta: { status: 'open', pending: (c) => ({ ask: messageText.ask({ ...c, problem: '' }), need: [need(c)] }) }, on: { input: collect(), cancel } },
    confirming: {
      meta: { status: 'open', pending: (c) => ({ ask: messageText.readBack(c), need: ['confirm'] }) },
      on: {
        input: [
          {
            target: 'saving',
            guard: (_c, e) => e.confirm === true && !said(e),
            effects: (c) => [
              { kind: 'save_message', name: c.name ?? '', message: c.message ?? '', ...(number(c) === null ? {} : { callbackNumber: number(c) ?? '' }) },
            ],
          },
          // A correction ('no, my name is Anne') changes the field and reads it back again.
          ...collect<Input>().map((t) => ({ ...t, guard: (c: Ctx, e: Input) => said(e) && (t.guard?.(c, e) ?? true) })),
          {
            target: 'collecting',
            guard: (_c, e) => e.confirm === false,
            assign: (c) => ({ ...c, message: null, problem: messageText.declined(c) }),
            effects: askNext,
          },
          { target: 'confirming', effects: readBack },
        ],
        cancel,
      },
    },
    saving: {
      meta: { status: 'open' },
      on: {
        message_saved: {
          target: 'saved',
          effects: (c) => [
            { kind: 'say', text: messageText.saved(c) },
            { kind: 'done', summary: messageText.summary(c) },
          ],
        },
        domain_error: { target: 'failed', effects: (c, e) => [{ kind: 'say', text: messageText.failed(c) }, { kind: 'failed', reason: e.reason }] },
      },
    },
    saved: { final: true, meta: { status: 'done' } },
    cancelled: { final: true, meta: { status: 'cancelled' } },
    failed: { final: true, meta: { status: 'failed' } },
  },
})

// ---- describe (for the status block and the welcome back) and the definition ----

/** What the task is doing, for the status block and the welcome back: never the caller's name or message. */
export function messageSummary(c: Ctx): string {
  return say(c).progress
}

export const leaveMessage = defineTask<State, Ctx, MessageEvent>({
  kind: 'leave_message',
  title: 'taking a message',
  noun: 'message',
  description: 'Take a message for the team (name, message, and a callback number if not the one they call from).',
  startArgs: MessageStartArgs,
  inputArgs: MessageInputArgs,
  machine: leaveMessageMachine,
  contextSchema: MessageContext,
  eventSchema: MessageEvent,
  start: (args, env) => ({
    context: { name: null, message: null, callbackNumber: null, caller: env.caller ?? null, problem: '', ...(env.business && env.business.language !== 'en' ? { language: env.business.language } : {}) },
    event: { type: 'start', at: env.now, ...(args as Static<typeof MessageStartArgs>) },
  }),
  input: (fields, now) => ({ type: 'input', at: now, ...(fields as Static<typeof MessageInputArgs>) }),
  cancelEvent: (now) => ({ type: 'cancel', at: now }),
  summary: (s) => messageSummary(s.context),
  callerWords: (c) => ({ name: c.name, message: c.message }),
})
