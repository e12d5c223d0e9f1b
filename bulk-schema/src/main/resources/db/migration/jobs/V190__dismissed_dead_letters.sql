-- A task dead letter an operator dismisses, with who did it, when and why: closed without sending
-- anything (the bulk-worker's POST /internal/dead-letters/{id}/dismiss, DeadLetterRedrive.dismiss).
-- Written by the bulk-worker, whose grant on the table (afterMigrate__worker_grants.sql: select, insert
-- and update of every column) covers the new columns.
--
-- Why. A dead letter could only be re-driven, and only a re-driven one was ever deleted. One whose
-- cause cannot be fixed (a record a producer other than the gateway wrote, a task already FAILED
-- INVALID_TASK, a job a database restore removed) is dead-lettered again, as a new dead letter, by
-- every re-drive, and kept for ever when left: no sequence of operations emptied the list of those
-- left to do. Now an operator dismisses it, it leaves that list, and the gateway's retention deletes it
-- 30 days after its dismissal, as it deletes a re-driven one 30 days after its re-drive.
--
-- task_dead_letters_open_by_time holds those neither re-driven nor dismissed, newest first, for the
-- worker's listing of them (?redriven=false&dismissed=false); task_dead_letters_dismissed_by_time the
-- dismissed ones by when they were dismissed, for the retention, as V180's index holds the re-driven
-- ones.
--
-- The checks are added NOT VALID: every row before this migration has none of the new columns set, so
-- there is nothing to validate, and new and updated rows are checked. A dead letter may still be
-- re-driven and dismissed both, by a worker of the version before this one (which does not know
-- dismissals) re-driving one a newer worker dismissed: refused there, that worker's re-drive would fail
-- after its record went out, and the retention deletes such a row either way.
--
-- Built without CONCURRENTLY, as the indexes before them (Flyway runs each migration in a
-- transaction, which CONCURRENTLY cannot run in), and the columns are added in the same transaction:
-- the workers' recording, listing and re-driving of dead letters wait while the table is read (not the
-- large record values PostgreSQL stores apart).
ALTER TABLE task_dead_letters
    ADD COLUMN dismissed_at   timestamptz,
    ADD COLUMN dismissed_by   text,
    ADD COLUMN dismiss_reason text;
ALTER TABLE task_dead_letters
    ADD CONSTRAINT task_dead_letters_dismissed_by CHECK ((dismissed_at IS NULL) = (dismissed_by IS NULL)) NOT VALID;
CREATE INDEX task_dead_letters_open_by_time ON task_dead_letters (recorded_at DESC, id DESC)
    WHERE redriven_at IS NULL AND dismissed_at IS NULL;
CREATE INDEX task_dead_letters_dismissed_by_time ON task_dead_letters (dismissed_at) WHERE dismissed_at IS NOT NULL;
