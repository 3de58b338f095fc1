/**
 * @module agents/declared/registry
 * The tasks of one call: the built-in ones plus the business's declared forms and look-ups (each business file has
 * its own, so tenants differ). Built once per business version and kept (a reload makes new Business objects).
 */
import type { Business } from '../../config/business/business'
import { createTaskRegistry, type AnyTaskDefinition, type TaskRegistry } from '../task-definition'
import { declaredTask } from './declared-task'

const cache = new WeakMap<TaskRegistry, WeakMap<Business, TaskRegistry>>()

export function registryFor(base: TaskRegistry, business: Business): TaskRegistry {
  if (business.tasks.length === 0) return base
  let byBusiness = cache.get(base)
  if (!byBusiness) cache.set(base, (byBusiness = new WeakMap()))
  let r = byBusiness.get(business)
  if (!r) {
    // Method syntax in the definition types keeps parameters bivariant: a concrete task erases to AnyTaskDefinition.
    r = createTaskRegistry([...base.tasks, ...business.tasks.map((d): AnyTaskDefinition => declaredTask(d) as unknown as AnyTaskDefinition)])
    byBusiness.set(business, r)
  }
  return r
}

/** A task kind's definition in any of these businesses (a crashed call's task, a late webhook outcome). */
export function definitionIn(base: TaskRegistry, businesses: readonly Business[], kind: string): AnyTaskDefinition | undefined {
  const own = base.get(kind)
  if (own) return own
  for (const b of businesses) {
    const d = registryFor(base, b).get(kind)
    if (d) return d
  }
  return undefined
}
