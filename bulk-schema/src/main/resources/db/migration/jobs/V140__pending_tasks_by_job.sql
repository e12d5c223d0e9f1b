-- A job's pending tasks in seq order, for the relay (the next tasks beyond a job's position, and
-- whether any is left there), the cancellation, the stuck-task sweep and ?status=PENDING; and each
-- index of pending tasks made usable only by the statements it is meant for.
--
-- Why. PostgreSQL plans these statements on its statistics of bulk_tasks.status. Autovacuum analyzes
-- the table once enough rows changed; if it last did so while no task was pending (after a quiet
-- spell), the statistics say that almost none is, and a new large job is planned on them until the
-- next analyze. Every partial index of pending tasks then looks nearly empty, and so equally cheap
-- to read from end to end:
-- - The relay's read of its next 5,000 tasks took bulk_tasks_pending_by_account, the only such index,
--   read all the pending tasks (420,000 of a 500,000-task job) and sorted them: 932 ms a pass against
--   11 ms once analyzed, on a copy of a benchmark's database in that state. The relay sends one batch
--   a pass, so it held the job to about 5,000 tasks a second. With an index of pending tasks by job
--   alone, the same read took 12 to 28 ms whatever the statistics said.
-- - But with two such indexes, the planner took either for either kind of statement: the worker's
--   per-account order check (an account's earlier pending tasks, for each of a batch's 2,000
--   accounts) read the whole index by job for every account, 412 ms each, and the job stalled.
--
-- So each predicate names the column its statements look up, which is never null anyway: a statement
-- that looks tasks up by job proves job_id IS NOT NULL and can use only the index by job, and one
-- that looks them up by account can use only the index by account. Under statistics that saw no
-- pending task and under fresh ones alike, the relay, the cancellation, the sweep and the listing
-- read bulk_tasks_pending_by_job, and the worker's order check and the release of deferred tasks read
-- bulk_tasks_pending_by_account (api-gateway's RelayPlanIntegrationTests and the bulk-worker's
-- StoredOutcomesPlanIntegrationTests plan them under such statistics).
--
-- What it costs: each task of a submission, pending, takes an entry at the end of the index by job
-- (job ids are time-ordered); its later row versions, ended, enter neither index. On that copy, an
-- INSERT of 100,000 tasks took 4 to 9 % longer with it and wrote about 10 % more WAL.
--
-- Built without CONCURRENTLY, as the indexes before them: writes to bulk_tasks wait while they are
-- built (0.7 s each for 900,000 tasks on that copy), and everything waits only for the drop and the
-- rename at the end.
CREATE INDEX bulk_tasks_pending_by_job ON bulk_tasks (job_id, seq)
    WHERE status = 'PENDING' AND job_id IS NOT NULL;

CREATE INDEX bulk_tasks_pending_by_account_v140 ON bulk_tasks (account_id, seq)
    WHERE status = 'PENDING' AND account_id IS NOT NULL;
DROP INDEX bulk_tasks_pending_by_account;
ALTER INDEX bulk_tasks_pending_by_account_v140 RENAME TO bulk_tasks_pending_by_account;
