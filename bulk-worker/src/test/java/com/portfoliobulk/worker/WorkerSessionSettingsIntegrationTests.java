package com.portfoliobulk.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.MigrationRetries;
import com.portfoliobulk.testsupport.SessionSettings;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The worker's sessions end the transaction of a worker that vanished or froze within seconds (the
 * datasource's session options), and a transaction that waits on the broker or the SMTP server
 * stands idle for longer, itself alone.
 */
class WorkerSessionSettingsIntegrationTests extends WorkerIntegrationSupport {

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcClient jdbc;

    @Test
    void sessionsEndAVanishedOrFrozenWorkersTransactionWithinSeconds() throws Exception {
        assertThat(SessionSettings.ofFailover(dataSource)).containsExactly("10s", "1s", "2", "1", "3", "5000");
    }

    @Autowired
    Flyway flyway;

    @Test
    void aStartWaitsForTheDatabaseToAcceptConnectionsAndForAnotherInstancesMigrations() {
        MigrationRetries.assertWaitForTheDatabaseAndAnotherInstancesMigrations(flyway);
    }

    @Test
    void aStatementWaitsAMinuteForTheDatabasesAnswerAndAMigrationAsLongAsItTakes() throws Exception {
        assertThat(SessionSettings.socketTimeouts(dataSource, flyway)).containsExactly(60_000, 0);
    }

    @Test
    void aTransactionAllowedToWaitStandsIdleLongerAndTheSessionGoesBackToTheTimeoutAfterIt() throws Exception {
        try (Connection pooled = dataSource.getConnection()) {
            SingleConnectionDataSource connection = new SingleConnectionDataSource(pooled, true);
            JdbcClient session = JdbcClient.create(connection);
            TransactionWaits waits = new TransactionWaits(session);

            String during = new TransactionTemplate(new DataSourceTransactionManager(connection)).execute(status -> {
                waits.allow(Duration.ofSeconds(90));
                return idleTimeout(session);
            });

            assertThat(during).isEqualTo("2min");
            assertThat(idleTimeout(session)).isEqualTo("10s");
        }
    }

    private static String idleTimeout(JdbcClient session) {
        return session.sql("SELECT current_setting('idle_in_transaction_session_timeout')")
                .query(String.class)
                .single();
    }

    /**
     * PostgreSQL's detail of a row it refuses ("Key (email)=(…) already exists", "Detail: Failing row
     * contains (…)") and a failed batch's statement with its values ("Batch entry 0 INSERT … VALUES
     * ('…', '…')") are kept out of the driver's exceptions, whose messages the worker's log lines
     * quote whole: the rows hold e-mail addresses. The messages still say what was violated. Before,
     * they quoted both.
     */
    @Test
    void theDatabasesErrorsAboutARefusedRowDoNotQuoteIt() throws Exception {
        String email = "refused." + UUID.randomUUID() + "@example.test";

        assertThat(SessionSettings.refusedRowErrors(dataSource, email))
                .contains(
                        "ERROR: duplicate key value violates unique constraint \"test_refused_rows_pkey\"",
                        "ERROR: new row for relation \"test_refused_rows\" violates check constraint \"test_no_copy\"")
                .doesNotContain(email, "Detail:", "Failing row contains", "INSERT INTO");
    }
}
