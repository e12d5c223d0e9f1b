-- Per-account order: the bulk-worker does not apply a task while an earlier task (by seq) of the same
-- account, in any job, is still pending. Such a task is deferred: deferred_at is set, the task stays
-- pending and published_at is left as it is (a published deferred task is not sent again, which would
-- only bring it back while the earlier task still waits, e.g. for the stuck-task sweep). It is released (deferred_at and published_at cleared, so the relay
-- sends it again, in seq order) once no earlier task of its account is pending any more, except
-- earlier tasks that are deferred too and are released with it.

-- Metadata-only change: existing rows read NULL (never deferred).
ALTER TABLE bulk_tasks ADD COLUMN deferred_at timestamptz;

-- The worker's check (one statement per batch) and the release: an account's pending tasks in seq
-- order. Only published ones: a task enters it when the relay marks it published, an update that adds
-- an entry to the other indexes anyway, so submitting a job (an INSERT of up to 200,000 tasks) pays
-- nothing for it; it leaves it when it ends. The unpublished tasks are found through
-- bulk_tasks_unpublished (seq), where those earlier than a published task are few (a relay pass that
-- failed, a job that committed late, released tasks).
CREATE INDEX bulk_tasks_published_pending_by_account ON bulk_tasks (account_id, seq)
    WHERE status = 'PENDING' AND published_at IS NOT NULL;

-- The deferred tasks: almost always none, so the release looks them up for nearly nothing, and
-- costs nothing at submission (no new task is deferred).
CREATE INDEX bulk_tasks_deferred ON bulk_tasks (account_id, seq) WHERE deferred_at IS NOT NULL AND status = 'PENDING';

-- Releases the deferred tasks (of the given accounts; of every account when NULL) that no earlier
-- non-deferred pending task of their account holds back any more, at most max_tasks, skipping rows
-- another transaction holds (a later call releases them). Called by the worker after each batch, by
-- the gateway when it cancels a job, and by the gateway's stuck-task sweep as a safety net.
-- Answers how many tasks it released.
CREATE FUNCTION release_deferred_tasks(accounts uuid[], max_tasks integer) RETURNS integer
LANGUAGE sql AS $$
    WITH released AS (
        UPDATE jobs.bulk_tasks t
           SET deferred_at = NULL, published_at = NULL
         WHERE t.id IN (
               SELECT d.id FROM jobs.bulk_tasks d
                WHERE d.deferred_at IS NOT NULL
                  AND d.status = 'PENDING'
                  AND (accounts IS NULL OR d.account_id = ANY(accounts))
                  AND NOT EXISTS (
                      SELECT 1 FROM jobs.bulk_tasks e
                       WHERE e.account_id = d.account_id
                         AND e.status = 'PENDING'
                         AND e.published_at IS NOT NULL
                         AND e.seq < d.seq
                         AND e.deferred_at IS NULL)
                  AND NOT EXISTS (
                      SELECT 1 FROM jobs.bulk_tasks e
                       WHERE e.published_at IS NULL
                         AND e.seq < d.seq
                         AND e.account_id = d.account_id
                         AND e.status = 'PENDING'
                         AND e.deferred_at IS NULL)
                ORDER BY d.account_id, d.seq
                LIMIT max_tasks
                  FOR UPDATE OF d SKIP LOCKED)
           AND t.deferred_at IS NOT NULL
           AND t.status = 'PENDING'
        RETURNING 1)
    SELECT count(*)::integer FROM released
$$;
