package com.portfoliobulk.gateway.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A trigger that holds each matching write of a table for a while, inside the writing statement: the
 * writer's transaction stops there, with every lock it took so far, while a test runs a concurrent
 * request against it. This is how the tests make an interleaving of two transactions happen every
 * time instead of now and then. Closing it drops the trigger.
 *
 * <pre>{@code
 * try (HeldWrites held = HeldWrites.on(jdbc, "jobs.portfolio_users", "UPDATE", "NEW.role = 'X'", ONE_SECOND)) {
 *     // start the request that writes, held.awaitHeld(), then the one that must meet it held
 * }
 * }</pre>
 */
public final class HeldWrites implements AutoCloseable {

    private static final String FUNCTION = "jobs.test_held_write";

    private final JdbcClient jdbc;

    private final String table;

    private HeldWrites(JdbcClient jdbc, String table) {
        this.jdbc = jdbc;
        this.table = table;
    }

    /**
     * Holds each {@code events} write ({@code INSERT}, {@code UPDATE OR DELETE}, ...) of {@code table}
     * whose row meets {@code when} (a trigger's WHEN condition on {@code NEW} or {@code OLD}; null for
     * every row) for {@code hold}.
     */
    public static HeldWrites on(JdbcClient jdbc, String table, String events, String when, Duration hold) {
        jdbc.sql("""
                        CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            PERFORM pg_sleep(CAST(TG_ARGV[0] AS float8));
                            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                            RETURN NEW;
                        END $$
                        """.formatted(FUNCTION)).update();
        try {
            jdbc.sql("CREATE TRIGGER test_held_write BEFORE " + events + " ON " + table + " FOR EACH ROW"
                            + (when == null ? "" : " WHEN (" + when + ")") + " EXECUTE FUNCTION " + FUNCTION + "('"
                            + hold.toMillis() / 1000.0 + "')")
                    .update();
        } catch (RuntimeException ex) {
            jdbc.sql("DROP FUNCTION " + FUNCTION + "()").update();
            throw ex;
        }
        return new HeldWrites(jdbc, table);
    }

    /**
     * Waits until a write is held here: a session of the database sleeps in the trigger. Start the
     * writing request, call this, then send the request that must meet it held.
     */
    public void awaitHeld() {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> jdbc.sql("SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
                        .query(Boolean.class)
                        .single());
    }

    @Override
    public void close() {
        jdbc.sql("DROP TRIGGER test_held_write ON " + table).update();
        jdbc.sql("DROP FUNCTION " + FUNCTION + "()").update();
    }
}
