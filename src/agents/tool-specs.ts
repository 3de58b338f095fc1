/**
 * @module agents/tool-specs
 * The tools the model sees for tasks, generated from the registry's TypeBox schemas (TypeBox schemas are JSON
 * Schema): one start tool per task, plus the generic `task_input`, `task_cancel` and, when a dropped call's tasks
 * were restored, `resume_task`. Adding a task adds its tool here without touching the call path.
 */
import type { TSchema } from '@sinclair/typebox'
import type { ToolSpec } from '../realtime/session-config'
import type { TaskRegistry } from './task-definition'

export const RUNTIME_TOOLS: ReadonlySet<string> = new Set(['task_input', 'task_cancel', 'resume_task'])

/** A plain JSON copy (TypeBox keeps its metadata under symbol keys, which JSON drops). */
const json = (s: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(s)) as Record<string, unknown>

export function buildToolSpecs(registry: TaskRegistry, resumeOffered: boolean): ToolSpec[] {
  const specs: ToolSpec[] = registry.tasks.map((t) => ({
    name: t.kind,
    description: `${t.description} Starts a task agent; it answers at once with task_id, status and the next question ("ask"). Do not call it again for the same request.`,
    parameters: json(t.startArgs),
  }))
  // task_input takes the union of every task's input fields; the runtime checks them against the task's own schema.
  const properties: Record<string, unknown> = { task_id: { type: 'string', description: 'the task_id the task was started with' } }
  for (const t of registry.tasks) {
    const props = (json(t.inputArgs).properties ?? {}) as Record<string, unknown>
    for (const [k, v] of Object.entries(props)) if (!(k in properties)) properties[k] = v
  }
  specs.push({
    name: 'task_input',
    description: "Give an open task the caller's answer to its question, in the caller's words (e.g. time: \"10 AM\", confirm: true).",
    parameters: { type: 'object', properties, required: ['task_id'], additionalProperties: false },
  })
  specs.push({
    name: 'task_cancel',
    description: 'Stop an open task because the caller no longer wants it.',
    parameters: { type: 'object', properties: { task_id: { type: 'string' } }, required: ['task_id'], additionalProperties: false },
  })
  if (resumeOffered) {
    specs.push({
      name: 'resume_task',
      description: 'The caller chose, after the welcome back, to continue the saved task or to start over.',
      parameters: {
        type: 'object',
        properties: { task_id: { type: 'string' }, choice: { type: 'string', enum: ['continue', 'start_over'] } },
        required: ['task_id', 'choice'],
        additionalProperties: false,
      },
    })
  }
  return specs
}
