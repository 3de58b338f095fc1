/**
 * @module agents/task-test-kit
 * Shared fixtures for task tests (not shipped behaviour): a New York business open Mon–Fri 9–5 and Sat 10–2 with
 * 30-minute slots, a fixed `now`, and `step` to drive a task by its definition the way the runtime will.
 */
import { expect } from 'bun:test'
import { parseBusinessHours, type WeekHours } from '../config/business-hours'
import { dateMinutesToEpoch, zonedToEpoch } from './domain/zoned-time'
import type { Effect } from './effects'
import { initialSnapshot, transition, type EventBase, type Snapshot } from '../fsm/fsm'
import type { TaskDefinition, TaskEnv } from './task-definition'

export const NY = 'America/New_York'

export const HOURS: WeekHours = ((): WeekHours => {
  const r = parseBusinessHours('Mon-Fri 09:00-17:00; Sat 10:00-14:00')
  if (!r.ok) throw new Error(r.error)
  return r.hours
})()

/** Monday 2026-11-30, 09:15 in New York: 'tomorrow' is Tuesday, December 1. */
export const NOW = zonedToEpoch(2026, 11, 30, 9, 15, NY)

export const ENV: TaskEnv = { now: NOW, tz: NY, hours: HOURS, slotMinutes: 30, caller: '+15551230000' }

/** Epoch ms of a New York wall-clock time, e.g. `at('2026-12-01', '10:00')`. */
export function at(date: string, clock: string): number {
  const [h, m] = clock.split(':').map(Number)
  return dateMinutesToEpoch(date, (h ?? 0) * 60 + (m ?? 0), NY)
}

export type Run<S extends string, C> = { snapshot: Snapshot<S, C>; effects: readonly Effect[]; handled: boolean }

/** The snapshot before the start event: the initial state with the context `start` builds. */
export function initial<S extends string, C, E extends EventBase>(def: TaskDefinition<S, C, E>, args: unknown, env: TaskEnv = ENV): Run<S, C> {
  return { snapshot: initialSnapshot(def.machine, def.start(args, env).context), effects: [], handled: true }
}

export function start<S extends string, C, E extends EventBase>(def: TaskDefinition<S, C, E>, args: unknown, env: TaskEnv = ENV): Run<S, C> {
  const { context, event } = def.start(args, env)
  return transition(def.machine, initialSnapshot(def.machine, context), event)
}

/** Applies `event` and expects it to be handled, landing in `state`. */
export function step<S extends string, C, E extends EventBase>(def: TaskDefinition<S, C, E>, from: Run<S, C>, event: E, state: S): Run<S, C> {
  const r = transition(def.machine, from.snapshot, event)
  expect(r.handled).toBe(true)
  expect(r.snapshot.state).toBe(state)
  return r
}

/** Applies `event` and expects the task to ignore it. */
export function ignored<S extends string, C, E extends EventBase>(def: TaskDefinition<S, C, E>, from: Run<S, C>, event: E): void {
  const r = transition(def.machine, from.snapshot, event)
  expect(r.handled).toBe(false)
  expect(r.snapshot).toBe(from.snapshot)
  expect(r.effects).toEqual([])
}

export const says = (effects: readonly Effect[]): string[] =>
  effects.flatMap((e) => (e.kind === 'say' || e.kind === 'ask' ? [e.text] : []))
