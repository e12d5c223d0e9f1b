-- A job's tasks are written only by the transaction that creates the job, right after the job row,
-- in one INSERT ... SELECT of up to 200,000 rows. The foreign key to bulk_jobs made PostgreSQL look
-- up the job once per inserted task, about a third of the time it takes to store a large job, for a
-- guarantee that the single writer already gives. Without it, deleting a job no longer cascades:
-- whoever deletes jobs (retention) deletes their tasks first, in the same transaction.
ALTER TABLE bulk_tasks DROP CONSTRAINT bulk_tasks_job_id_fkey;
