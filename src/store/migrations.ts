/**
 * @module store/migrations
 * Schema history, applied in order by `PRAGMA user_version`. Never edit a released migration: add the next one.
 * Times are epoch milliseconds (UTC); JSON columns hold validated documents (checked again when read).
 */

export const MIGRATIONS: readonly string[] = [
  // 1: calls, transcript, tasks (FSM snapshots + journal + timers), outbox, appointments, SMS, callbacks
  `
  CREATE TABLE calls (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL UNIQUE,
    direction       TEXT NOT NULL CHECK (direction IN ('inbound','outbound')),
    caller          TEXT,
    callee          TEXT,
    bot_name        TEXT,
    media_format    TEXT,
    details         TEXT,
    state           TEXT NOT NULL CHECK (state IN ('live','ended')),
    end_reason      TEXT,
    resumes_call_id TEXT REFERENCES calls(id),
    resume_status   TEXT CHECK (resume_status IN ('pending','resumed','closed','expired')),
    started_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    ended_at        INTEGER
  );
  CREATE INDEX calls_caller_resume ON calls(caller, resume_status);
  CREATE INDEX calls_state ON calls(state);

  CREATE TABLE transcript_items (
    id       INTEGER PRIMARY KEY,
    call_id  TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('caller','bot','tool','agent','system')),
    text     TEXT NOT NULL,
    meta     TEXT,
    at       INTEGER NOT NULL
  );
  CREATE INDEX transcript_call ON transcript_items(call_id, id);

  CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    call_id     TEXT NOT NULL REFERENCES calls(id),
    kind        TEXT NOT NULL,
    machine     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    state       TEXT NOT NULL,
    context     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open','done','failed','cancelled')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE INDEX tasks_call ON tasks(call_id, status);

  CREATE TABLE task_events (
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    event   TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (task_id, seq)
  );

  CREATE TABLE timers (
    task_id  TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    timer_id TEXT NOT NULL,
    due_at   INTEGER NOT NULL,
    PRIMARY KEY (task_id, timer_id)
  );

  CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    idem_key        TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    call_id         TEXT,
    task_id         TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending','done','failed','held')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    result          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );
  CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

  CREATE TABLE appointments (
    id           TEXT PRIMARY KEY,
    caller       TEXT,
    starts_at    INTEGER NOT NULL,
    minutes      INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('booked','cancelled')),
    task_id      TEXT,
    call_id      TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  );
  -- Two calls can never hold the same slot: the database decides the race.
  CREATE UNIQUE INDEX appointments_slot ON appointments(starts_at) WHERE status = 'booked';
  CREATE INDEX appointments_caller ON appointments(caller, status);

  CREATE TABLE sms_messages (
    id          INTEGER PRIMARY KEY,
    direction   TEXT NOT NULL CHECK (direction IN ('out','in')),
    call_id     TEXT,
    number      TEXT NOT NULL,
    body        TEXT NOT NULL,
    twilio_sid  TEXT UNIQUE,
    status      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );

  CREATE TABLE callbacks (
    id              INTEGER PRIMARY KEY,
    call_id         TEXT NOT NULL REFERENCES calls(id),
    number          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending','dialing','answered','failed','completed')),
    conversation_id TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );
  -- At most one callback in flight per dropped call.
  CREATE UNIQUE INDEX callbacks_open ON callbacks(call_id) WHERE status IN ('pending','dialing');

  CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    caller          TEXT,
    name            TEXT NOT NULL,
    message         TEXT NOT NULL,
    callback_number TEXT,
    task_id         TEXT,
    call_id         TEXT,
    created_at      INTEGER NOT NULL
  );

  CREATE TABLE opt_outs (
    number TEXT PRIMARY KEY,
    at     INTEGER NOT NULL
  );
  `,
  // 2: call events for the operator console (latency marks, task steps, usage); transcript lines stay in their table
  `
  CREATE TABLE call_events (
    id      INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    data    TEXT NOT NULL,
    at      INTEGER NOT NULL
  );
  CREATE INDEX call_events_call ON call_events(call_id, id);
  `,
  // 3: appointments by service and by resource (a staff member, '' = the business as a whole). Services differ in
  // length, so a slot is taken when it overlaps a booking of the same resource (checked in the booking transaction);
  // the unique start per resource stays as the database's own guard.
  `
  ALTER TABLE appointments ADD COLUMN service_id TEXT;
  ALTER TABLE appointments ADD COLUMN resource TEXT NOT NULL DEFAULT '';
  DROP INDEX appointments_slot;
  CREATE UNIQUE INDEX appointments_slot ON appointments(resource, starts_at) WHERE status = 'booked';
  `,
]
