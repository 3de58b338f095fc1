/**
 * @module store/store
 * The store: one SQLite connection (the single writer) and its repositories, plus the retention purge.
 */
import { Db } from './db'
import { AppointmentsRepo } from './appointments-repo'
import { CallbacksRepo } from './callbacks-repo'
import { CallsRepo } from './calls-repo'
import { MessagesRepo } from './messages-repo'
import { OutboxRepo } from './outbox-repo'
import { SmsRepo } from './sms-repo'
import { TasksRepo } from './tasks-repo'
import { TranscriptRepo } from './transcript-repo'
import { ConsoleRepo } from './console-repo'

export class Store {
  readonly calls: CallsRepo
  readonly transcript: TranscriptRepo
  readonly tasks: TasksRepo
  readonly outbox: OutboxRepo
  readonly appointments: AppointmentsRepo
  readonly sms: SmsRepo
  readonly callbacks: CallbacksRepo
  readonly messages: MessagesRepo
  readonly console: ConsoleRepo

  constructor(readonly db: Db) {
    const sql = db.sqlite
    this.calls = new CallsRepo(sql)
    this.transcript = new TranscriptRepo(sql)
    this.tasks = new TasksRepo(db)
    this.outbox = new OutboxRepo(sql)
    this.appointments = new AppointmentsRepo(db)
    this.sms = new SmsRepo(sql)
    this.callbacks = new CallbacksRepo(sql)
    this.messages = new MessagesRepo(sql)
    this.console = new ConsoleRepo(db)
  }

  static open(path: string): Store {
    return new Store(Db.open(path))
  }

  /**
   * Deletes personal data older than `before`, everywhere it was copied: transcripts, SMS bodies and numbers, left
   * messages, the numbers and details on ended calls, callers on past appointments (the slot stays booked, anonymised,
   * so it is never double-booked), callback numbers, the tasks of ended calls with their contexts, journal and timers
   * (names, messages, numbers), and outbox payloads, results and errors of every kind (a stale pending row is failed
   * first: a 30-day-old text is no longer worth sending). Opt-outs are kept: honouring STOP is the caller's request.
   * Returns how many rows were touched.
   */
  purge(before: number): number {
    const sql = this.db.sqlite
    return this.db.tx(() => {
      let n = 0
      n += sql.query('DELETE FROM transcript_items WHERE at < $before').run({ before }).changes
      n += this.console.purgeEvents(before)
      n += sql.query(`UPDATE sms_messages SET body = '[purged]', number = '[purged]' WHERE created_at < $before AND body != '[purged]'`).run({ before }).changes
      n += sql.query('DELETE FROM messages WHERE created_at < $before').run({ before }).changes
      n += sql.query(`UPDATE calls SET caller = NULL, callee = NULL, details = NULL WHERE ended_at IS NOT NULL AND ended_at < $before AND (caller IS NOT NULL OR callee IS NOT NULL OR details IS NOT NULL)`).run({ before }).changes
      n += sql.query('UPDATE appointments SET caller = NULL WHERE starts_at < $before AND caller IS NOT NULL').run({ before }).changes
      n += sql.query(`UPDATE callbacks SET number = '[purged]' WHERE updated_at < $before AND number != '[purged]'`).run({ before }).changes
      n += sql
        .query(
          `UPDATE outbox SET payload = '{}', result = NULL, last_error = CASE WHEN status = 'pending' THEN 'expired (retention)' ELSE NULL END,
             status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END
           WHERE updated_at < $before AND (payload != '{}' OR result IS NOT NULL OR last_error IS NOT NULL OR status = 'pending')`,
        )
        .run({ before }).changes
      // A task's context and journal hold what the caller said (names, messages, numbers). Tasks of ended calls that
      // are past retention cannot be resumed any more; their bookings live on in appointments.
      const oldTasks = `SELECT t.id FROM tasks t JOIN calls c ON c.id = t.call_id WHERE t.updated_at < $before AND c.state = 'ended'`
      n += sql.query(`DELETE FROM task_events WHERE task_id IN (${oldTasks})`).run({ before }).changes
      n += sql.query(`DELETE FROM timers WHERE task_id IN (${oldTasks})`).run({ before }).changes
      n += sql.query(`DELETE FROM tasks WHERE id IN (${oldTasks})`).run({ before }).changes
      return n
    })
  }

  close(): void {
    this.db.close()
  }
}
