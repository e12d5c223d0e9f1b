package com.portfoliobulk.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.EmptyDatabase;
import com.portfoliobulk.testsupport.MigrateOnlyContract;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway's start with {@code BULK_MIGRATE_ONLY=true}: it migrates the jobs schema and exits, and
 * a migration that fails (a database out of reach, a history that no longer matches the migrations)
 * exits with a non-zero status, so that an upgrade stops before a new version starts.
 */
class GatewayMigrateOnlyIntegrationTests implements MigrateOnlyContract {

    @Override
    public Class<?> mainClass() {
        return GatewayApplication.class;
    }

    @Override
    public String schema() {
        return "jobs";
    }

    @Override
    public Map<String, String> serviceEnvironment() {
        return Map.of("BULK_JWT_SECRET", TestTokens.DEVELOPMENT_SECRET);
    }

    @Test
    void aMigratedHistoryThatNoLongerMatchesTheMigrationsExitsNonZero() throws Exception {
        try (EmptyDatabase database = EmptyDatabase.create("migrate_only_checksum")) {
            migrations(database.endpoint()).migrate();
            try (Connection connection = DriverManager.getConnection(
                            database.endpoint().jdbcUrl(),
                            database.endpoint().username(),
                            database.endpoint().password());
                    Statement statement = connection.createStatement()) {
                statement.executeUpdate(
                        "UPDATE jobs.flyway_schema_history SET checksum = checksum + 1 WHERE version = '163'");
            }

            Run run = runMain("true", database.endpoint());

            assertThat(run.ended()).as("exits by itself:%n%s", run.tail()).isTrue();
            assertThat(run.status()).as(run.tail()).isEqualTo(1);
            assertThat(run.output()).contains("checksum mismatch for migration version 163", "the migration failed");
            assertThat(run.brokerContacted()).isFalse();
        }
    }

    @Test
    void anUnreachableDatabaseExitsNonZero() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }

        Run run = runMain("true", new DatabaseEndpoint("jdbc:postgresql://127.0.0.1:" + closed + "/bulk", "bulk", "x"));

        assertThat(run.ended()).as("exits by itself:%n%s", run.tail()).isTrue();
        assertThat(run.status()).as(run.tail()).isEqualTo(1);
        assertThat(run.output()).contains("the migration failed");
        assertThat(run.brokerContacted()).isFalse();
    }

    /** Checked once, for the gateway: the three mains read the variable the same way. */
    @Test
    void aValueOtherThanTrueOrFalseStartsNothing() throws Exception {
        try (EmptyDatabase database = EmptyDatabase.create("migrate_only_value")) {
            Run run = runMain("yes", database.endpoint());

            assertThat(run.ended()).as("exits by itself:%n%s", run.tail()).isTrue();
            assertThat(run.status()).as(run.tail()).isNotZero();
            assertThat(run.output()).contains(MigrateOnlyContract.VARIABLE + " must be true or false, not 'yes'");
            assertThat(run.brokerContacted())
                    .as("connected to Kafka:%n%s", run.tail())
                    .isFalse();
            assertThat(MigrateOnlyContract.tables(database.endpoint()))
                    .as("tables made")
                    .isZero();
        }
    }
}
