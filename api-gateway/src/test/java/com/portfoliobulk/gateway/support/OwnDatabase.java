package com.portfoliobulk.gateway.support;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A new database on the shared PostgreSQL server, with every schema migrated, for a test whose
 * gateway must not share its rows with the other gateways of the test JVM; dropped on close.
 */
public final class OwnDatabase implements AutoCloseable {

    private final String name;

    private final DatabaseEndpoint endpoint;

    private OwnDatabase(String name, DatabaseEndpoint endpoint) {
        this.name = name;
        this.endpoint = endpoint;
    }

    /** Creates and migrates a database named {@code prefix} and a random suffix. */
    public static OwnDatabase create(String prefix) throws SQLException {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
        execute("CREATE DATABASE " + name);
        DatabaseEndpoint shared = SharedInfrastructure.database();
        DatabaseEndpoint own = new DatabaseEndpoint(
                shared.jdbcUrl().replaceFirst("/bulk(\\?|$)", "/" + name + "$1"), shared.username(), shared.password());
        SharedInfrastructure.migrate(own);
        return new OwnDatabase(name, own);
    }

    public DatabaseEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws SQLException {
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private static void execute(String sql) throws SQLException {
        DatabaseEndpoint shared = SharedInfrastructure.database();
        try (Connection connection =
                        DriverManager.getConnection(shared.jdbcUrl(), shared.username(), shared.password());
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
