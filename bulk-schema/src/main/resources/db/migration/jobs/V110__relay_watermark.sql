-- The relay keeps one position per job instead of a publication time per task.
--
-- Before, the relay marked every task it sent (UPDATE bulk_tasks SET published_at = now()). As
-- published_at appeared in the predicates of three partial indexes, that update could never be HOT:
-- each task got a second row version with an entry in every index of the table, and the update cost
-- PostgreSQL more than any other statement of a task's life. All tasks of a job are inserted in the
-- transaction that creates the job, in seq order, so "the relay handed the job's tasks up to seq N to
-- the broker" says the same with one number per job, moved once per relay pass.
--
-- relayed_seq: the job's tasks with seq <= relayed_seq were handed to the broker (or were no longer
--   pending when the relay reached them).
-- relay_done:  none of the job's pending tasks is left beyond relayed_seq; set by the relay, or by the
--   cancellation (a cancelled job has nothing left to send).
-- relayed_at:  when the relay last sent tasks of the job; the stuck-task sweep measures from it.
ALTER TABLE bulk_jobs
    ADD COLUMN relayed_seq bigint NOT NULL DEFAULT 0,
    ADD COLUMN relay_done  boolean NOT NULL DEFAULT false,
    ADD COLUMN relayed_at  timestamptz;

-- The jobs the relay still reads: few at any time (those submitted and not yet sent in full).
CREATE INDEX bulk_jobs_relaying ON bulk_jobs (id) WHERE NOT relay_done;

-- Tasks to send again, one row each: deferred tasks released by the worker, tasks of a stuck job
-- queued by the sweep, pending tasks whose records the broker lost. The relay sends them in seq order
-- together with the jobs' new tasks and deletes the rows it sent (by id: a task queued again while its
-- earlier row was being sent keeps its new row).
CREATE TABLE task_republications (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id   uuid        NOT NULL,
    seq       bigint      NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_republications_in_order ON task_republications (seq);

-- Existing jobs: the position is the job's last published task; unpublished pending tasks below it
-- (released or swept ones) are queued, and a job is done when nothing pending is left beyond it.
UPDATE bulk_jobs j
   SET relayed_seq = p.last_published, relayed_at = p.published_at
  FROM (SELECT job_id, max(seq) AS last_published, max(published_at) AS published_at
          FROM bulk_tasks WHERE published_at IS NOT NULL GROUP BY job_id) p
 WHERE p.job_id = j.id;

UPDATE bulk_jobs j
   SET relay_done = NOT EXISTS (
           SELECT 1 FROM bulk_tasks t
            WHERE t.job_id = j.id AND t.status = 'PENDING' AND t.seq > j.relayed_seq);

INSERT INTO task_republications (task_id, seq)
SELECT t.id, t.seq
  FROM bulk_tasks t
  JOIN bulk_jobs j ON j.id = t.job_id
 WHERE t.published_at IS NULL AND t.status = 'PENDING' AND t.seq <= j.relayed_seq
 ORDER BY t.seq;

-- The worker's per-account order check and the release of deferred tasks: an account's pending tasks
-- in seq order. A task enters it when submitted (in place of bulk_tasks_unpublished, which it entered
-- then too) and its later row versions do not.
CREATE INDEX bulk_tasks_pending_by_account ON bulk_tasks (account_id, seq) WHERE status = 'PENDING';

DROP INDEX bulk_tasks_unpublished;
DROP INDEX bulk_tasks_published_pending;
DROP INDEX bulk_tasks_published_pending_by_account;

-- Releases the deferred tasks (of the given accounts; of every account when NULL) that no earlier
-- non-deferred pending task of their account holds back any more, at most max_tasks, skipping rows
-- another transaction holds (a later call releases them), and queues them for the relay. Called by the
-- worker after each batch, by the gateway when it cancels a job, and by the gateway's stuck-task sweep
-- as a safety net. Answers how many tasks it released.
CREATE OR REPLACE FUNCTION release_deferred_tasks(accounts uuid[], max_tasks integer) RETURNS integer
LANGUAGE sql AS $$
    WITH released AS (
        UPDATE jobs.bulk_tasks t
           SET deferred_at = NULL
         WHERE t.id IN (
               SELECT d.id FROM jobs.bulk_tasks d
                WHERE d.deferred_at IS NOT NULL
                  AND d.status = 'PENDING'
                  AND (accounts IS NULL OR d.account_id = ANY(accounts))
                  AND NOT EXISTS (
                      SELECT 1 FROM jobs.bulk_tasks e
                       WHERE e.account_id = d.account_id
                         AND e.status = 'PENDING'
                         AND e.seq < d.seq
                         AND e.deferred_at IS NULL)
                ORDER BY d.account_id, d.seq
                LIMIT max_tasks
                  FOR UPDATE OF d SKIP LOCKED)
           AND t.deferred_at IS NOT NULL
           AND t.status = 'PENDING'
        RETURNING t.id, t.seq),
    queued AS (
        INSERT INTO jobs.task_republications (task_id, seq)
        SELECT id, seq FROM released ORDER BY seq
        RETURNING 1)
    SELECT count(*)::integer FROM queued
$$;

ALTER TABLE bulk_tasks DROP COLUMN published_at;
