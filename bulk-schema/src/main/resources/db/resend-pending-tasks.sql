-- Queues every task the relay already sent that is still pending, of every job not yet ended, for the
-- relay to send again. Run it with the services stopped, as the database's superuser or bulk_gateway:
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
-- It runs as the owner of jobs (bulk_gateway; the superuser only on a database from before the services'
-- roles): as the superuser, a trigger the gateway's login put on these tables would run with the
-- superuser's rights.
DO $owner$
DECLARE
    jobs_owner name := (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'jobs');
BEGIN
    IF jobs_owner IS NOT NULL THEN
        EXECUTE format('SET ROLE %I', jobs_owner);
    END IF;
END
$owner$;
INSERT INTO jobs.task_republications (task_id, seq)
SELECT t.id, t.seq
  FROM jobs.bulk_jobs j
  JOIN jobs.bulk_tasks t ON t.job_id = j.id AND t.status = 'PENDING' AND t.seq <= j.relayed_seq
 WHERE j.status IN ('QUEUED', 'IN_PROGRESS')
 ORDER BY t.seq;
