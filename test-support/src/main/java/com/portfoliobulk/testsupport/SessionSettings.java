package com.portfoliobulk.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The PostgreSQL settings with which a service's sessions end the session of an instance that died,
 * was cut off or froze, read in one session of the service's data source; and what the driver's
 * exceptions of the service's data source say of a row the database refuses.
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

    /**
     * The messages of the exceptions a connection of the service's pool raises for rows the database
     * refuses, each row holding {@code email}: a key taken (a unique violation of one statement) and a
     * check violation in a batch; with their causes and a batch's next exceptions, one a line, as a log
     * line's stack trace quotes them. Written to a temporary table of the session, dropped after.
     */
    public static String refusedRowErrors(DataSource dataSource, String email) throws SQLException {
        Set<String> messages = new LinkedHashSet<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("CREATE TEMPORARY TABLE test_refused_rows"
                    + " (email text PRIMARY KEY, copy text CONSTRAINT test_no_copy CHECK (copy IS NULL))");
            try (PreparedStatement insert =
                    connection.prepareStatement("INSERT INTO test_refused_rows (email, copy) VALUES (?, ?)")) {
                insert.setString(1, email);
                insert.setString(2, null);
                insert.executeUpdate();
                try {
                    insert.executeUpdate();
                    messages.add("no unique violation");
                } catch (SQLException taken) {
                    collect(taken, messages);
                }
                insert.setString(1, "other." + email);
                insert.setString(2, email);
                insert.addBatch();
                try {
                    insert.executeBatch();
                    messages.add("no check violation");
                } catch (SQLException refused) {
                    collect(refused, messages);
                }
            } finally {
                statement.execute("DROP TABLE IF EXISTS test_refused_rows");
            }
        }
        return String.join("\n", messages);
    }

    private static void collect(Throwable failure, Set<String> messages) {
        Throwable cause = failure;
        // A message met before ends the walk: a cause or next exception met twice.
        while (cause != null && messages.add(cause.getClass().getName() + ": " + cause.getMessage())) {
            if (cause instanceof SQLException sql && sql.getNextException() != null) {
                collect(sql.getNextException(), messages);
            }
            cause = cause.getCause();
        }
    }
}
