package com.portfoliobulk.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.Configuration;

/**
 * How a service's migrations wait at its start, as service-support's {@code
 * MigrationConnectionsAutoConfiguration} sets them unless the service's configuration says otherwise:
 * they try to connect again and again, at most 10 s apart, until PostgreSQL accepts connections, and wait
 * for another instance's migrations as long as they take. Checked by every service's test on the
 * service's own Flyway, next to what its main does with {@value MigrateOnlyContract#VARIABLE}
 * ({@link MigrateOnlyContract}).
 */
public final class MigrationRetries {

    private MigrationRetries() {}

    /** Asserts that the service's migrations wait for the database and for another instance's migrations. */
    public static void assertWaitForTheDatabaseAndAnotherInstancesMigrations(Flyway flyway) {
        assertThat(flyway.getConfiguration())
                .extracting(
                        Configuration::getConnectRetries,
                        Configuration::getConnectRetriesInterval,
                        Configuration::getLockRetryCount)
                .as("tries to connect, seconds between them at most, tries to take the lock (-1: for ever)")
                .containsExactly(Integer.MAX_VALUE, 10, -1);
    }
}
