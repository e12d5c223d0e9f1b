-- deleted_jobs holds the jobs the gateway's retention (Retention) deleted and whose tasks it has not all
-- deleted yet, for the retention alone: it deletes an expired job at once (its idempotency keys by the
-- foreign key's cascade) and records its id here in the same statement, then deletes the job's tasks in
-- batches, and the job's row here once none is left.
--
-- Why. The retention deleted all tasks of the 100 oldest expired jobs, 5,000 per statement with a pause
-- between them, before deleting any of those jobs. With large jobs that took minutes, and a run stopped
-- in between (an error, a gateway stopping) left jobs with their counts and part of their tasks, or
-- none, until the next hourly run: their task lists and CSV downloads were partial, and SCIM's check of
-- a deactivation (whether its offboarding kept a membership, skipped OWNER_PROTECTED) took a kept
-- membership of such a job for access given again. Now a job is there with all its tasks, or gone:
-- nothing reads a task but through its job (bulk_tasks has had no foreign key to bulk_jobs since V2,
-- and the comment there, that the tasks are deleted first in the job's transaction, no longer holds).
-- The tasks a stopped run leaves are seen by no one, and the next run deletes them.
CREATE TABLE deleted_jobs (
    job_id     uuid PRIMARY KEY,
    deleted_at timestamptz NOT NULL DEFAULT now()
);
