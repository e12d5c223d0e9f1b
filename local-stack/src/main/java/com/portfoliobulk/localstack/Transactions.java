package com.portfoliobulk.localstack;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** Plain JDBC transactions on the local database, for the local stack's own admin work. */
final class Transactions {

    private final DatabaseEndpoint database;

    Transactions(DatabaseEndpoint database) {
        this.database = database;
    }

    /** Runs the work in one transaction on a new connection: commits its result, rolls back on failure. */
    <T> T run(Work<T> work) {
        try (Connection connection =
                DriverManager.getConnection(database.jdbcUrl(), database.username(), database.password())) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException ex) {
                connection.rollback();
                throw ex;
            }
        } catch (SQLException ex) {
            throw new IllegalStateException("Database work failed: " + ex.getMessage(), ex);
        }
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }
}
