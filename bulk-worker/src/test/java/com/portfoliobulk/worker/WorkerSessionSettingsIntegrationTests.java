package com.portfoliobulk.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.MigrationRetries;
import com.portfoliobulk.testsupport.SessionSettings;
import java.sql.Connection;
import java.time.Duration;
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
}
