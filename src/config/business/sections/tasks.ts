/**
 * @module config/business/sections/tasks
 * Declarative tasks: forms (collect typed fields, read them back, confirm, submit by signed webhook) and look-ups
 * (collect a reference, ask the business's system, say its answer). The shape only; the checks a schema cannot make
 * (ids clashing with built-in tools, placeholders naming fields, min ≤ max) are in agents/declared/resolve-tasks.
 */
import { Type, type Static } from '@sinclair/typebox'
import { strict, Text } from './common'

/** A task id becomes a tool name: lowercase words joined by underscores, like `prescription_refill`. */
export const TaskId = Type.String({ pattern: '^[a-z][a-z0-9_]{1,39}$', problem: 'must be a tool name of lowercase letters, digits and _ (like "prescription_refill")' })
const FieldName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$', problem: 'must be a field name of lowercase letters, digits and _ (like "date_of_birth")' })

export const FIELD_TYPES = ['text', 'date', 'time', 'number', 'phone', 'email', 'choice', 'yes_no'] as const
export type FieldType = (typeof FIELD_TYPES)[number]

export const ChoiceOption = Type.Union([Text(80), strict({ value: Text(80), synonyms: Type.Optional(Type.Array(Text(80), { maxItems: 30 })) })], {
  problem: 'must be an option name, or { value: …, synonyms: [ … ] }',
})

export const FieldSchema = strict({
  name: FieldName,
  type: Type.Union(
    FIELD_TYPES.map((t) => Type.Literal(t)),
    { problem: `must be one of ${FIELD_TYPES.join(', ')}` },
  ),
  /** The question the bot asks for this field. */
  ask: Text(300),
  /** How the bot names the field ("we still need your date of birth"); default: the name with spaces. */
  label: Type.Optional(Text(60)),
  /** Optional fields may be left out (the caller says "none" or "skip"). */
  optional: Type.Optional(Type.Boolean()),
  /** text: length bounds (default 1-200). */
  min_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  max_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  /** number: range. */
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  /** choice: the options. */
  options: Type.Optional(Type.Array(ChoiceOption, { minItems: 2, maxItems: 30 })),
})
export type FieldEntry = Static<typeof FieldSchema>

export const SubmitSchema = strict({
  url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 500, problem: 'must be an http:// or https:// URL' }),
  /** The environment variable holding the HMAC secret (checked at boot: a missing one stops the server, exit 78). */
  secret_env: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}$', problem: 'must be an environment variable name like REFILL_WEBHOOK_SECRET' }),
  /** What the body says about the caller's number: all of it, the last three digits, or nothing (default masked). */
  caller: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('masked'), Type.Literal('none')], { problem: 'must be full, masked or none' })),
  timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
})
export type SubmitEntry = Static<typeof SubmitSchema>

export const TaskSchema = strict({
  id: TaskId,
  kind: Type.Optional(Type.Union([Type.Literal('form'), Type.Literal('lookup')], { problem: 'must be form or lookup' })),
  /** "Prescription refill": the resume line, the drop SMS and the console say it. Default: the id with spaces. */
  title: Type.Optional(Text(60)),
  /** Tells the model when to start the task. */
  description: Type.Optional(Text(500)),
  fields: Type.Array(FieldSchema, { minItems: 1, maxItems: 20 }),
  /** The read-back before sending, with {field} placeholders (forms). */
  confirm: Type.Optional(Text(600)),
  submit: SubmitSchema,
  /** What the bot says once the business's system took the form. */
  done: Type.Optional(Text(600)),
})
export type TaskEntry = Static<typeof TaskSchema>

export const TasksSection = Type.Array(TaskSchema, { maxItems: 30 })
