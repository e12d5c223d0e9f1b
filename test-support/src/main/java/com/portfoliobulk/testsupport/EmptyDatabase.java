package com.portfoliobulk.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A new database on the shared PostgreSQL server ({@link SharedInfrastructure}) with no schema migrated,
 * as a service finds it on its first start; dropped on close. Reached as the server's superuser.
 */
public final class EmptyDatabase implements AutoCloseable {

    private final String name;

    private final DatabaseEndpoint endpoint;

    private EmptyDatabase(String name, DatabaseEndpoint endpoint) {
        this.name = name;
        this.endpoint = endpoint;
    }

    /** Creates a database named {@code prefix} and a random suffix. */
    public static EmptyDatabase create(String prefix) throws SQLException {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
        execute("CREATE DATABASE " + name);
        DatabaseEndpoint shared = SharedInfrastructure.database();
        return new EmptyDatabase(
                name,
                new DatabaseEndpoint(
                        shared.jdbcUrl().replaceFirst("/bulk(\\?|$)", "/" + name + "$1"),
                        shared.username(),
                        shared.password()));
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
