package com.portfoliobulk.worker;

import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * For the few transactions that wait on something other than the database between two statements:
 * the broker's acknowledgement of records, the SMTP server's answers.
 *
 * <p>The worker's sessions end a transaction that stands idle for longer than
 * {@code idle_in_transaction_session_timeout} (10 s, the datasource's session options): a worker
 * frozen in the middle of a batch (a stopped VM or container) must not keep its locks, and with them
 * every other batch of its job, for long. A transaction that is about to wait for longer raises that
 * timeout for itself alone.
 */
@Component
public class TransactionWaits {

    /** Added to each wait, for the work of the transaction around it. */
    static final Duration SLACK = Duration.ofSeconds(30);

    /**
     * The longest wait {@link #allow} takes: with {@link #SLACK}, PostgreSQL's largest
     * {@code idle_in_transaction_session_timeout}, {@link Integer#MAX_VALUE} ms.
     */
    static final Duration LONGEST = Duration.ofMillis(Integer.MAX_VALUE).minus(SLACK);

    private final JdbcClient jdbc;

    TransactionWaits(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Lets the current transaction, from now on until it ends, wait up to {@code wait} on something
     * else (and 30 s more for its own work) before PostgreSQL ends it for standing idle; call it inside
     * the transaction, before the wait.
     */
    public void allow(Duration wait) {
        jdbc.sql("SELECT set_config('idle_in_transaction_session_timeout', :millis, true)")
                .param("millis", Long.toString(wait.plus(SLACK).toMillis()))
                .query(String.class)
                .single();
    }
}
