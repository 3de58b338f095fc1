/**
 * @module agents/tasks/slot-edges
 * The transitions every slot-collecting state shares (booking, rescheduling, checking availability): fold the day and
 * time words of an event into the slot draft, then go to whichever state handles the outcome. Built by a function so
 * each task's table still reads as a table, with its own targets and questions.
 */
import { applyResolution, hasSlotWords, resolveSlot, type SlotDraft, type SlotWords, type Resolution } from '../domain/slot-request'
import type { Settings } from '../domain/settings'
import type { Effect } from '../effects'
import type { EventBase, Transition } from '../../fsm/fsm'

export type WithSlot = { readonly settings: Settings; readonly slot: SlotDraft }
export type WordsEvent = EventBase & { readonly at: number; readonly date?: string | undefined; readonly time?: string | undefined }

type Outcome<S extends string, C, E> = { readonly target: S; effects(ctx: Readonly<C>, ev: E): readonly Effect[] }

export type SlotOutcomes<S extends string, C, E> = {
  readonly ready: Outcome<S, C, E>
  readonly askTime: Outcome<S, C, E>
  readonly askDate: Outcome<S, C, E>
}

export const resolveWords = <C extends WithSlot>(c: Readonly<C>, e: WordsEvent): Resolution =>
  resolveSlot(c.settings, c.slot, { date: e.date, time: e.time }, e.at)

/**
 * Ready → `ready.target`, a missing or unusable time → `askTime`, a missing or unusable day → `askDate` (last,
 * unguarded). `resolve` lets a task add its own rule on top of `resolveWords` (rescheduling refuses the same slot).
 */
export function slotEdges<S extends string, C extends WithSlot, E extends WordsEvent>(
  o: SlotOutcomes<S, C, E>,
  resolve: (c: Readonly<C>, e: E) => Resolution = resolveWords,
): Transition<S, C, E, Effect>[] {
  const fold = (c: Readonly<C>, e: E): C => ({ ...c, slot: applyResolution(c.slot, resolve(c, e)) })
  return [
    { target: o.ready.target, guard: (c, e) => resolve(c, e).kind === 'ready', assign: fold, effects: o.ready.effects },
    { target: o.askTime.target, guard: (c, e) => resolve(c, e).kind === 'ask_time', assign: fold, effects: o.askTime.effects },
    { target: o.askDate.target, assign: fold, effects: o.askDate.effects },
  ]
}

/** The same edges, taken only when the event says something about a day or a time. */
export function whenWords<S extends string, C, E extends EventBase & SlotWords>(edges: readonly Transition<S, C, E, Effect>[]): Transition<S, C, E, Effect>[] {
  return edges.map((t) => ({ ...t, guard: (c: Readonly<C>, e: E) => hasSlotWords(e) && (t.guard === undefined || t.guard(c, e)) }))
}

/** Clears the last problem, for a question asked again as it was. */
export const clearProblem = <C extends WithSlot>(c: Readonly<C>): C => ({ ...c, slot: { ...c.slot, problem: '' } })
