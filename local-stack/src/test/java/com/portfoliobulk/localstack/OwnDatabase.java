package com.portfoliobulk.localstack;

import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A new database on the tests' PostgreSQL server, every schema migrated, dropped on close. For tests
 * whose gateways must be the only relays of their outbox: every gateway relays all unpublished tasks
 * of its database, so on the shared database the gateway of {@link TestStack} would publish their
 * tasks to its own topic.
 */
final class OwnDatabase implements AutoCloseable {

    private final String name;

    private final DatabaseEndpoint endpoint;

    private OwnDatabase(String name, DatabaseEndpoint endpoint) {
        this.name = name;
        this.endpoint = endpoint;
    }

    /** Creates and migrates a database named {@code prefix} and a random suffix. */
    static OwnDatabase create(String prefix) {
        String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
        DatabaseEndpoint server = TestStack.sharedDatabase();
        execute(server, "CREATE DATABASE " + name);
        DatabaseEndpoint own = new DatabaseEndpoint(
                server.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1"),
                server.username(),
                server.password());
        SharedInfrastructure.migrate(
                new com.portfoliobulk.testsupport.DatabaseEndpoint(own.jdbcUrl(), own.username(), own.password()));
        return new OwnDatabase(name, own);
    }

    DatabaseEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        execute(TestStack.sharedDatabase(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private static void execute(DatabaseEndpoint server, String sql) {
        try (Connection connection =
                        DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException ex) {
            throw new IllegalStateException("Could not run " + sql, ex);
        }
    }
}
