package com.portfoliobulk.testsupport;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The PostgreSQL settings with which a service's sessions end the session of an instance that died,
 * was cut off or froze, read in one session of the service's data source.
 */
public final class SessionSettings {

    /** In the order {@link #ofFailover(DataSource)} answers them. */
    public static final List<String> FAILOVER = List.of(
            "idle_in_transaction_session_timeout",
            "client_connection_check_interval",
            "tcp_keepalives_idle",
            "tcp_keepalives_interval",
            "tcp_keepalives_count",
            "tcp_user_timeout");

    private SessionSettings() {}

    /** The values of the {@link #FAILOVER} settings, as {@code current_setting} shows them (e.g. 10s, 2). */
    public static List<String> ofFailover(DataSource dataSource) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            for (String name : FAILOVER) {
                try (ResultSet value = statement.executeQuery("SELECT current_setting('" + name + "')")) {
                    value.next();
                    values.add(value.getString(1));
                }
            }
        }
        return values;
    }

    /**
     * How long, in milliseconds, a statement waits for the database's answer on a connection of the
     * service's pool, then on one of its migrations (0: as long as it takes).
     */
    public static List<Integer> socketTimeouts(DataSource pool, Flyway migrations) throws SQLException {
        try (Connection connection = pool.getConnection();
                Connection migration =
                        migrations.getConfiguration().getDataSource().getConnection()) {
            return List.of(connection.getNetworkTimeout(), migration.getNetworkTimeout());
        }
    }
}
