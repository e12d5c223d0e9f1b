package com.portfoliobulk.servicesupport.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.boot.flyway.autoconfigure.FlywayProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Migrations wait for the database as long as it takes. Every other statement of a service waits at
 * most its pool's {@code socketTimeout} ({@code BULK_DB_SOCKET_TIMEOUT}) for the database's answer, so
 * that a connection gone silent fails instead of holding its thread forever; a migration that builds
 * an index on a large table may rightly take longer, and a service that gave it up would fail to start
 * again and again. Flyway's connections, taken from the same pool, have no such bound (the pool gives
 * the next user of the connection its own bound again).
 *
 * <p>Nor does the sessions' idle-in-transaction timeout bound them (the worker's and the
 * audit-consumer's {@code idle_in_transaction_session_timeout}, 10 s): Flyway holds its PostgreSQL
 * advisory lock on a connection of its own while a migration runs on another, and by default takes it
 * in a transaction ({@code pg_try_advisory_xact_lock}), which then stands idle for as long as the
 * migration runs: PostgreSQL would end that session after the timeout, and the migration would fail,
 * at every start again. The migrations take the lock for the session instead
 * ({@code pg_try_advisory_lock}, released when they end or when the session ends), unless
 * {@code spring.flyway.postgresql.transactional-lock} says otherwise. Both kinds of lock exclude each
 * other, so a new version that migrates while an instance of the previous one starts still migrates
 * alone. No session setting changes: the connections go back to the pool with the service's timeout.
 *
 * <p>Nor does a start give up on a database that does not accept connections yet, or on the lock that
 * another instance's migrations hold: Docker starts every container again after its daemon's restart,
 * the services before PostgreSQL accepts connections, and an upgrade's migration may build an index for
 * minutes while an instance restarts. Flyway would try to connect once ({@code connect-retries} 0) and
 * take the lock within 50 tries a second apart ({@code lock-retry-count} 50), and the service would
 * exit. Unless {@code spring.flyway.connect-retries}, {@code connect-retries-interval} or
 * {@code lock-retry-count} say otherwise, the migrations try to connect again and again, at most
 * {@value #CONNECT_RETRIES_INTERVAL_SECONDS} s apart, and wait for the lock as long as the other
 * instance holds it (each try is a {@code pg_try_advisory_lock} on a connection that stands outside a
 * transaction meanwhile, so no idle-in-transaction timeout ends it). Only a database out of reach is
 * tried again (what {@link DatabaseFailure#passesByItself()}: refused or unanswered connections, a server
 * starting up or shutting down, too many connections, a server out of disk space or memory): a login it refuses (a
 * wrong password or role) or a database it does not have ends the start at once, naming the cause, as
 * before, rather than keep a service that no wait mends starting for ever. So does a session setting
 * the server does not know (a PostgreSQL older than the setting), with one line that names the
 * setting and what to do ({@link UnknownSessionSetting}). A process told to stop while its start waits
 * (SIGTERM) stops at once: the start ends, logging that it stopped while waiting
 * ({@link MigrationsStopOnShutdown}).
 */
@AutoConfiguration
@ConditionalOnClass({Flyway.class, FlywayConfigurationCustomizer.class})
public final class MigrationConnectionsAutoConfiguration {

    /** The longest wait between two tries to connect: Flyway waits 1, 2, 4 and 8 s first. */
    static final int CONNECT_RETRIES_INTERVAL_SECONDS = 10;

    private static final Logger log = LoggerFactory.getLogger(MigrationConnectionsAutoConfiguration.class);

    @Bean
    static FlywayConfigurationCustomizer migrationsWaitForTheDatabaseAndForOtherInstancesMigrations(
            Environment environment) {
        Binder settings = Binder.get(environment);
        return configuration -> {
            if (!settings.bind("spring.flyway.connect-retries", Integer.class).isBound()) {
                configuration.connectRetries(Integer.MAX_VALUE);
            }
            if (!settings.bind("spring.flyway.connect-retries-interval", String.class)
                    .isBound()) {
                configuration.connectRetriesInterval(CONNECT_RETRIES_INTERVAL_SECONDS);
            }
            if (!settings.bind("spring.flyway.lock-retry-count", Integer.class).isBound()) {
                // Flyway's "retry for ever".
                configuration.lockRetryCount(-1);
            }
            DataSource pool = configuration.getDataSource();
            if (pool != null) {
                configuration.dataSource(retriedOnlyWhileOutOfReach(pool));
            }
        };
    }

    @Bean
    @ConditionalOnMissingBean
    static FlywayMigrationStrategy migrationsStopOnShutdown() {
        return new MigrationsStopOnShutdown();
    }

    @Bean
    static FlywayConfigurationCustomizer migrationConnectionsWithoutSocketTimeout() {
        return configuration -> {
            DataSource pool = configuration.getDataSource();
            if (pool != null) {
                configuration.dataSource(withoutSocketTimeout(pool));
            }
        };
    }

    /** The migrations' lock of PostgreSQL, for the session rather than in a transaction that stands idle. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(PostgreSQLConfigurationExtension.class)
    static class MigrationLock {

        @Bean
        static FlywayConfigurationCustomizer migrationLockForTheSession(ObjectProvider<FlywayProperties> properties) {
            return configuration -> {
                FlywayProperties flyway = properties.getIfAvailable();
                if (flyway == null || flyway.getPostgresql().getTransactionalLock() == null) {
                    configuration
                            .getPluginRegister()
                            .getExact(PostgreSQLConfigurationExtension.class)
                            .setTransactionalLock(false);
                }
            };
        }
    }

    /** The data source, with connections that wait for the database's answers without a bound. */
    static DataSource withoutSocketTimeout(DataSource pool) {
        return new DelegatingDataSource(pool) {
            @Override
            public Connection getConnection() throws SQLException {
                return unbounded(super.getConnection());
            }

            @Override
            public Connection getConnection(String username, String password) throws SQLException {
                return unbounded(super.getConnection(username, password));
            }
        };
    }

    /**
     * The data source, whose failure to connect ends the migrations at once unless the database is out
     * of reach: Flyway tries again after any {@link SQLException}, but not after another exception.
     */
    static DataSource retriedOnlyWhileOutOfReach(DataSource pool) {
        return new DelegatingDataSource(pool) {
            @Override
            public Connection getConnection() throws SQLException {
                try {
                    return super.getConnection();
                } catch (SQLException ex) {
                    throw unlessOutOfReach(ex);
                }
            }

            @Override
            public Connection getConnection(String username, String password) throws SQLException {
                try {
                    return super.getConnection(username, password);
                } catch (SQLException ex) {
                    throw unlessOutOfReach(ex);
                }
            }
        };
    }

    private static SQLException unlessOutOfReach(SQLException ex) {
        Optional<String> unknownSetting = UnknownSessionSetting.explanation(ex);
        if (unknownSetting.isPresent()) {
            log.error(unknownSetting.get());
            throw new FlywayException(unknownSetting.get() + " (" + ex.getMessage() + ")", ex);
        }
        if (!DatabaseFailure.of(ex).passesByItself()) {
            throw new FlywayException(
                    "Unable to obtain connection from database, not tried again (SQL State: " + ex.getSQLState() + "): "
                            + ex.getMessage(),
                    ex);
        }
        return ex;
    }

    private static Connection unbounded(Connection connection) throws SQLException {
        try {
            connection.setNetworkTimeout(Runnable::run, 0);
            return connection;
        } catch (SQLException | RuntimeException ex) {
            connection.close();
            throw ex;
        }
    }
}
