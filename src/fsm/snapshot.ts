/**
 * @module fsm/snapshot
 * Restoring a persisted snapshot: the JSON comes from SQLite (or an SMS-resumed call hours later, possibly after a
 * deploy), so it is treated as untrusted input. Shape, machine id, version (with migrations), state name and context
 * schema are all checked; the result is a value, never a throw, so a bad row costs one task and not the call.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { EventBase, Machine, Snapshot } from './fsm'

/** `migrations[v]` turns a version-`v` snapshot into a version-`v + 1` one (the engine sets `version` itself). */
export type Migrations = Readonly<Record<number, (s: Snapshot) => Snapshot>>

export type RestoreResult<S extends string, C> = { ok: true; snapshot: Snapshot<S, C> } | { ok: false; error: string }

export const SnapshotEnvelope = Type.Object({
  machine: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  state: Type.String({ minLength: 1 }),
  context: Type.Unknown(),
  seq: Type.Integer({ minimum: 0 }),
})

export function restoreSnapshot<S extends string, C, E extends EventBase, X, M>(
  m: Machine<S, C, E, X, M>,
  json: unknown,
  contextSchema: TSchema,
  migrations: Migrations = {},
): RestoreResult<S, C> {
  if (!Value.Check(SnapshotEnvelope, json)) return { ok: false, error: `not a snapshot: ${firstError(SnapshotEnvelope, json)}` }
  if (json.machine !== m.id) return { ok: false, error: `snapshot of machine ${JSON.stringify(json.machine)}, expected ${JSON.stringify(m.id)}` }
  if (json.version > m.version) return { ok: false, error: `snapshot version ${json.version} is newer than machine version ${m.version}` }
  let s: Snapshot = json
  while (s.version < m.version) {
    const from = s.version
    const migrate = migrations[from]
    if (migrate === undefined) return { ok: false, error: `no migration from version ${from}` }
    try {
      s = { ...migrate(s), version: from + 1 }
    } catch (e) {
      return { ok: false, error: `migration from version ${from} failed: ${e instanceof Error ? e.message : String(e)}` }
    }
    if (!Value.Check(SnapshotEnvelope, s)) return { ok: false, error: `migration from version ${from} produced a bad snapshot` }
  }
  if (!Object.hasOwn(m.states, s.state)) return { ok: false, error: `unknown state ${JSON.stringify(s.state)}` }
  if (!Value.Check(contextSchema, s.context)) return { ok: false, error: `bad context: ${firstError(contextSchema, s.context)}` }
  // Both checks above are what make these casts true: the state is a key of `states`, the context matches its schema.
  return { ok: true, snapshot: { machine: s.machine, version: s.version, state: s.state as S, context: s.context as C, seq: s.seq } }
}

function firstError(schema: TSchema, value: unknown): string {
  const e = Value.Errors(schema, value).First()
  return e === undefined ? 'invalid' : `${e.path || '/'} ${e.message}`
}
