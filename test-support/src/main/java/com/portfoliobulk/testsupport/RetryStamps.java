package com.portfoliobulk.testsupport;

import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Records, with a trigger, each retry scheduled on a table of messages with {@code attempts} and
 * {@code next_attempt_at} (invitation e-mails, webhook deliveries): the attempt's number, its next
 * attempt and the database's time of the update by {@code clock} ({@code statement_timestamp()} or
 * {@code transaction_timestamp()}). {@link #waits()} tells how long after that time each retry is due,
 * by the database's own clock. The table, function and trigger are dropped on {@link #close()}.
 */
public final class RetryStamps implements AutoCloseable {

    private final JdbcClient jdbc;

    private final String schema;

    private final String table;

    private final String suffix = UUID.randomUUID().toString().replace("-", "");

    /**
     * Starts recording the updates of {@code schema.table} that raise {@code attempts} of a row still
     * {@code PENDING} and matching {@code rowCondition} (over {@code NEW}, e.g. {@code NEW.email = '...'}).
     */
    public RetryStamps(JdbcClient jdbc, String schema, String table, String rowCondition, String clock) {
        this.jdbc = jdbc;
        this.schema = schema;
        this.table = table;
        jdbc.sql("""
                        CREATE TABLE %s.retry_stamps_%s (
                            attempts integer NOT NULL, next_attempt_at timestamptz NOT NULL,
                            stamped_at timestamptz NOT NULL)
                        """.formatted(schema, suffix)).update();
        jdbc.sql("""
                        CREATE FUNCTION %1$s.stamp_retry_%2$s() RETURNS trigger AS $$
                        BEGIN
                          INSERT INTO %1$s.retry_stamps_%2$s VALUES (NEW.attempts, NEW.next_attempt_at, %3$s);
                          RETURN NEW;
                        END $$ LANGUAGE plpgsql
                        """.formatted(schema, suffix, clock)).update();
        jdbc.sql("""
                        CREATE TRIGGER stamp_retry_%2$s AFTER UPDATE ON %1$s.%3$s
                           FOR EACH ROW WHEN (%4$s AND NEW.status = 'PENDING' AND NEW.attempts > OLD.attempts)
                           EXECUTE FUNCTION %1$s.stamp_retry_%2$s()
                        """.formatted(schema, suffix, table, rowCondition)).update();
    }

    /** Each recorded retry as {@code "<attempts>: <next attempt - database time of the update>"}, in order. */
    public List<String> waits() {
        return jdbc.sql("""
                        SELECT attempts || ': ' || (next_attempt_at - stamped_at)
                          FROM %s.retry_stamps_%s ORDER BY attempts
                        """.formatted(schema, suffix)).query(String.class).list();
    }

    @Override
    public void close() {
        jdbc.sql("DROP TRIGGER stamp_retry_" + suffix + " ON " + schema + "." + table)
                .update();
        jdbc.sql("DROP FUNCTION " + schema + ".stamp_retry_" + suffix + "()").update();
        jdbc.sql("DROP TABLE " + schema + ".retry_stamps_" + suffix).update();
    }
}
