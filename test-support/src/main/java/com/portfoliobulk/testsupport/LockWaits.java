package com.portfoliobulk.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The statements that wait for a lock another transaction holds, as {@code pg_stat_activity} shows them
 * ({@code wait_event_type = 'Lock'}), in any session on the server but the one asking: for a test that
 * holds a lock and goes on once the service's statement waits for it.
 */
public final class LockWaits {

    /**
     * A session waiting for a lock.
     *
     * @param pid its backend's process id
     * @param applicationName the {@code application_name} it connected with
     * @param lock the kind of lock it waits for ({@code wait_event}: relation, tuple, transactionid,
     *     advisory...)
     * @param query the statement that waits
     */
    public record Waiting(int pid, String applicationName, String lock, String query) {}

    private LockWaits() {}

    /** The sessions waiting for a lock now in a statement containing {@code fragment}, as written. */
    public static List<Waiting> in(DataSource database, String fragment) {
        return waiting(database).stream()
                .filter(waiting -> waiting.query().contains(fragment))
                .toList();
    }

    /** Whether a session waits for a lock now in a statement containing {@code fragment}, as written. */
    public static boolean anyIn(DataSource database, String fragment) {
        return !in(database, fragment).isEmpty();
    }

    /**
     * Waits, up to {@code atMost}, until a session waits for a lock in a statement containing {@code
     * fragment}, as written; fails listing the sessions that wait for a lock, if none does.
     */
    public static void awaitLockWait(DataSource database, String fragment, Duration atMost) {
        awaitLockWait(
                database,
                "in a statement containing \"" + fragment + "\"",
                waiting -> waiting.query().contains(fragment),
                atMost);
    }

    /**
     * Waits, up to {@code atMost}, until a session that {@code matches} waits for a lock; fails listing
     * the sessions that wait for a lock, if none matches. {@code which} says which session, for that
     * message.
     */
    public static void awaitLockWait(DataSource database, String which, Predicate<Waiting> matches, Duration atMost) {
        await().atMost(atMost)
                .untilAsserted(() -> assertThat(waiting(database))
                        .as("the sessions waiting for a lock (pg_stat_activity): one %s", which)
                        .anyMatch(matches));
    }

    private static List<Waiting> waiting(DataSource database) {
        return JdbcClient.create(database)
                .sql("""
                        SELECT pid, application_name, wait_event, query FROM pg_stat_activity
                         WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()
                        """)
                .query((row, number) -> new Waiting(
                        row.getInt("pid"),
                        row.getString("application_name"),
                        row.getString("wait_event"),
                        row.getString("query")))
                .list();
    }
}
