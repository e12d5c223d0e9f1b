-- A job's tasks are written only by the transaction that creates the job, right after the job row,
-- in one INSERT ... SELECT of up to 200,000 rows; storing a large job is dominated by per-row work.
--
-- The foreign key to bulk_jobs made PostgreSQL look up the job once per inserted task (about a third
-- of the time to store a large job) for a guarantee the single writer already gives. Without it,
-- deleting a job no longer cascades: whoever deletes jobs (retention) deletes their tasks first, in
-- the same transaction.
ALTER TABLE bulk_tasks DROP CONSTRAINT bulk_tasks_job_id_fkey;

-- seq is GENERATED ALWAYS AS IDENTITY, unique by construction; every query that orders by it uses
-- bulk_tasks_by_job, bulk_tasks_by_job_status or bulk_tasks_unpublished. The unique index was one
-- more index to maintain per task (about a tenth of the time to store a large job).
ALTER TABLE bulk_tasks DROP CONSTRAINT bulk_tasks_seq_key;
