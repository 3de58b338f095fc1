/**
 * @module call/call-session-config
 * A call's Realtime session config from its business, its audio format, the time and its open tasks. One function
 * for the live call (re-sent when its tasks change) and for the warm session pool (which configures sessions for
 * calls that have not arrived yet: no open tasks), so a pooled session is configured exactly as the call would be.
 */
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime'
import type { Config } from '../config/schema'
import type { Business } from '../config/business/business'
import type { OpenAiAudioFormat } from '../audio/formats'
import { packFor } from '../i18n/packs'
import { hoursIn, nowIn } from '../i18n/hours-words'
import { buildInstructions } from '../realtime/instructions'
import { buildSession, type ToolSpec } from '../realtime/session-config'
import { lifecycleToolSpecs } from './lifecycle'
import { poolKey, type WarmTarget } from '../realtime/session-pool'
import type { TaskRegistry } from '../agents/task-definition'
import { buildToolSpecs } from '../agents/tool-specs'
import type { SpokenLine } from './spoken-line'

export type CallSessionInputs = {
  readonly config: Config
  readonly business: Business
  readonly format: OpenAiAudioFormat
  readonly now: number
  /** The task runtime's status lines (none for a new call): lines we built, never caller text. */
  readonly openTasks: readonly SpokenLine[]
  /** The task runtime's tools; the lifecycle's (end_call, transfer) are added here. */
  readonly taskTools: readonly ToolSpec[]
}

/** The call's instructions, all in its business's language (its pack's `instructions`, hours and date via Intl). */
export function callInstructions(i: Omit<CallSessionInputs, 'format' | 'taskTools'>): string {
  const b = i.business
  const pack = packFor(b.language)
  return buildInstructions({
    lines: pack.instructions,
    businessName: b.name,
    now: nowIn(i.now, b.timeZone, pack),
    timeZone: b.timeZone,
    openingHours: hoursIn(b.hours, pack),
    faq: b.faq,
    services: b.services,
    stillThere: pack.call.stillThere,
    openTasks: i.openTasks,
    transferAvailable: i.config.TRANSFER_TARGET !== undefined,
  })
}

export function callSessionConfig(i: CallSessionInputs): RealtimeSessionCreateRequest {
  const c = i.config
  return buildSession({
    config: c,
    format: i.format,
    instructions: callInstructions(i),
    tools: [...i.taskTools, ...lifecycleToolSpecs(c.TRANSFER_TARGET !== undefined)],
    ...(i.business.voice ? { voice: i.business.voice } : {}),
    language: i.business.language,
    ...(c.TURN_DETECTION === 'server_vad' ? { idleTimeoutMs: c.SILENCE_TIMEOUT_SECONDS * 1000 } : {}),
  })
}

/**
 * What the warm pool prepares for a new call of `business` in `format`: its session as a call that has just started
 * would send it (no open tasks, the registry's tools), recomputed when asked so the time in it stays current.
 */
export function freshCallTarget(d: { readonly config: Config; readonly tasks: TaskRegistry; readonly now: () => number }, business: Business, format: OpenAiAudioFormat): WarmTarget {
  const session = () => callSessionConfig({ config: d.config, business, format, now: d.now(), openTasks: [], taskTools: buildToolSpecs(d.tasks, false) })
  return { key: poolKey(session()), session }
}
