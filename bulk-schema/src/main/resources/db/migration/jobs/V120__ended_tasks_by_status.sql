-- A job's tasks of one ended status (?status=FAILED, SKIPPED, SUCCEEDED, CANCELLED) are listed from an
-- index that holds ended tasks only.
--
-- bulk_tasks_by_job_status (job_id, status, seq) held every task, so each of a submission's tasks,
-- all pending, took an entry there: about a fifth of the time to store a 100,000-task job (the
-- submission's INSERT ... SELECT took 880-900 ms without it against 1,050-1,150 ms with it, on a
-- database with the benchmark's history). A task's move to an ended status writes a new entry in every
-- index anyway (status is indexed, so that update is never HOT); the entry in this index is now the
-- only one that task ever has in it.
--
-- The pending tasks of one job are read in seq order from bulk_tasks_by_job (job_id, seq), keeping
-- the pending ones: the relay (the tasks beyond a job's position are pending until sent), the
-- cancellation, the stuck-task sweep and ?status=PENDING, whose first page of a running job passes
-- over the tasks it has ended so far.
--
-- A statement reaches this index only when the planner sees that the status it asks for is not
-- PENDING: a literal status, or a bound one together with status <> 'PENDING' (a plan prepared for
-- any value of the parameter would otherwise read every task of the job).
CREATE INDEX bulk_tasks_ended_by_job ON bulk_tasks (job_id, status, seq) WHERE status <> 'PENDING';
DROP INDEX bulk_tasks_by_job_status;
