package com.portfoliobulk.servicesupport.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.SessionSettings;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TcpProxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The context of a start with {@code BULK_MIGRATE_ONLY=true} migrates as the service's own start does:
 * its pool bounds the wait for the database's answers as the service's configuration sets it, and its
 * migrations wait as long as they take, also longer than the idle-in-transaction timeout of the pool's
 * sessions, which keep it. It waits for a database that does not accept connections yet and for
 * another instance's migrations, as the service's start does; {@link MigrateOnly#run} alone tries to
 * connect once. (Each service's MigrateOnlyContract runs the real start.)
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

    @Test
    void migrationsWaitForTheDatabaseAndForAnotherInstancesMigrationsUnlessConfiguredOtherwise() {
        migrations("spring.flyway.schemas=audit", "spring.flyway.locations=classpath:db/migration/audit")
                .run(context -> assertThat(context.getBean(Flyway.class).getConfiguration())
                        .extracting(
                                Configuration::getConnectRetries,
                                Configuration::getConnectRetriesInterval,
                                Configuration::getLockRetryCount)
                        .as("tries to connect, seconds between them at most, tries to take the lock")
                        .containsExactly(Integer.MAX_VALUE, 10, -1));
        migrations(
                        "spring.flyway.schemas=audit",
                        "spring.flyway.locations=classpath:db/migration/audit",
                        "spring.flyway.connect-retries=3",
                        "spring.flyway.connect-retries-interval=5s",
                        "spring.flyway.lock-retry-count=20")
                .run(context -> assertThat(context.getBean(Flyway.class).getConfiguration())
                        .extracting(
                                Configuration::getConnectRetries,
                                Configuration::getConnectRetriesInterval,
                                Configuration::getLockRetryCount)
                        .containsExactly(3, 5, 20));
    }

    @Test
    void aStartWhileTheDatabaseRefusesConnectionsMigratesOnceItAcceptsThem() throws Exception {
        DatabaseEndpoint database = SharedInfrastructure.database();
        int databasePort = Integer.parseInt(database.jdbcUrl().replaceFirst(".*://[^:/]+:(\\d+)/.*", "$1"));
        try (TcpProxy network = new TcpProxy(FreePorts.take(), () -> databasePort);
                LogLines connecting = LogLines.of("org.flywaydb.core.internal.jdbc.JdbcUtils")) {
            DatabaseEndpoint unreachable = new DatabaseEndpoint(
                    database.jdbcUrl().replaceFirst(":\\d+/", ":" + network.port() + "/"),
                    database.username(),
                    database.password());
            CompletableFuture<Void> start = CompletableFuture.runAsync(() -> migrations(
                            unreachable,
                            "spring.flyway.schemas=audit",
                            "spring.flyway.locations=classpath:db/migration/audit")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context.getBean(Flyway.class).info().pending())
                                .as("pending migrations")
                                .isEmpty();
                    }));

            await().atMost(Duration.ofMinutes(1))
                    .until(() -> start.isDone()
                            || connecting.lines().stream()
                                    .anyMatch(line -> line.getFormattedMessage().contains("Retrying in")));
            assertThat(start).as("the start gave up on the database").isNotDone();

            network.start();
            start.get(1, TimeUnit.MINUTES);
        }
    }

    @Test
    void aStartNamingADatabaseTheServerDoesNotHaveFailsAtOnceNamingIt() throws Exception {
        DatabaseEndpoint database = SharedInfrastructure.database();
        DatabaseEndpoint missing = new DatabaseEndpoint(
                database.jdbcUrl().replaceFirst("(//[^/]+/)[^?]+", "$1no_such_database"),
                database.username(),
                database.password());

        // Bounded for the test: a start that tried again would wait for ever.
        CompletableFuture.runAsync(() -> migrations(
                                missing,
                                "spring.flyway.schemas=audit",
                                "spring.flyway.locations=classpath:db/migration/audit")
                        .run(context -> {
                            assertThat(context).hasFailed();
                            assertThat(context).getFailure().rootCause().hasMessageContaining("no_such_database");
                        }))
                .get(1, TimeUnit.MINUTES);
    }

    /**
     * A server that does not know a setting of the session options (a PostgreSQL older than it, as a
     * minor release before August 2024 for the gateway's restrict_nonsystem_relation_kind) refuses
     * every connection: the start ends at once and logs one line naming the setting and what to do.
     */
    @Test
    void aStartWithASessionSettingTheServerDoesNotKnowFailsAtOnceNamingTheSettingAndTheFix() throws Exception {
        String unknown = "a_setting_of_a_later_release";
        try (LogLines logged = LogLines.of(MigrationConnectionsAutoConfiguration.class.getName())) {
            // Bounded for the test: a start that tried again would wait for ever.
            CompletableFuture.runAsync(() -> migrations(
                                    "spring.datasource.hikari.data-source-properties.options=-c"
                                            + " client_connection_check_interval=1s -c " + unknown + "=on",
                                    "spring.flyway.schemas=audit",
                                    "spring.flyway.locations=classpath:db/migration/audit")
                            .run(context -> {
                                assertThat(context).hasFailed();
                                assertThat(context)
                                        .getFailure()
                                        .hasStackTraceContaining("does not know the setting \"" + unknown + "\"");
                            }))
                    .get(1, TimeUnit.MINUTES);

            assertThat(logged.lines()).singleElement().satisfies(line -> {
                assertThat(line.getLevel()).hasToString("ERROR");
                assertThat(line.getFormattedMessage())
                        .contains(
                                "PostgreSQL refuses every connection: it does not know the setting \"" + unknown + "\"",
                                "BULK_DB_SESSION_OPTIONS",
                                "Upgrade PostgreSQL");
            });
        }
    }

    private static String idleTimeout(Connection connection) {
        return JdbcClient.create(new SingleConnectionDataSource(connection, true))
                .sql("SHOW idle_in_transaction_session_timeout")
                .query(String.class)
                .single();
    }

    /** The migrate-only start's configuration against the tests' database, with {@code properties}. */
    private static ApplicationContextRunner migrations(String... properties) {
        return migrations(SharedInfrastructure.database(), properties);
    }

    /** The migrate-only start's configuration against {@code database}, with {@code properties}. */
    private static ApplicationContextRunner migrations(DatabaseEndpoint database, String... properties) {
        return new ApplicationContextRunner()
                .withUserConfiguration(MigrateOnly.Migrations.class)
                .withPropertyValues(
                        "spring.datasource.url=" + database.jdbcUrl(),
                        "spring.datasource.username=" + database.username(),
                        "spring.datasource.password=" + database.password())
                .withPropertyValues(properties);
    }
}
