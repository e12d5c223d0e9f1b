-- release_deferred_tasks (V110) chooses the deferred tasks to release once per call, and checks each
-- one's account for an earlier pending task with one probe of bulk_tasks_pending_by_account. Called by
-- the worker after each batch (for the batch's accounts), by the gateway's stuck-task sweep every minute
-- and by a job's cancellation (for every account). What it does is unchanged.
--
-- Why. While the statistics of jobs.bulk_tasks say no task is pending (the table analyzed before a new
-- job's tasks came, until autovacuum analyzes it again), PostgreSQL took every index of pending tasks
-- for a single row: it ran the IN subquery as a semi-join that chose (and locked) the tasks to release
-- again for every deferred task, and each choice checked each deferred task's account by reading every
-- pending task. A new job of 20,000 pending tasks and 50 deferred ones that nothing held back any more
-- (PostgreSQL 17): 25,722,113 buffers and 8.2 s a call; 100 deferred: 102,284,250 buffers and 32 s; 200
-- did not end within 120 s, while the worker's batch, the sweep or the cancellation that called it
-- waited. Now 1,269 buffers and 2.5 ms for 50, 9,305 and 21 ms for 400, 241,872 and 0.2 s for 10,000.
-- So the tasks to release are chosen once, as an array (= ANY(ARRAY(...))); the earlier-task check
-- stays one probe per deferred task (OFFSET 0 keeps it a check of its own, as the relay's TIDY_DONE);
-- and the tasks are updated through their primary key: their pending status is re-checked with IS NOT
-- DISTINCT FROM, which the index of deferred tasks does not answer, so PostgreSQL does not read every
-- deferred task and look each up in the array (for 10,000: about 1 s a call, against 0.2 s).
--
-- Replacing the function changes no table: nothing waits for it. Services of an earlier version call
-- it as before, and get the new one.
CREATE OR REPLACE FUNCTION release_deferred_tasks(accounts uuid[], max_tasks integer) RETURNS integer
LANGUAGE sql AS $$
    WITH released AS (
        UPDATE jobs.bulk_tasks t
           SET deferred_at = NULL
         WHERE t.id = ANY (ARRAY(
               SELECT d.id FROM jobs.bulk_tasks d
                WHERE d.deferred_at IS NOT NULL
                  AND d.status = 'PENDING'
                  AND (accounts IS NULL OR d.account_id = ANY(accounts))
                  AND NOT EXISTS (
                      SELECT 1 FROM jobs.bulk_tasks e
                       WHERE e.account_id = d.account_id
                         AND e.status = 'PENDING'
                         AND e.seq < d.seq
                         AND e.deferred_at IS NULL
                      OFFSET 0)
                ORDER BY d.account_id, d.seq
                LIMIT max_tasks
                  FOR UPDATE OF d SKIP LOCKED))
           AND t.deferred_at IS NOT NULL
           AND t.status IS NOT DISTINCT FROM 'PENDING'
        RETURNING t.id, t.seq),
    queued AS (
        INSERT INTO jobs.task_republications (task_id, seq)
        SELECT id, seq FROM released ORDER BY seq
        RETURNING 1)
    SELECT count(*)::integer FROM queued
$$;
