package com.portfoliobulk.servicesupport.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Migrations wait for the database as long as it takes. Every other statement of a service waits at
 * most its pool's {@code socketTimeout} ({@code BULK_DB_SOCKET_TIMEOUT}) for the database's answer, so
 * that a connection gone silent fails instead of holding its thread forever; a migration that builds
 * an index on a large table may rightly take longer, and a service that gave it up would fail to start
 * again and again. Flyway's connections, taken from the same pool, have no such bound (the pool gives
 * the next user of the connection its own bound again).
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
