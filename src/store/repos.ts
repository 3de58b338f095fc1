/**
 * @module store/repos
 * The repositories over one statement handle: the store's own (each statement on its own) or a transaction's
 * (everything in it commits or rolls back together).
 */
import type { Sql } from './sql'
import { AppointmentsRepo } from './appointments-repo'
import { CallbacksRepo } from './callbacks-repo'
import { CallsRepo } from './calls-repo'
import { MessagesRepo } from './messages-repo'
import { OutboxRepo } from './outbox-repo'
import { SmsRepo } from './sms-repo'
import { TasksRepo } from './tasks-repo'
import { TranscriptRepo } from './transcript-repo'
import { ConsoleRepo } from './console-repo'
import { InstancesRepo } from './instances-repo'
import { PhrasesRepo } from './phrases-repo'

export type Repos = {
  readonly calls: CallsRepo
  readonly transcript: TranscriptRepo
  readonly tasks: TasksRepo
  readonly outbox: OutboxRepo
  readonly appointments: AppointmentsRepo
  readonly sms: SmsRepo
  readonly callbacks: CallbacksRepo
  readonly messages: MessagesRepo
  readonly console: ConsoleRepo
  readonly instances: InstancesRepo
  readonly phrases: PhrasesRepo
}

/** `tenant`: the business the repositories are bound to (store/tenant); undefined reads every tenant's rows. */
export function repos(sql: Sql, tenant?: string): Repos {
  return {
    calls: new CallsRepo(sql, tenant),
    transcript: new TranscriptRepo(sql),
    tasks: new TasksRepo(sql, tenant),
    outbox: new OutboxRepo(sql, tenant),
    appointments: new AppointmentsRepo(sql, tenant),
    sms: new SmsRepo(sql, tenant),
    callbacks: new CallbacksRepo(sql, tenant),
    messages: new MessagesRepo(sql, tenant),
    console: new ConsoleRepo(sql),
    instances: new InstancesRepo(sql),
    phrases: new PhrasesRepo(sql),
  }
}
