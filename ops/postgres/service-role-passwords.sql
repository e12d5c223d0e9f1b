-- Sets the password of each service's database role (bulk-schema's db/service-roles.sql creates the
-- roles) from the PostgreSQL container's environment, which docker-compose.yml fills from .env. psql
-- reads the variables itself (\getenv): no password appears on a command line or in a file.
--
-- Run by psql as the superuser after service-roles.sql: by the image's entrypoint on a new volume
-- (/docker-entrypoint-initdb.d), by hand on an existing one (README.md, "Run with Docker Compose").
\set ON_ERROR_STOP on
\getenv gateway_password BULK_GATEWAY_DB_PASSWORD
\getenv worker_password BULK_WORKER_DB_PASSWORD
\getenv audit_password BULK_AUDIT_DB_PASSWORD
SELECT :{?gateway_password} AND :{?worker_password} AND :{?audit_password} AS passwords_set \gset
\if :passwords_set
ALTER ROLE bulk_gateway PASSWORD :'gateway_password';
ALTER ROLE bulk_worker PASSWORD :'worker_password';
ALTER ROLE bulk_audit PASSWORD :'audit_password';
\else
DO $$ BEGIN RAISE EXCEPTION 'Set BULK_GATEWAY_DB_PASSWORD, BULK_WORKER_DB_PASSWORD and BULK_AUDIT_DB_PASSWORD (README.md, Run with Docker Compose)'; END $$;
\endif
