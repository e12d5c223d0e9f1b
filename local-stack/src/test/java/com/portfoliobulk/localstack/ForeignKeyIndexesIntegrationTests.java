package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Every foreign key of the three schemas whose referenced rows are deleted (it cascades or sets
 * null on delete) has an index that leads with its columns. Deleting a referenced row makes
 * PostgreSQL look for the rows that refer to it; without such an index each deleted row costs a
 * scan of the whole referring table (retention deleting a batch of jobs scanned every idempotency
 * key once per job). Keys with no delete action refer to rows that are never deleted (users).
 */
class ForeignKeyIndexesIntegrationTests {

    @Test
    void everyForeignKeyDeletedThroughHasAnIndexLeadingWithItsColumns() {
        try (OwnDatabase database = OwnDatabase.create("foreign_keys")) {
            DatabaseEndpoint endpoint = database.endpoint();
            JdbcClient jdbc = JdbcClient.create(
                    new DriverManagerDataSource(endpoint.jdbcUrl(), endpoint.username(), endpoint.password()));
            assertThat(jdbc.sql(
                                    "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confdeltype IN ('c', 'n', 'd')"
                                            + " AND connamespace::regnamespace::text IN ('jobs', 'directory', 'audit')")
                            .query(Long.class)
                            .single())
                    .as("the schemas have foreign keys to check")
                    .isPositive();
            List<String> unindexed = jdbc.sql("""
                            SELECT c.conrelid::regclass::text || ' (' || c.conname || ')'
                              FROM pg_constraint c
                             WHERE c.contype = 'f'
                               AND c.confdeltype IN ('c', 'n', 'd')
                               AND c.connamespace::regnamespace::text IN ('jobs', 'directory', 'audit')
                               AND NOT EXISTS (
                                   SELECT 1 FROM pg_index i
                                    WHERE i.indrelid = c.conrelid
                                      AND i.indpred IS NULL
                                      AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                                      AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
                             ORDER BY 1""").query(String.class).list();
            assertThat(unindexed)
                    .as("foreign keys without an index leading with their columns")
                    .isEmpty();
        }
    }
}
