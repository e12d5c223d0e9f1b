-- Queues every task the relay already sent that is still pending, of every job not yet ended, for the
-- relay to send again, but for a task held back: one whose account already had a later task applied
-- (SUCCEEDED, or SKIPPED on the account's state then). Sent again, it would apply that account's changes
-- out of order (an invitation applied after the later removal of the same user would give the removed
-- user access again), so it stays pending, as the gateways' stuck-task sweep leaves it, and is left to
-- the BulkOldestPendingTaskTooOld runbook in README.md: its portfolio's administrators cancel its job
-- and submit the change again if it is still wanted.
--
-- Run it with the services stopped, logged in as the owner of the jobs schema, the gateway's role
-- bulk_gateway (its password is the gateway's, BULK_GATEWAY_DB_PASSWORD in Compose):
--
--   docker compose exec -T postgres sh -c \
--     'PGPASSWORD="$BULK_GATEWAY_DB_PASSWORD" psql -h 127.0.0.1 -U bulk_gateway -d bulk -v ON_ERROR_STOP=1 -f -' \
--     < bulk-schema/src/main/resources/db/resend-pending-tasks.sql
--
-- * after PostgreSQL was restored from a backup: a task sent before the backup's moment and applied
--   after it is pending again, and the workers' consumer group has already read past its record;
-- * after Kafka lost its data (a new cluster, a wiped log directory): what was sent and not yet
--   applied is then only here.
--
-- Without it, the gateways' stuck-task sweep sends such tasks again once their job has sent nothing for
-- bulk.gateway.stuck-tasks.after (15 minutes). Running it twice, or on a database that lost nothing,
-- only sends copies: the worker applies a task while it is pending and passes a copy of one that ended.
-- psql prints how many tasks were queued ("INSERT 0 <n>").
--
-- Anyone else, a superuser included, is refused before anything is written: the gateway's role owns
-- these tables, and a trigger it put on them would run with the rights of whoever writes there (taking
-- the role first, SET ROLE, would not do: such code can RESET ROLE). On a database from before the
-- services' roles, the superuser owns jobs and runs it. One transaction: psql without ON_ERROR_STOP
-- writes nothing either.
BEGIN;
DO $owner$
DECLARE
    jobs_owner name := (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'jobs');
BEGIN
    IF jobs_owner IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'resend-pending-tasks.sql runs as %, not as the owner of the jobs schema (%)',
                        current_user, coalesce(jobs_owner, 'none: no jobs schema')
              USING HINT = 'Log in as the gateway''s role: psql -U bulk_gateway, with the gateway''s password'
                           ' (BULK_GATEWAY_DB_PASSWORD in Compose); see README.md, "Backups, and restoring the database".';
    END IF;
END
$owner$;
-- The held-back rule (the last NOT EXISTS) is word for word the stuck-task sweep's, api-gateway's
-- StuckTaskSweeper, and the one by which the worker refuses to re-drive a dead letter's task
-- (bulk-worker's DeadLetterStore): change all three or none. A later task that failed or was cancelled changed and
-- decided nothing, and holds nothing back.
INSERT INTO jobs.task_republications (task_id, seq, portfolio_id)
SELECT s.id, s.seq, s.portfolio_id
  FROM jobs.bulk_jobs j
  JOIN jobs.bulk_tasks s ON s.job_id = j.id AND s.status = 'PENDING' AND s.seq <= j.relayed_seq
 WHERE j.status IN ('QUEUED', 'IN_PROGRESS')
   AND NOT EXISTS (
       SELECT 1 FROM jobs.bulk_tasks later
        WHERE later.account_id = s.account_id
          AND later.portfolio_id = s.portfolio_id
          AND later.seq > s.seq
          AND later.applied_at IS NOT NULL
          AND later.status IN ('SUCCEEDED', 'SKIPPED'))
 ORDER BY s.seq;
COMMIT;
