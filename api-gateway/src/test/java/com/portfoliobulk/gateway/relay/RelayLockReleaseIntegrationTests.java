package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.PgConnection;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A gateway that dies while its relay holds the advisory lock must not keep the other gateways from
 * relaying: PostgreSQL ends the dead gateway's session within seconds, even while a statement of it
 * waits for a lock, which it would otherwise only notice once that statement ends.
 */
class RelayLockReleaseIntegrationTests extends GatewayIntegrationTest {

    /** Another advisory lock, held by this test, that the vanished relay's statement waits for. */
    private static final long BLOCKER_KEY = 0x5eed_b10cL;

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
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> queryBoolean(
                            observer,
                            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = " + relayPid
                                    + " AND wait_event_type = 'Lock')"));

            // The gateway's end of the connection closes without a word, as when its process is killed.
            long closedAt = System.nanoTime();
            relaySession.unwrap(PgConnection.class).abort(Runnable::run);
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> !queryBoolean(
                            observer,
                            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = " + relayPid
                                    + ")"));
            Duration released = Duration.ofNanos(System.nanoTime() - closedAt);
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
    void gatewaySessionsDetectAVanishedPeerWithinSeconds() throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet settings = statement.executeQuery("""
                        SELECT current_setting('client_connection_check_interval'),
                               current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'),
                               current_setting('tcp_keepalives_count'), current_setting('tcp_user_timeout')
                        """)) {
            settings.next();
            assertThat(new String[] {
                        settings.getString(1),
                        settings.getString(2),
                        settings.getString(3),
                        settings.getString(4),
                        settings.getString(5)
                    })
                    .containsExactly("1s", "2", "1", "3", "5000");
        }
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
