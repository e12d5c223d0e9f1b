-- The role of the PostgreSQL exporter (docker-compose.yml, service postgres-exporter): it logs in,
-- reads PostgreSQL's statistics through the built-in role pg_monitor, and nothing more: no table of
-- any schema, no superuser, no creating. Its password comes from the PostgreSQL container's
-- environment, which docker-compose.yml fills from .env (BULK_MONITOR_DB_PASSWORD); psql reads the
-- variable itself (\getenv): no password appears on a command line or in a file.
--
-- Run by psql as the superuser on the application database: by the image's entrypoint on a new volume
-- (/docker-entrypoint-initdb.d, after the services' roles), by hand on an existing one (README.md,
-- "Run with Docker Compose"). Idempotent: it creates the role when missing and sets everything else
-- again, so it also sets a changed password.
\set ON_ERROR_STOP on
\getenv monitor_password BULK_MONITOR_DB_PASSWORD
SELECT :{?monitor_password} AS password_set \gset
\if :password_set
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bulk_monitor') AS role_missing \gset
\if :role_missing
CREATE ROLE bulk_monitor;
\endif
-- Three connections at most: the exporter needs one.
ALTER ROLE bulk_monitor LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3
    PASSWORD :'monitor_password';
GRANT pg_monitor TO bulk_monitor;
-- The services' roles script revokes CONNECT from PUBLIC on the application database.
GRANT CONNECT ON DATABASE :"DBNAME" TO bulk_monitor;
\else
DO $$ BEGIN RAISE EXCEPTION 'Set BULK_MONITOR_DB_PASSWORD (README.md, Run with Docker Compose)'; END $$;
\endif
