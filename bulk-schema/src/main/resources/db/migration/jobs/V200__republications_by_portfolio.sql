-- Tasks to send again (jobs.task_republications: released after a deferral, swept as stuck, queued by
-- resend-pending-tasks.sql) now carry their portfolio, so that the relay takes them with portfolios
-- taking turns, as it takes the tasks it sends the first time (api-gateway's Outbox.NEXT).
--
-- Why. The relay read the next re-sends in seq order across portfolios, at most one batch of them
-- (5,000) a pass. With 200,000 re-sends of portfolio A queued (a large job's tasks swept after a
-- broker outage, say), a re-sent task of portfolio B waited for all of A's to be sent first, 40 passes
-- and more, whatever the turns of first sends.
--
-- The relay now reads the portfolios that have re-sends one index probe each (a skip scan of
-- task_republications_by_portfolio), and each portfolio's first re-sends in seq order, at most one
-- batch each, one range of the same index; rows queued without a portfolio (by a service of an
-- earlier version during an upgrade) are read as one more such group, a range of the same index.
-- task_republications_in_order (seq) goes: with it, PostgreSQL read a portfolio's first re-sends by
-- reading the whole queue in seq order and passing over the other portfolios' (133,334 rows passed
-- over per portfolio, with 200,000 queued). A gateway of an earlier version, until it is replaced,
-- sorts the queue for its read instead (a top-N sort). The column is filled for the rows queued now;
-- the table is small but during an outage.
ALTER TABLE task_republications ADD COLUMN portfolio_id uuid;
UPDATE task_republications r SET portfolio_id = t.portfolio_id FROM bulk_tasks t WHERE t.id = r.task_id;
CREATE INDEX task_republications_by_portfolio ON task_republications (portfolio_id, seq);
DROP INDEX task_republications_in_order;

-- As V199's, but queueing the tasks with their portfolio.
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
        RETURNING t.id, t.seq, t.portfolio_id),
    queued AS (
        INSERT INTO jobs.task_republications (task_id, seq, portfolio_id)
        SELECT id, seq, portfolio_id FROM released ORDER BY seq
        RETURNING 1)
    SELECT count(*)::integer FROM queued
$$;
