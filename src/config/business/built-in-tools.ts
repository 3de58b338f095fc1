/**
 * @module config/business/built-in-tools
 * Every tool name FastAgent already gives the model: a declared task may not take one (its start tool would shadow a
 * built-in task, task_input or end_call).
 */
import { DEFAULT_TASKS } from '../../agents/tasks/registry'
import { RUNTIME_TOOLS } from '../../agents/tool-specs'
import { LIFECYCLE_TOOLS } from '../../call/lifecycle'

export const BUILT_IN_TOOLS: ReadonlySet<string> = new Set([...DEFAULT_TASKS.map((t) => t.kind), ...RUNTIME_TOOLS, ...LIFECYCLE_TOOLS])
