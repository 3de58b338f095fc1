/**
 * @module agents/declared/declared-task
 * One generic form machine and one look-up machine, generated from a {@link DeclaredTask} of the business file, on
 * the same FSM engine and behind the same {@link TaskDefinition} contract as the built-in tasks — so checkpoints,
 * resume, concurrency and the console come with them.
 *
 *   collecting ──all fields──▶ confirming ──yes──▶ submitting ──2xx──▶ done
 *        ▲  (look-ups skip confirming)  │ no / a correction: read back again        └─4xx / gave up──▶ failed
 *
 * Any state before `submitting` takes any field again: "no, my date of birth is …" replaces the value and the bot
 * reads back (or asks on). A value that does not fit its field is not taken; the reason goes back to the model with
 * the question. Submission is the `webhook` effect: the runtime puts it in the outbox (see declared/webhook-job).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { AtSchema, CancelEventSchema, type Effect } from '../effects'
import { machine, type Transition } from '../../fsm/fsm'
import { defineTask, type TaskDefinition, type TaskStateMeta } from '../task-definition'
import type { DeclaredField, DeclaredTask } from '../../config/business/business'
import { LANGUAGES, type Language } from '../../i18n/languages'
import { packFor } from '../../i18n/packs'
import { fill } from '../../i18n/pack'
import { isSkip, parseField, spokenValue, type FieldValue } from './field-values'

const Value = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()])

export const DeclaredContext = Type.Object({
  lang: Type.Union(LANGUAGES.map((l) => Type.Literal(l))),
  tz: Type.String(),
  caller: Type.Union([Type.String(), Type.Null()]),
  values: Type.Record(Type.String(), Value),
  skipped: Type.Array(Type.String()),
  /** The last value refused, and why ('' when nothing to explain). */
  problem: Type.Object({ field: Type.String(), reason: Type.String() }),
  /** The look-up's answer, or the form's done line, once there is one. */
  result: Type.Union([Type.String(), Type.Null()]),
})
export type DeclaredContext = Static<typeof DeclaredContext>

const Values = Type.Record(Type.String({ maxLength: 40 }), Value)

export const DeclaredEvent = Type.Union([
  Type.Object({ type: Type.Literal('input'), at: AtSchema, values: Values, confirm: Type.Optional(Type.Boolean()) }),
  /** The business's system took it (2xx); a look-up's answer is its `say`, already validated. */
  Type.Object({ type: Type.Literal('submitted'), at: AtSchema, say: Type.Optional(Type.String({ maxLength: 500 })) }),
  /** Refused (4xx), an answer that is not `{ "say": … }`, or no answer after every retry. */
  Type.Object({ type: Type.Literal('submit_failed'), at: AtSchema, reason: Type.String() }),
  CancelEventSchema,
])
export type DeclaredEvent = Static<typeof DeclaredEvent>

type State = 'collecting' | 'confirming' | 'submitting' | 'done' | 'failed' | 'cancelled'
type Ctx = DeclaredContext
type Input = Extract<DeclaredEvent, { type: 'input' }>

/** What a field accepts in a tool call: the caller's words (and numbers or booleans where they fit). */
function fieldSchema(f: DeclaredField): TSchema {
  const description = `${f.label}: ${f.ask}${f.type === 'text' ? '' : ` (${f.type.replace('_', '/')}, in the caller's words)`}`
  if (f.type === 'number') return Type.Union([Type.Number(), Type.String({ minLength: 1, maxLength: 100 })], { description })
  if (f.type === 'yes_no') return Type.Union([Type.Boolean(), Type.String({ minLength: 1, maxLength: 100 })], { description })
  return Type.String({ minLength: 1, maxLength: Math.max(200, f.maxLength * 2), description })
}

export function declaredTask(d: DeclaredTask): TaskDefinition<State, Ctx, DeclaredEvent> {
  const props = Object.fromEntries(d.fields.map((f) => [f.name, Type.Optional(fieldSchema(f))]))
  const startArgs = Type.Object(props, { additionalProperties: false })
  const inputArgs = Type.Object(
    { ...props, ...(d.kind === 'form' ? { confirm: Type.Optional(Type.Boolean({ description: 'true when the caller agreed to the read-back, false when not' })) } : {}) },
    { additionalProperties: false },
  )
  const byName = new Map(d.fields.map((f) => [f.name, f]))
  const forms = (c: Ctx) => packFor(c.lang).forms

  // ---- what the caller gave, and what is still missing ----

  const envOf = (c: Ctx, at: number) => ({ now: at, tz: c.tz, lang: c.lang, caller: c.caller ?? undefined })
  /** The context with every value that fits taken; the first one that does not is kept as the problem. */
  const merge = (c: Ctx, e: Input): Ctx => {
    const values = { ...c.values }
    const skipped = new Set(c.skipped)
    let problem = { field: '', reason: '' }
    for (const f of d.fields) {
      const raw = Object.hasOwn(e.values, f.name) ? e.values[f.name] : undefined
      if (raw === undefined) continue
      if (f.optional && isSkip(raw, c.lang)) {
        delete values[f.name]
        skipped.add(f.name)
        continue
      }
      const r = parseField(f, raw, envOf(c, e.at))
      if (r.ok) {
        values[f.name] = r.value
        skipped.delete(f.name)
      } else if (problem.field === '') problem = { field: f.name, reason: r.reason }
    }
    return { ...c, values, skipped: [...skipped], problem }
  }
  const missing = (c: Ctx): DeclaredField | undefined => d.fields.find((f) => !Object.hasOwn(c.values, f.name) && !c.skipped.includes(f.name))
  const complete = (c: Ctx) => missing(c) === undefined
  const corrects = (e: Input) => Object.keys(e.values).some((k) => byName.has(k))

  // ---- what the caller hears ----

  const askFor = (c: Ctx, f: DeclaredField): string => {
    const offer = f.type === 'phone' && c.caller !== null ? ` ${forms(c).offerOwnNumber(c.caller.slice(-3))}` : ''
    return `${f.ask}${offer}`
  }
  const withProblem = (c: Ctx, q: string) => (c.problem.reason === '' ? q : `${c.problem.reason} ${q}`)
  const spoken = (c: Ctx, name: string): string => {
    const f = byName.get(name)
    const v = c.values[name]
    return f === undefined || v === undefined ? '' : spokenValue(f, v, c.lang)
  }
  // The caller's free text (a name, a medication, an email address) is never part of a line the bot says on its own:
  // the read-back names it `[full_name]`, and the runtime hands the model the words themselves as quoted data
  // (`caller_said`, see callerWords). Canonical values (dates, times, numbers, choices, yes/no, phone digits) are
  // the bot's own wording of what it understood, and are read back as such.
  const freeText = (f: DeclaredField) => f.type === 'text' || f.type === 'email'
  const readBack = (c: Ctx): string => {
    const slot = (f: DeclaredField) => (freeText(f) ? `[${f.name}]` : spoken(c, f.name))
    if (d.confirm !== undefined) return fill(d.confirm, Object.fromEntries(d.fields.map((f) => [f.name, slot(f)])))
    const t = forms(c)
    return t.confirmDefault(d.fields.filter((f) => Object.hasOwn(c.values, f.name)).map((f) => t.item(f.label, slot(f))).join(', '))
  }
  const doneText = (c: Ctx): string => (d.done !== undefined ? fill(d.done, Object.fromEntries(d.fields.map((f) => [f.name, freeText(f) ? f.label : spoken(c, f.name)]))) : forms(c).sent(d.title))
  const title = (lang: Language) => packFor(lang).forms.taking(d.title)

  /** The question the task waits on in `collecting`: the refused field again, else the next missing one. */
  const pendingField = (c: Ctx): DeclaredField | undefined => byName.get(c.problem.field) ?? missing(c)
  const ask = (c: Ctx): Effect[] => {
    const f = pendingField(c)
    return f === undefined ? [] : [{ kind: 'ask', text: withProblem(c, askFor(c, f)), need: [f.name] }]
  }
  const confirmAsk = (c: Ctx): Effect[] => [{ kind: 'ask', text: withProblem(c, readBack(c)), need: ['confirm'] }]
  const submit = (c: Ctx): Effect[] => [{ kind: 'webhook', fields: { ...c.values } }]

  // ---- the table ----

  const cancel = { target: 'cancelled' as const }
  // Look-ups have no read-back: the last field sends the question.
  const collectingInput: readonly Transition<State, Ctx, Input, Effect>[] = [
    d.kind === 'form'
      ? { target: 'confirming', guard: (c, e) => complete(merge(c, e)) && merge(c, e).problem.field === '', assign: merge, effects: confirmAsk }
      : { target: 'submitting', guard: (c, e) => complete(merge(c, e)) && merge(c, e).problem.field === '', assign: merge, effects: submit },
    { target: 'collecting', assign: merge, effects: ask },
  ]
  const m = machine<Ctx, DeclaredEvent, Effect, TaskStateMeta<Ctx>>()({
    id: `declared:${d.id}`,
    version: 1,
    initial: 'collecting',
    states: {
      collecting: {
        meta: { status: 'open', pending: (c) => ask(c).flatMap((e) => (e.kind === 'ask' ? [{ ask: e.text, need: e.need }] : []))[0] ?? { ask: readBack(c), need: ['confirm'] } },
        on: { input: collectingInput, cancel },
      },
      confirming: {
        meta: { status: 'open', pending: (c) => ({ ask: readBack(c), need: ['confirm'] }) },
        on: {
          input: [
            // A correction is read back again before anything is sent, even with a "yes" in the same breath.
            { target: 'confirming', guard: (c, e) => corrects(e) && complete(merge(c, e)), assign: merge, effects: confirmAsk },
            { target: 'collecting', guard: (_c, e) => corrects(e), assign: merge, effects: ask },
            { target: 'submitting', guard: (_c, e) => e.confirm === true, assign: (c) => ({ ...c, problem: { field: '', reason: '' } }), effects: submit },
            {
              target: 'confirming',
              guard: (_c, e) => e.confirm === false,
              effects: (c) => [{ kind: 'ask', text: forms(c).whatToChange, need: [...d.fields.map((f) => f.name), 'confirm'] }],
            },
          ],
          cancel,
        },
      },
      submitting: {
        meta: { status: 'open' },
        on: {
          submitted: {
            target: 'done',
            assign: (c, e) => ({ ...c, result: d.kind === 'lookup' ? (e.say ?? '') : doneText(c) }),
            effects: (c) => [
              // What the caller hears now goes to the model as function-output data. The summary is what the closing
              // and welcome-back lines repeat on their own: never the caller's words (a `done` with {field}s) nor a
              // look-up's answer (the business system's text) — only fixed words.
              { kind: 'say', text: c.result ?? '' },
              { kind: 'done', summary: d.kind === 'lookup' ? '' : d.done !== undefined && !/\{\w+\}/.test(d.done) ? d.done : forms(c).sent(d.title) },
            ],
          },
          submit_failed: {
            target: 'failed',
            effects: (c, e) => [
              { kind: 'say', text: d.kind === 'lookup' ? forms(c).lookupFailed(d.title) : forms(c).failed(d.title) },
              { kind: 'failed', reason: e.reason },
            ],
          },
        },
      },
      done: { final: true, meta: { status: 'done' } },
      failed: { final: true, meta: { status: 'failed' } },
      cancelled: { final: true, meta: { status: 'cancelled' } },
    },
  })

  const summary = (state: string, c: Ctx): string => {
    const t = forms(c)
    const f = pendingField(c)
    if (state === 'collecting' && f !== undefined) return `${title(c.lang)}: ${t.stillNeed(f.label)}`
    if (state === 'confirming') return `${title(c.lang)}: ${t.readyToSend}`
    if (state === 'submitting') return `${title(c.lang)}: ${t.sending}`
    return c.result ?? title(c.lang)
  }

  return defineTask<State, Ctx, DeclaredEvent>({
    kind: d.id,
    title: title('en'),
    noun: d.title.toLowerCase(),
    // A look-up only informs: its answer is not repeated in the call's closing line.
    informational: d.kind === 'lookup',
    description: `${d.description} (${d.kind === 'form' ? 'a form' : 'a look-up'} collecting: ${d.fields.map((f) => f.label).join(', ')}; pass any of them the caller already said)`,
    startArgs,
    inputArgs,
    machine: m,
    contextSchema: DeclaredContext,
    eventSchema: DeclaredEvent,
    declared: d,
    start: (args, env) => {
      const lang = env.business?.language ?? 'en'
      return {
        context: { lang, tz: env.tz, caller: env.caller ?? null, values: {}, skipped: [], problem: { field: '', reason: '' }, result: null },
        event: { type: 'input', at: env.now, values: args as Record<string, FieldValue> },
      }
    },
    input: (fields, now) => {
      const { confirm, ...values } = fields as Record<string, FieldValue> & { confirm?: boolean }
      return { type: 'input', at: now, values, ...(typeof confirm === 'boolean' ? { confirm } : {}) }
    },
    cancelEvent: (now) => ({ type: 'cancel', at: now }),
    summary: (s) => summary(s.state, s.context),
    // A look-up's answer may echo the reference the caller gave ("order A-1234 ships Friday"): it is the business
    // system's text, handed over as data, not a line of ours built from the caller's words.
    callerWords: (c) => d.kind === 'lookup' && c.result !== null ? {} : Object.fromEntries(d.fields.filter(freeText).map((f) => { const v = c.values[f.name]; return [f.name, typeof v === 'string' ? v : null] })),
  })
}
