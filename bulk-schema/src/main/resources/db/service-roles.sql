-- The services' own database roles: least privilege instead of one superuser for all.
--
-- Each service logs in as its own role, which owns the schema it migrates and everything in it, and
-- may only read or write what it uses in the other schemas; no service role may create or alter
-- objects in a schema it does not own, is a superuser, or may create databases or roles (so neither
-- COPY ... TO PROGRAM nor reading the server's files is open to it).
--
--   role          owns (migrates)   in the other schemas
--   bulk_gateway  jobs              directory: SELECT (the gateway reads the account directory)
--   bulk_worker   directory         jobs: SELECT, INSERT, UPDATE on the five tables it writes and SELECT
--                                   on the one it reads (named by jobs/afterMigrate__worker_grants.sql),
--                                   USAGE on the sequences,
--                                   EXECUTE on the functions (it applies tasks, ends jobs, whose
--                                   trigger writes the webhook outbox, releases deferred tasks and
--                                   records dead letters)
--   bulk_audit    audit             none
--
-- Run as a superuser on the application database (psql -f, or one JDBC statement). Idempotent: it
-- creates what is missing and sets everything else again, so it also upgrades a database whose
-- schemas, tables, sequences, functions and Flyway history tables the superuser owns (the services
-- connected as the superuser before) and may be run at every start. It sets no password: Compose
-- sets them from .env (ops/postgres/service-role-passwords.sql), the local stack its own per run.
-- Tables, sequences and functions that later migrations create get the same grants (default
-- privileges of each owner role).
--
-- It runs nothing a service role owns or could have replaced: no function of theirs, no statement that
-- reads or writes their tables (which may have triggers, rules or policies of theirs, or be views), only
-- CREATE, ALTER ... OWNER, GRANT, REVOKE and reads of the system catalogs. Taking a service's role first
-- (SET ROLE) would not do: code of that role's can RESET ROLE, and then has the superuser's rights.

BEGIN;

-- One run at a time (two starting stacks, two operators).
DO $lock$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('portfolio-bulk-access service roles')); END $lock$;

-- The login roles: nothing more than logging in.
DO $roles$
DECLARE
    service_role text;
BEGIN
    FOREACH service_role IN ARRAY ARRAY['bulk_gateway', 'bulk_worker', 'bulk_audit'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service_role) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', service_role);
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
                       service_role);
    END LOOP;
END
$roles$;

-- Members of no other role (e.g. pg_execute_server_program, pg_read_server_files).
DO $memberships$
DECLARE
    membership record;
BEGIN
    FOR membership IN
        SELECT m.roleid::regrole AS granted, m.member::regrole AS member, m.grantor::regrole AS grantor
          FROM pg_auth_members m
         WHERE m.member IN (SELECT oid FROM pg_roles WHERE rolname IN ('bulk_gateway', 'bulk_worker', 'bulk_audit'))
    LOOP
        EXECUTE format('REVOKE %s FROM %s GRANTED BY %s', membership.granted, membership.member, membership.grantor);
    END LOOP;
END
$memberships$;

-- Only the service roles (and superusers) connect; no one creates temporary tables.
DO $database$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO bulk_gateway, bulk_worker, bulk_audit', current_database());
END
$database$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Each schema and everything in it belongs to the role of the service that migrates it.
CREATE SCHEMA IF NOT EXISTS jobs AUTHORIZATION bulk_gateway;
CREATE SCHEMA IF NOT EXISTS directory AUTHORIZATION bulk_worker;
CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION bulk_audit;

DO $owners$
DECLARE
    owned record;
    object record;
BEGIN
    FOR owned IN
        SELECT schema_name, owner_name
          FROM (VALUES ('jobs', 'bulk_gateway'), ('directory', 'bulk_worker'), ('audit', 'bulk_audit'))
               AS owners (schema_name, owner_name)
    LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', owned.schema_name, owned.owner_name);
        -- Tables (with their indexes, sequences of identity and serial columns, triggers), views,
        -- materialized views and foreign tables.
        FOR object IN
            SELECT c.oid::regclass AS name,
                   CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
              FROM pg_class c
             WHERE c.relnamespace = owned.schema_name::regnamespace
               AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
               AND c.relowner <> owned.owner_name::regrole
        LOOP
            EXECUTE format('ALTER %s %s OWNER TO %I', object.kind, object.name, owned.owner_name);
        END LOOP;
        -- Sequences of their own (those of a column followed their table).
        FOR object IN
            SELECT c.oid::regclass AS name
              FROM pg_class c
             WHERE c.relnamespace = owned.schema_name::regnamespace
               AND c.relkind = 'S'
               AND c.relowner <> owned.owner_name::regrole
        LOOP
            EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', object.name, owned.owner_name);
        END LOOP;
        -- Functions and procedures (trigger functions included).
        FOR object IN
            SELECT p.oid::regprocedure AS name
              FROM pg_proc p
             WHERE p.pronamespace = owned.schema_name::regnamespace
               AND p.proowner <> owned.owner_name::regrole
        LOOP
            EXECUTE format('ALTER ROUTINE %s OWNER TO %I', object.name, owned.owner_name);
        END LOOP;
        -- Types of their own: enums, ranges, domains, composite types.
        FOR object IN
            SELECT t.oid::regtype AS name, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind
              FROM pg_type t
             WHERE t.typnamespace = owned.schema_name::regnamespace
               AND t.typowner <> owned.owner_name::regrole
               AND (t.typtype IN ('e', 'r', 'd')
                    OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
        LOOP
            EXECUTE format('ALTER %s %s OWNER TO %I', object.kind, object.name, owned.owner_name);
        END LOOP;
    END LOOP;
END
$owners$;

-- No one but the owner has any privilege on a schema or its objects, until granted below.
REVOKE ALL ON SCHEMA jobs FROM PUBLIC, bulk_worker, bulk_audit;
REVOKE ALL ON SCHEMA directory FROM PUBLIC, bulk_gateway, bulk_audit;
REVOKE ALL ON SCHEMA audit FROM PUBLIC, bulk_gateway, bulk_worker;
-- The worker's tables of jobs are the gateway's to grant (below).
REVOKE ALL ON ALL TABLES IN SCHEMA jobs FROM PUBLIC, bulk_audit;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA jobs FROM PUBLIC, bulk_worker, bulk_audit;
REVOKE ALL ON ALL ROUTINES IN SCHEMA jobs FROM PUBLIC, bulk_worker, bulk_audit;
REVOKE ALL ON ALL TABLES IN SCHEMA directory FROM PUBLIC, bulk_gateway, bulk_audit;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA directory FROM PUBLIC, bulk_gateway, bulk_audit;
REVOKE ALL ON ALL ROUTINES IN SCHEMA directory FROM PUBLIC, bulk_gateway, bulk_audit;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC, bulk_gateway, bulk_worker;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA audit FROM PUBLIC, bulk_gateway, bulk_worker;
REVOKE ALL ON ALL ROUTINES IN SCHEMA audit FROM PUBLIC, bulk_gateway, bulk_worker;

-- Routines a role creates are not executable by everyone (PostgreSQL's default).
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_gateway REVOKE EXECUTE ON ROUTINES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_worker REVOKE EXECUTE ON ROUTINES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_audit REVOKE EXECUTE ON ROUTINES FROM PUBLIC;

-- jobs (api-gateway's): the worker applies tasks (bulk_tasks, bulk_jobs; ending a job fires the
-- trigger that writes webhook_events), releases deferred tasks (release_deferred_tasks, which queues
-- task_republications) and records dead letters (task_dead_letters). It deletes nothing there.
GRANT USAGE ON SCHEMA jobs TO bulk_worker;
-- Its tables, exactly: the gateway grants them (jobs/afterMigrate__worker_grants.sql, at every migration
-- and start of a gateway, through jobs.grant_worker_tables()), so they are left as the gateway set them.
-- That function is the gateway's, which this script never runs. Before the gateway first granted them
-- (a database from before that list, without the function; or from before the roles, where the
-- superuser's migrations granted nothing to a role that did not exist), all of jobs' tables, until the
-- gateway's next start narrows them.
DO $worker_tables$
BEGIN
    IF to_regprocedure('jobs.grant_worker_tables()') IS NULL
       OR NOT EXISTS (SELECT 1
                        FROM pg_class c, aclexplode(c.relacl) acl
                       WHERE c.relnamespace = 'jobs'::regnamespace
                         AND acl.grantee = 'bulk_worker'::regrole) THEN
        REVOKE ALL ON ALL TABLES IN SCHEMA jobs FROM bulk_worker;
        GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA jobs TO bulk_worker;
    END IF;
END
$worker_tables$;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA jobs TO bulk_worker;
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA jobs TO bulk_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_gateway IN SCHEMA jobs REVOKE ALL ON TABLES FROM bulk_worker, bulk_audit;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_gateway IN SCHEMA jobs REVOKE ALL ON SEQUENCES FROM bulk_worker, bulk_audit;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_gateway IN SCHEMA jobs REVOKE ALL ON ROUTINES FROM bulk_worker, bulk_audit;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_gateway IN SCHEMA jobs GRANT USAGE ON SEQUENCES TO bulk_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_gateway IN SCHEMA jobs GRANT EXECUTE ON ROUTINES TO bulk_worker;

-- directory (bulk-worker's): the gateway reads it (resolving a job's targets, the directory API,
-- the console); only the worker writes it.
GRANT USAGE ON SCHEMA directory TO bulk_gateway;
GRANT SELECT ON ALL TABLES IN SCHEMA directory TO bulk_gateway;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_worker IN SCHEMA directory REVOKE ALL ON TABLES FROM bulk_gateway, bulk_audit;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_worker IN SCHEMA directory REVOKE ALL ON SEQUENCES FROM bulk_gateway, bulk_audit;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_worker IN SCHEMA directory REVOKE ALL ON ROUTINES FROM bulk_gateway, bulk_audit;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_worker IN SCHEMA directory GRANT SELECT ON TABLES TO bulk_gateway;

-- audit (audit-consumer's): no other service reads or writes it (the gateway asks the
-- audit-consumer's internal API).
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_audit IN SCHEMA audit REVOKE ALL ON TABLES FROM bulk_gateway, bulk_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_audit IN SCHEMA audit REVOKE ALL ON SEQUENCES FROM bulk_gateway, bulk_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE bulk_audit IN SCHEMA audit REVOKE ALL ON ROUTINES FROM bulk_gateway, bulk_worker;

COMMIT;
