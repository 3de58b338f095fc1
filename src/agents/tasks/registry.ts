/**
 * @module agents/tasks/registry
 * The tasks FastAgent ships with. A new task is one file in this folder plus one line here: its start tool, its
 * task_input fields and its persistence come with it.
 */
import { createTaskRegistry, type AnyTaskDefinition, type TaskRegistry } from '../task-definition'
import { bookAppointment } from './book-appointment'
import { cancelAppointment } from './cancel-appointment'
import { checkAvailability } from './check-availability'
import { leaveMessage } from './leave-message'
import { rescheduleAppointment } from './reschedule-appointment'

export const DEFAULT_TASKS: readonly AnyTaskDefinition[] = [
  bookAppointment,
  cancelAppointment,
  rescheduleAppointment,
  checkAvailability,
  leaveMessage,
]

export function defaultRegistry(): TaskRegistry {
  return createTaskRegistry(DEFAULT_TASKS)
}
