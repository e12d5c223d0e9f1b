-- bulk_tasks_pending_by_account serves the statements that look pending tasks up by account (the
-- worker's per-account order check, the release of deferred tasks), and no other statement.
--
-- Why. PostgreSQL plans statements on its statistics of bulk_tasks.status. Autovacuum analyzes the
-- table once enough rows changed; if it last did so while no task was pending (after a quiet spell),
-- the statistics say that almost none is, and a new large job is planned on them until the next
-- analyze. A partial index of pending tasks then looks nearly empty, cheap to read from end to end
-- whatever else the statement asks, and the planner took it for statements that do not look up an
-- account. On a copy of a benchmark's database in that state (420,000 tasks of a 500,000-task job
-- pending), the relay's read of its next 5,000 tasks read all the pending tasks through it and sorted
-- them: 932 ms a pass against 11 ms once analyzed. The relay sends one batch a pass, so it held the
-- job to about 5,000 tasks a second.
--
-- Its predicate now also names its leading column, which is never null: only a statement that looks
-- tasks up by account proves account_id IS NOT NULL, so no other can use the index. (A second partial
-- index of pending tasks, by job, was tried first for the relay: under such statistics the two looked
-- equally cheap, and the worker's order check read the one by job for each of a batch's 2,000
-- accounts, 412 ms each. It also made a submission's INSERT 6 to 16 % slower.)
--
-- The relay now reads a job's next tasks from bulk_tasks_by_job without asking for their status
-- (api-gateway's Outbox), and its checks for pending tasks left beyond a job's position read that
-- index too. api-gateway's RelayPlanIntegrationTests and bulk-worker's
-- StoredOutcomesPlanIntegrationTests plan these statements under such statistics.
--
-- Built without CONCURRENTLY, as the indexes before it: writes to bulk_tasks wait while it is built
-- (it holds the pending tasks only, but the whole table is read: 0.7 s for 900,000 tasks on that
-- copy), and everything waits only for the drop and the rename at the end. Its entries are the same
-- as before, so a submission costs the same.
CREATE INDEX bulk_tasks_pending_by_account_v140 ON bulk_tasks (account_id, seq)
    WHERE status = 'PENDING' AND account_id IS NOT NULL;
DROP INDEX bulk_tasks_pending_by_account;
ALTER INDEX bulk_tasks_pending_by_account_v140 RENAME TO bulk_tasks_pending_by_account;
