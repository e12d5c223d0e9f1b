-- A migration that takes longer than the idle-in-transaction timeout of the pool's sessions in
-- MigrateOnlyIntegrationTests (1 s), as an index built on a large table does.
SELECT pg_sleep(2);
CREATE TABLE slow_migration.migrated (id bigint PRIMARY KEY);
