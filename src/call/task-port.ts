/**
 * @module call/task-port
 * What the call session needs from the task runtime (src/agents/runtime.ts implements it): the task tools, tool
 * calls, the status lines the instructions carry, and the summaries the closing and welcome-back lines are built from.
 */
import type { ToolSpec } from '../realtime/session-config'
import type { SpokenLine } from './spoken-line'

export type OpenTaskInfo = {
  readonly id: string
  readonly kind: string
  readonly title: string
  /** 'booking an appointment for tomorrow at 10 AM' */
  readonly summary: SpokenLine
  readonly pending?: { readonly ask: SpokenLine; readonly need: readonly string[] }
}

/**
 * A background result to be spoken when the line is idle. `output` is the task's function output for it (the JSON a
 * tool call would have got: `say`, `ask`, a look-up's answer with its `say_is` note): the model gets the result as a
 * tool result, which is data, never in instructions or a system note (a look-up's answer is a third party's text).
 */
export type TaskUpdate = { readonly taskId: string; readonly kind: string; readonly say?: SpokenLine; readonly ask?: SpokenLine; readonly output: string }

/**
 * What a tool call answers: the function output (a JSON string) for the model, and, when the step ends on a fixed
 * question with nothing else to say ('What time would you like?': a pack or business-file line, no caller data), that
 * question — the call may then say it itself (from the phrase cache) instead of asking the model to.
 */
export type ToolAnswer = { readonly output: string; readonly question?: SpokenLine }

export interface TaskPort {
  tools(): readonly ToolSpec[]
  handles(toolName: string): boolean
  /** Runs a tool call. Never rejects for bad input. */
  answer(toolName: string, argsJson: string): Promise<ToolAnswer>
  /** One line per open task, for the instructions' status block (our wording and validated slots only). */
  statusLines(): SpokenLine[]
  openTasks(): readonly OpenTaskInfo[]
  /** The questions the open tasks wait on, as updates (a new model session after a reconnect asks them again). */
  pendingQuestions(): TaskUpdate[]
  /** Summaries of tasks completed in this call, for the closing line. */
  doneSummaries(): SpokenLine[]
  /** DTMF in a confirmation: 1 = yes, 2 = no. Undefined when no task waits for a confirmation. */
  confirmByDigit(digit: string): Promise<{ taskId: string; kind: string; output: string; say?: SpokenLine; ask?: SpokenLine } | undefined>
  /** Called once the call is over. */
  stop(): void
}
