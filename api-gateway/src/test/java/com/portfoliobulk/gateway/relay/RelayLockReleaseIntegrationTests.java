package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.testsupport.MigrationRetries;
import com.portfoliobulk.testsupport.SessionSettings;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.PgConnection;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;

/**
 * A gateway that dies while its relay holds the advisory lock must not keep the other gateways from
 * relaying: PostgreSQL ends the dead gateway's session within seconds, even while a statement of it
 * waits for a lock, which it would otherwise only notice once that statement ends. A gateway that
 * froze in the middle of a pass, its connection still open, gives the relay up once the pass has stood
 * idle for longer than it may.
 */
class RelayLockReleaseIntegrationTests extends GatewayIntegrationTest {

    /** Another advisory lock, held by this test, that the vanished relay's statement waits for. */
    private static final long BLOCKER_KEY = 0x5eed_b10cL;

    /** The lock of a relay pass that stops in the middle, not the running relay's own. */
    private static final long FROZEN_PASS_KEY = 0xf102_e2L;

    @Autowired
    TaskRelay relay;

    @Autowired
    DataSource dataSource;

    @Test
    void theRelayLockOfAGatewayWhoseConnectionClosedMidStatementIsReleasedWithinSeconds() throws Exception {
        try (Connection blocker = dataSource.getConnection();
                Connection observer = dataSource.getConnection();
                Connection relaySession = dataSource.getConnection()) {
            blocker.setAutoCommit(false);
            execute(blocker, "SELECT pg_advisory_xact_lock(" + BLOCKER_KEY + ")");
            relaySession.setAutoCommit(false);
            int relayPid = relaySession.unwrap(PGConnection.class).getBackendPID();
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            queryBoolean(relaySession, "SELECT pg_try_advisory_xact_lock(" + relay.lockKey() + ")"));
            // The relay's next statement waits (as its mark may wait behind a worker's row locks).
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
                try {
                    execute(relaySession, "SELECT pg_advisory_xact_lock(" + BLOCKER_KEY + ")");
                } catch (SQLException expected) {
                    // The connection is closed under it.
                }
            });
            LockWaits.awaitLockWait(
                    dataSource,
                    "of the relay (pid " + relayPid + ")",
                    session -> session.pid() == relayPid,
                    Duration.ofSeconds(10));

            // The gateway's end of the connection closes without a word, as when its process is killed.
            long closedAt = System.nanoTime();
            relaySession.unwrap(PgConnection.class).abort(Runnable::run);
            Duration released = awaitAdvisoryLocksGone(observer, relayPid, closedAt, Duration.ofSeconds(5));
            waiting.join();

            assertThat(released).isLessThan(Duration.ofSeconds(3));
            assertThat(queryBoolean(
                            observer,
                            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = "
                                    + blocker.unwrap(PGConnection.class).getBackendPID() + ")"))
                    .as("the statement was still waiting for the blocker's lock when the session ended")
                    .isTrue();
            blocker.rollback();
        }
    }

    @Test
    void aPassThatStandsIdleLongerThanItsAllowanceGivesTheRelayUp() throws Exception {
        try (Connection observer = dataSource.getConnection();
                Connection passConnection = dataSource.getConnection()) {
            int passPid = passConnection.unwrap(PGConnection.class).getBackendPID();
            SingleConnectionDataSource passSession = new SingleConnectionDataSource(passConnection, true);
            DataSourceTransactionManager transactions = new DataSourceTransactionManager(passSession);
            TransactionStatus pass = transactions.getTransaction(TransactionDefinition.withDefaults());
            try {
                assertThat(new Outbox(JdbcClient.create(passSession)).tryLock(FROZEN_PASS_KEY, Duration.ofSeconds(1)))
                        .isTrue();
                long lockedAt = System.nanoTime();

                // The gateway stops here, as a frozen VM would: its connection stays open, the pass idle.
                Duration released = awaitAdvisoryLocksGone(observer, passPid, lockedAt, Duration.ofSeconds(10));

                // The timeout runs from the end of the lock's statement, a moment before this side has its answer.
                assertThat(released).isBetween(Duration.ofMillis(500), Duration.ofSeconds(4));
                assertThat(queryBoolean(observer, "SELECT pg_try_advisory_lock(" + FROZEN_PASS_KEY + ")"))
                        .as("another gateway takes the relay")
                        .isTrue();
                execute(observer, "SELECT pg_advisory_unlock(" + FROZEN_PASS_KEY + ")");
            } finally {
                try {
                    transactions.rollback(pass);
                } catch (RuntimeException expected) {
                    // PostgreSQL ended the session.
                }
            }
        }
    }

    @Test
    void aStartWaitsForTheDatabaseToAcceptConnectionsAndForAnotherInstancesMigrations(@Autowired Flyway flyway) {
        MigrationRetries.assertWaitForTheDatabaseAndAnotherInstancesMigrations(flyway);
    }

    @Test
    void aStatementWaitsTwoMinutesForTheDatabasesAnswerAndAMigrationAsLongAsItTakes(@Autowired Flyway flyway)
            throws Exception {
        assertThat(SessionSettings.socketTimeouts(dataSource, flyway)).containsExactly(120_000, 0);
    }

    @Test
    void gatewaySessionsDetectAVanishedPeerWithinSeconds() throws Exception {
        // No idle-in-transaction timeout of their own: a relay pass sets one for itself.
        assertThat(SessionSettings.ofFailover(dataSource)).containsExactly("0", "1s", "2", "1", "3", "5000");
    }

    /** Waits until the session {@code pid} holds no advisory lock; answers how long after {@code since}. */
    private static Duration awaitAdvisoryLocksGone(Connection observer, int pid, long since, Duration atMost) {
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !queryBoolean(
                        observer,
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = " + pid + ")"));
        return Duration.ofNanos(System.nanoTime() - since);
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static boolean queryBoolean(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getBoolean(1);
        }
    }
}
