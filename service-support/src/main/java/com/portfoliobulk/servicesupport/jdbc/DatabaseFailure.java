package com.portfoliobulk.servicesupport.jdbc;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.util.Set;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * What a failed database call means for the work it was doing (a worker's task, an activity entry).
 *
 * <ul>
 *   <li>{@link #OUTAGE}: the database cannot be reached. Nothing about the work is wrong: wait and try
 *       again, for as long as it takes, without using up the work's attempts.
 *   <li>{@link #TRANSIENT}: a conflict that a retry usually resolves (serialization failure,
 *       deadlock, lock or statement timeout), or a transaction ended for standing idle.
 *   <li>{@link #REFUSED}: the database refuses the statement itself, for the service's permissions or
 *       its schema. Nothing about the work is wrong either, but it lasts until an operator mends it.
 *   <li>{@link #OUT_OF_RESOURCES}: the database is out of disk space, memory or a configured limit.
 *       Nothing about the work is wrong either; it may pass as other sessions end, but a full disk
 *       usually lasts until an operator frees space.
 *   <li>{@link #PERSISTENT}: anything else; retrying the same work alone may still help (a race with
 *       a concurrent writer), so it uses up the work's attempts.
 * </ul>
 */
public enum DatabaseFailure {
    OUTAGE,
    TRANSIENT,
    /**
     * The database refuses the statement itself, whatever the work's data: SQLSTATE class 42 (syntax
     * error or access rule violation: insufficient_privilege 42501, undefined_table 42P01,
     * undefined_column 42703, undefined_function 42883, ...) or invalid_schema_name 3F000. The service's
     * role lost a grant, or a table, column or function is missing (a restore, a change made by hand, a
     * service of a version the schema does not match). The work is not at fault, and every instance of
     * the service is refused alike, so standing aside helps nothing: keep the work, try it again after a
     * back-off without using up its attempts, and say in the log what mends it ({@link #REFUSED_REMEDY}).
     * A data error (class 22, 23) is {@link #PERSISTENT}: it is the work's.
     */
    REFUSED,
    /**
     * The database lacks the resources to run the statement, whatever the work's data: SQLSTATE class
     * 53 but too_many_connections 53300 (an {@link #OUTAGE}), that is disk_full 53100 (a table, an index
     * or a temporary file that cannot grow), out_of_memory 53200 or configuration_limit_exceeded 53400.
     * The work is not at fault, and every instance of the service is answered alike. It may pass by
     * itself (memory or temporary files that another session frees), so it is retried as a {@link
     * #TRANSIENT} failure is and answered 503; but a full disk usually stays full until an operator frees
     * space, so work that has attempts to use up keeps them: it is tried again after a back-off without
     * using any, and the log says what mends it ({@link #OUT_OF_RESOURCES_REMEDY}).
     */
    OUT_OF_RESOURCES,
    PERSISTENT;

    /**
     * What mends a {@link #REFUSED} failure, for the log lines of the services that wait for it to be
     * mended (README's runbook BulkConsumerNotFetching quotes them).
     */
    public static final String REFUSED_REMEDY =
            "a grant of the service's database role, or a table, column or function, is missing:"
                    + " restore it (runbook BulkConsumerNotFetching)";

    /**
     * What mends an {@link #OUT_OF_RESOURCES} failure, for the log lines of the services that wait for it
     * to be mended (README's runbook BulkConsumerNotFetching quotes them).
     */
    public static final String OUT_OF_RESOURCES_REMEDY =
            "the database is out of disk space, memory or a configured limit: free disk space on its volume,"
                    + " or give it the memory or raise the limit its message names (runbook BulkConsumerNotFetching)";

    /**
     * serialization_failure, deadlock_detected, lock_not_available, query_canceled (timeouts), and
     * idle_in_transaction_session_timeout: the session was ended while this process stood still in the
     * middle of a transaction (a frozen VM), so the transaction is gone and runs again.
     */
    private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03", "57014", "25P03");

    /** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
    private static final Set<String> OUTAGE_STATES = Set.of("57P01", "57P02", "57P03", "53300");

    /** The meaning of {@code failure}, from its causes: SQL states first, then exception types. */
    public static DatabaseFailure of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = nextCause(cause)) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || OUTAGE_STATES.contains(state)) {
                    return OUTAGE;
                }
                if (TRANSIENT_STATES.contains(state)) {
                    return TRANSIENT;
                }
                if (state.startsWith("53")) {
                    return OUT_OF_RESOURCES;
                }
            }
        }
        for (Throwable cause = failure; cause != null; cause = nextCause(cause)) {
            if (isOutage(cause)) {
                return OUTAGE;
            }
        }
        // After the outages: a connection the database refuses (a role without CONNECT: 42501) is one,
        // and the pool's timeout that reports it carries that state too.
        for (Throwable cause = failure; cause != null; cause = nextCause(cause)) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("42") || state.equals("3F000")) {
                    return REFUSED;
                }
            }
        }
        for (Throwable cause = failure; cause != null; cause = nextCause(cause)) {
            if (cause instanceof TransientDataAccessException || cause instanceof SQLTransientException) {
                return TRANSIENT;
            }
        }
        return PERSISTENT;
    }

    /**
     * Whether the failure may pass by itself, with time: an {@link #OUTAGE}, a {@link #TRANSIENT}
     * failure, which a retry a little later gets past without anyone's help, or {@link
     * #OUT_OF_RESOURCES}, which it may get past (a request is answered 503 with {@code Retry-After}, a
     * start waits for the database).
     */
    public boolean passesByItself() {
        return this == OUTAGE || this == TRANSIENT || this == OUT_OF_RESOURCES;
    }

    private static boolean isOutage(Throwable cause) {
        return cause instanceof CannotCreateTransactionException
                || cause instanceof CannotGetJdbcConnectionException
                || cause instanceof DataAccessResourceFailureException
                || cause instanceof SQLTransientConnectionException
                || cause instanceof SQLNonTransientConnectionException
                || cause instanceof SQLRecoverableException
                || cause instanceof ConnectException;
    }

    /**
     * The cause, or for a rollback that failed after the transaction's work had failed (the connection
     * died in a statement, so its rollback found it closed) the work's own failure: that says why.
     */
    private static Throwable nextCause(Throwable cause) {
        if (cause instanceof TransactionSystemException rollback && rollback.getApplicationException() != null) {
            return rollback.getApplicationException();
        }
        Throwable next = cause.getCause();
        return next == cause ? null : next;
    }
}
