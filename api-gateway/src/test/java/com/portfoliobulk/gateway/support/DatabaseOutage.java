package com.portfoliobulk.gateway.support;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The shared database as an outage leaves it to the gateway, from {@link #begin}: it refuses new
 * connections, and the sessions on it are ended (all but those the test keeps), until closed. Done
 * from the server's maintenance database, as its superuser.
 */
public final class DatabaseOutage implements AutoCloseable {

    private final Connection admin;

    private final String database;

    private final Integer[] kept;

    private DatabaseOutage(Connection admin, String database, Integer[] kept) {
        this.admin = admin;
        this.database = database;
        this.kept = kept;
    }

    /** The outage of the gateway's database, which is to keep the sessions of {@code keep}. */
    public static DatabaseOutage of(JdbcClient jdbc, Connection... keep) throws SQLException {
        String database =
                jdbc.sql("SELECT current_database()").query(String.class).single();
        List<Integer> kept = new ArrayList<>();
        for (Connection connection : keep) {
            try (Statement statement = connection.createStatement();
                    ResultSet pid = statement.executeQuery("SELECT pg_backend_pid()")) {
                pid.next();
                kept.add(pid.getInt(1));
            }
        }
        DatabaseEndpoint shared = SharedInfrastructure.database();
        Connection admin = DriverManager.getConnection(
                shared.jdbcUrl().replaceFirst("/" + database + "(\\?|$)", "/postgres$1"),
                shared.username(),
                shared.password());
        return new DatabaseOutage(admin, database, kept.toArray(Integer[]::new));
    }

    /** Refuses new connections to the database and ends the sessions on it, but those kept. */
    public void begin() throws SQLException {
        try (Statement statement = admin.createStatement()) {
            statement.execute("ALTER DATABASE \"" + database + "\" ALLOW_CONNECTIONS false");
        }
        try (PreparedStatement terminate = admin.prepareStatement(
                "SELECT pg_terminate_backend(pid)" + " FROM pg_stat_activity WHERE datname = ? AND pid <> ALL (?)")) {
            terminate.setString(1, database);
            terminate.setArray(2, admin.createArrayOf("integer", kept));
            terminate.executeQuery().close();
        }
    }

    /** Ends the outage: the database accepts connections again. */
    @Override
    public void close() throws SQLException {
        try (admin;
                Statement statement = admin.createStatement()) {
            statement.execute("ALTER DATABASE \"" + database + "\" ALLOW_CONNECTIONS true");
        }
    }
}
