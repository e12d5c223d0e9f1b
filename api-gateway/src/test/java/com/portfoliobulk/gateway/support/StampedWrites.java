package com.portfoliobulk.gateway.support;

import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A trigger that notes, for each matching write of a table, a time column of the written row beside the
 * database's clock of that moment: how a test shows that a stored time is the database's (the
 * difference is nothing, or exactly a validity), not the gateway's. Closing it drops the trigger and
 * its notes.
 *
 * <pre>{@code
 * try (StampedWrites stamps = StampedWrites.on(jdbc, "jobs.scim_tokens", "INSERT", "created_at",
 *         "transaction_timestamp()", "NEW.portfolio_id = '...'")) {
 *     // the request that writes; then stamps.differences() is ["00:00:00"]
 * }
 * }</pre>
 */
public final class StampedWrites implements AutoCloseable {

    private static final String NOTES = "jobs.test_stamped_writes";

    private static final String FUNCTION = "jobs.test_stamp_write";

    private final JdbcClient jdbc;

    private final String table;

    private StampedWrites(JdbcClient jdbc, String table) {
        this.jdbc = jdbc;
        this.table = table;
    }

    /**
     * Notes {@code column} of each row an {@code events} write ({@code INSERT}, {@code UPDATE}, {@code
     * INSERT OR UPDATE}) of {@code table} leaves whose row meets {@code when} (a trigger's WHEN condition on
     * {@code NEW}), beside {@code clock} ({@code transaction_timestamp()}, {@code statement_timestamp()}).
     */
    public static StampedWrites on(
            JdbcClient jdbc, String table, String events, String column, String clock, String when) {
        jdbc.sql("CREATE TABLE " + NOTES + " (written timestamptz, stamped timestamptz)")
                .update();
        try {
            jdbc.sql("""
                            CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
                            BEGIN
                                INSERT INTO %s VALUES (NEW.%s, %s);
                                RETURN NEW;
                            END $$
                            """.formatted(FUNCTION, NOTES, column, clock)).update();
            jdbc.sql("CREATE TRIGGER test_stamp_write AFTER " + events + " ON " + table + " FOR EACH ROW WHEN (" + when
                            + ") EXECUTE FUNCTION " + FUNCTION + "()")
                    .update();
        } catch (RuntimeException ex) {
            new StampedWrites(jdbc, table).close();
            throw ex;
        }
        return new StampedWrites(jdbc, table);
    }

    /** Each noted write's time less the clock's, as PostgreSQL writes an interval ({@code 00:00:00}). */
    public List<String> differences() {
        return jdbc.sql("SELECT (written - stamped)::text FROM " + NOTES)
                .query(String.class)
                .list();
    }

    @Override
    public void close() {
        jdbc.sql("DROP TRIGGER IF EXISTS test_stamp_write ON " + table).update();
        jdbc.sql("DROP FUNCTION IF EXISTS " + FUNCTION + "()").update();
        jdbc.sql("DROP TABLE IF EXISTS " + NOTES).update();
    }
}
