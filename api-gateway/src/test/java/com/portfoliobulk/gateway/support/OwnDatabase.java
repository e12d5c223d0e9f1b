package com.portfoliobulk.gateway.support;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.EmptyDatabase;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.sql.SQLException;

/**
 * A new database on the shared PostgreSQL server, with every schema migrated, for a test whose
 * gateway must not share its rows with the other gateways of the test JVM; dropped on close.
 */
public final class OwnDatabase implements AutoCloseable {

    private final EmptyDatabase database;

    private OwnDatabase(EmptyDatabase database) {
        this.database = database;
    }

    /** Creates and migrates a database named {@code prefix} and a random suffix. */
    public static OwnDatabase create(String prefix) throws SQLException {
        EmptyDatabase database = EmptyDatabase.create(prefix);
        try {
            SharedInfrastructure.migrate(database.endpoint());
        } catch (RuntimeException ex) {
            database.close();
            throw ex;
        }
        return new OwnDatabase(database);
    }

    public DatabaseEndpoint endpoint() {
        return database.endpoint();
    }

    @Override
    public void close() throws SQLException {
        database.close();
    }
}
