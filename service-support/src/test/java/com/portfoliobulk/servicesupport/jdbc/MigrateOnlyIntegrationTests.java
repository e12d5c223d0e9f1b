package com.portfoliobulk.servicesupport.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.SessionSettings;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.sql.Connection;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The context of a start with {@code BULK_MIGRATE_ONLY=true} migrates as the service's own start does:
 * its pool bounds the wait for the database's answers as the service's configuration sets it, and its
 * migrations wait as long as they take, also longer than the idle-in-transaction timeout of the pool's
 * sessions, which keep it. (Each service's MigrateOnlyContract runs the real start.)
 */
class MigrateOnlyIntegrationTests {

    @Test
    void migrationsWaitAsLongAsTheyTakeAsInTheServicesStart() {
        migrations(
                        "spring.datasource.hikari.data-source-properties.socketTimeout=60",
                        "spring.flyway.schemas=audit",
                        "spring.flyway.locations=classpath:db/migration/audit")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(SessionSettings.socketTimeouts(
                                    context.getBean(DataSource.class), context.getBean(Flyway.class)))
                            .as("milliseconds of the pool's statements, of the migrations'")
                            .containsExactly(60_000, 0);
                });
    }

    @Test
    void aMigrationLongerThanTheSessionsIdleInTransactionTimeoutCompletesAndThePoolKeepsTheTimeout() {
        migrations(
                        "spring.datasource.hikari.data-source-properties.options=-c idle_in_transaction_session_timeout=1s",
                        "spring.flyway.schemas=slow_migration",
                        "spring.flyway.locations=classpath:db/migration/slow")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Flyway.class).info().current().getVersion())
                            .hasToString("1");
                    // The connections the migration used, which the pool hands out again first.
                    DataSource pool = context.getBean(DataSource.class);
                    try (Connection first = pool.getConnection();
                            Connection second = pool.getConnection();
                            Connection third = pool.getConnection()) {
                        assertThat(Stream.of(first, second, third).map(MigrateOnlyIntegrationTests::idleTimeout))
                                .as("the idle-in-transaction timeout of the pool's sessions after the migration")
                                .containsOnly("1s");
                    }
                });
    }

    private static String idleTimeout(Connection connection) {
        return JdbcClient.create(new SingleConnectionDataSource(connection, true))
                .sql("SHOW idle_in_transaction_session_timeout")
                .query(String.class)
                .single();
    }

    /** The migrate-only start's configuration against the tests' database, with {@code properties}. */
    private static ApplicationContextRunner migrations(String... properties) {
        DatabaseEndpoint database = SharedInfrastructure.database();
        return new ApplicationContextRunner()
                .withUserConfiguration(MigrateOnly.Migrations.class)
                .withPropertyValues(
                        "spring.datasource.url=" + database.jdbcUrl(),
                        "spring.datasource.username=" + database.username(),
                        "spring.datasource.password=" + database.password())
                .withPropertyValues(properties);
    }
}
