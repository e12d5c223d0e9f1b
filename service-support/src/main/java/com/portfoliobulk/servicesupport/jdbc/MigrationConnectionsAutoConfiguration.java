package com.portfoliobulk.servicesupport.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.boot.flyway.autoconfigure.FlywayProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
 */
@AutoConfiguration
@ConditionalOnClass({Flyway.class, FlywayConfigurationCustomizer.class})
public final class MigrationConnectionsAutoConfiguration {

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
