-- Runs after every migration of the jobs schema (a Flyway callback, not a versioned migration): gives
-- the bulk-worker's role (db/service-roles.sql) exactly the tables of the gateway's schema it uses, and
-- nothing else of it: not the portfolio users and their roles, the SCIM tokens, the webhook
-- subscriptions or the administrative log. A table a later migration adds that the worker needs is
-- named here. Without the role (tests and setups where every service is the superuser) it does nothing.
--
-- Every gateway runs it at every start, also a gateway of an older version started after a newer one
-- migrated (an older image restarted during a rollout, a rollback): Flyway ignores the migrations it
-- does not know and still runs this. The list it held would take away what the newer version gives
-- the worker, whose newer instances then fail ("permission denied") until a newer gateway starts. So
-- the list has a revision, jobs.worker_grants_revision(), and a list older than the one in place
-- changes nothing: neither the grants nor jobs.grant_worker_tables() (db/service-roles.sql leaves the
-- grants it made in place). A change of the list (a table, a column, a privilege, added or taken away)
-- takes the next revision (below).
--
-- Gateways that start at the same moment run it at the same moment: Flyway runs the versioned
-- migrations one instance at a time under its lock, but this callback outside it, and two sessions
-- replacing one function or granting on one table at once fail ("tuple concurrently updated"), so a
-- gateway would exit while starting. The script runs in one transaction, which first takes a lock of
-- its own: they run it one after the other.
SELECT pg_advisory_xact_lock(hashtext('bulk-schema: jobs afterMigrate'));

DO $callback$
DECLARE
    -- The list's revision: the next change of the list takes 3.
    revision CONSTANT integer := 2;
BEGIN
    IF to_regprocedure('jobs.worker_grants_revision()') IS NOT NULL THEN
        IF jobs.worker_grants_revision() > revision THEN
            RAISE NOTICE 'bulk_worker grants left as revision % set them (this version''s are revision %)',
                jobs.worker_grants_revision(), revision;
            RETURN;
        END IF;
    END IF;

    EXECUTE format('CREATE OR REPLACE FUNCTION jobs.worker_grants_revision() RETURNS integer LANGUAGE sql AS %L',
                   'SELECT ' || revision);

    CREATE OR REPLACE FUNCTION jobs.grant_worker_tables() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bulk_worker') THEN
            RETURN;
        END IF;
        REVOKE ALL ON ALL TABLES IN SCHEMA jobs FROM bulk_worker;
        -- It applies tasks and ends jobs (ending one fires the trigger that writes webhook_events),
        -- releases deferred tasks (release_deferred_tasks queues task_republications) and records dead
        -- letters; it deletes nothing, and creates no job or task: only the gateway does, after checking
        -- who asks, so a worker's login cannot start changes in any portfolio.
        GRANT SELECT, UPDATE ON jobs.bulk_tasks, jobs.bulk_jobs TO bulk_worker;
        GRANT SELECT, INSERT, UPDATE
            ON jobs.task_dead_letters, jobs.task_republications, jobs.webhook_events
            TO bulk_worker;
        -- Invitation e-mails name a custom account role by its configured name.
        GRANT SELECT ON jobs.account_roles TO bulk_worker;
        -- No account is linked to a closed portfolio.
        GRANT SELECT ON jobs.closed_portfolios TO bulk_worker;
        -- Invitation e-mails wait while their portfolio closes (when its close began, not its token).
        GRANT SELECT (portfolio_id, closing_since) ON jobs.closure_tokens TO bulk_worker;
        -- A close's unlinking of every account notes each account it unlinks as one the close asked to
        -- unlink, which the close counts (revision 2).
        GRANT SELECT, INSERT, UPDATE ON jobs.account_unlinks_asked TO bulk_worker;
    END
    $$;

    PERFORM jobs.grant_worker_tables();
END
$callback$;
