-- A task waits only for the earlier pending tasks of its own portfolio on its account: the worker's
-- order check (bulk-worker's TaskStore) and release_deferred_tasks (V197) now both compare
-- portfolio_id as well as account_id.
--
-- Why. A task planned by a portfolio for an account that has left it since is skipped when applied
-- (ACCOUNT_NOT_IN_PORTFOLIO), whatever comes before or after it; yet it held back every later task of
-- the account, of any portfolio. An account moved from portfolio A, with A's 1,000,000-task job
-- queued and A's task for the account last in it, to portfolio B: B's role change or offboarding of
-- one of its users was deferred until the relay reached A's task, about 100 s at 10,000 tasks a second,
-- only for A's task to be skipped.
--
-- bulk_tasks_pending_by_account is rebuilt on (account_id, portfolio_id, seq), so that both statements
-- still read one range of it per account and portfolio, in seq order, and stop at the first earlier
-- pending task of the portfolio: by (account_id, seq) they would read every pending task of other
-- portfolios on the account before it. It holds the same entries as before (one per pending task).
-- Statements of an earlier version that look pending tasks up by account alone read it as before, a
-- range of its leading column. Built without CONCURRENTLY, as V140's: writes to bulk_tasks wait
-- while the table is read (about 0.7 s for 900,000 tasks), and everything else only for the drop
-- and the rename.
CREATE INDEX bulk_tasks_pending_by_account_v199 ON bulk_tasks (account_id, portfolio_id, seq)
    WHERE status = 'PENDING' AND account_id IS NOT NULL;
DROP INDEX bulk_tasks_pending_by_account;
ALTER INDEX bulk_tasks_pending_by_account_v199 RENAME TO bulk_tasks_pending_by_account;

-- As V197's, but for the portfolio of the earlier task.
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
                         AND e.portfolio_id = d.portfolio_id
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
