package com.portfoliobulk.worker.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;
import com.portfoliobulk.servicesupport.web.Outages;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

class DatabaseFailureTests {

    private final RetryableDatabaseFailure retryable = new RetryableDatabaseFailure();

    private final DatabaseOutage outage = new DatabaseOutage();

    @Test
    void unreachableDatabaseIsAnOutage() {
        Exception noConnection = new CannotCreateTransactionException(
                "Could not open JDBC Connection for transaction",
                new SQLTransientConnectionException(
                        "HikariPool-1 - Connection is not available", "08001", new ConnectException("refused")));
        Exception lostDuringCommit = new TransactionSystemException(
                "Could not commit JDBC transaction",
                sql("An I/O error occurred while sending to the backend", "08006"));
        Exception restarting = new UncategorizedSQLException(
                "UPDATE", "UPDATE", sql("terminating connection due to administrator command", "57P01"));

        assertThat(DatabaseFailure.of(noConnection)).isEqualTo(DatabaseFailure.OUTAGE);
        assertThat(DatabaseFailure.of(lostDuringCommit)).isEqualTo(DatabaseFailure.OUTAGE);
        assertThat(DatabaseFailure.of(restarting)).isEqualTo(DatabaseFailure.OUTAGE);
        assertThat(outage).accepts(noConnection, lostDuringCommit, restarting);
        assertThat(retryable).accepts(noConnection, lostDuringCommit, restarting);
    }

    @Test
    void aConnectionLostInAStatementIsAnOutageAlsoWhenItsRollbackFailsAfterIt() {
        // TransactionTemplate throws the rollback's failure and keeps the statement's as the application exception.
        TransactionSystemException rollbackFailed = new TransactionSystemException(
                "Could not roll back JDBC transaction", new SQLException("Connection is closed"));
        rollbackFailed.initApplicationException(new DataAccessResourceFailureException(
                "UPDATE", sql("An I/O error occurred while sending to the backend", "08006")));

        assertThat(DatabaseFailure.of(rollbackFailed)).isEqualTo(DatabaseFailure.OUTAGE);
        assertThat(outage).accepts(rollbackFailed);
    }

    @Test
    void conflictsAreTransientAndRetried() {
        Exception serialization = new CannotAcquireLockException(
                "could not serialize access", sql("could not serialize access due to concurrent update", "40001"));
        Exception deadlock = new PessimisticLockingFailureException("deadlock", sql("deadlock detected", "40P01"));
        Exception lockTimeout =
                new UncategorizedSQLException("x", "x", sql("canceling statement due to lock timeout", "55P03"));

        assertThat(DatabaseFailure.of(serialization)).isEqualTo(DatabaseFailure.TRANSIENT);
        assertThat(DatabaseFailure.of(deadlock)).isEqualTo(DatabaseFailure.TRANSIENT);
        assertThat(DatabaseFailure.of(lockTimeout)).isEqualTo(DatabaseFailure.TRANSIENT);
        assertThat(retryable).accepts(serialization, deadlock, lockTimeout);
        assertThat(outage).rejects(serialization, deadlock, lockTimeout);
    }

    @Test
    void aTransactionEndedForStandingIdleIsTransientAndRunAgain() {
        // A worker that stood still (a frozen VM) in the middle of a batch finds its session ended.
        Exception idleTimeout = new UncategorizedSQLException(
                "x", "x", sql("FATAL: terminating connection due to idle-in-transaction timeout", "25P03"));

        assertThat(DatabaseFailure.of(idleTimeout)).isEqualTo(DatabaseFailure.TRANSIENT);
        assertThat(retryable).accepts(idleTimeout);
        assertThat(outage).rejects(idleTimeout);
    }

    @Test
    void aRefusedChangeIsPersistentAndNeitherRetriedQuicklyNorAnOutage() {
        Exception checkViolation = new DataIntegrityViolationException(
                "violates check constraint", sql("new row violates check constraint", "23514"));
        Exception bug = new IllegalStateException("Task changed under its row lock");

        assertThat(DatabaseFailure.of(checkViolation)).isEqualTo(DatabaseFailure.PERSISTENT);
        assertThat(DatabaseFailure.of(bug)).isEqualTo(DatabaseFailure.PERSISTENT);
        assertThat(retryable).rejects(checkViolation, bug);
        assertThat(outage).rejects(checkViolation, bug);
    }

    @Test
    void aStatementTheSchemaOrThePermissionsRefuseIsRefusedAndNeitherRetriedQuicklyNorAnOutage() {
        Exception noGrant = new UncategorizedSQLException(
                "DELETE", "DELETE", sql("ERROR: permission denied for table memberships", "42501"));
        Exception noTable = new BadSqlGrammarException(
                "SELECT", "SELECT", sql("ERROR: relation \"directory.memberships\" does not exist", "42P01"));
        Exception noColumn =
                new BadSqlGrammarException("UPDATE", "UPDATE", sql("ERROR: column \"role\" does not exist", "42703"));
        Exception noFunction = new UncategorizedSQLException(
                "SELECT",
                "SELECT",
                sql("ERROR: function jobs.release_deferred_tasks(uuid[], integer) does not exist", "42883"));
        Exception noSchema = new UncategorizedSQLException(
                "SELECT", "SELECT", sql("ERROR: schema \"directory\" does not exist", "3F000"));
        // The data's fault, not the statement's: the task's.
        Exception tooLong = new DataIntegrityViolationException(
                "INSERT", sql("ERROR: value too long for type character varying(254)", "22001"));

        assertThat(List.of(noGrant, noTable, noColumn, noFunction, noSchema))
                .allSatisfy(refused -> assertThat(DatabaseFailure.of(refused)).isEqualTo(DatabaseFailure.REFUSED));
        assertThat(retryable).rejects(noGrant, noTable, noColumn, noFunction, noSchema);
        assertThat(outage).rejects(noGrant, noTable, noColumn, noFunction, noSchema);
        assertThat(DatabaseFailure.of(tooLong)).isEqualTo(DatabaseFailure.PERSISTENT);
    }

    /**
     * A database out of disk space, memory or a configured limit: no fault of the work, retried quickly
     * (memory may be freed) and answered 503, never an outage that makes the worker stand aside. Too
     * many connections stays an outage.
     */
    @Test
    void aDatabaseOutOfResourcesIsNeitherTheWorksFaultNorAnOutage() {
        Exception diskFull = new DataAccessResourceFailureException(
                "INSERT", sql("ERROR: could not extend file \"base/16384/16400\": No space left on device", "53100"));
        Exception outOfMemory = new UncategorizedSQLException("SELECT", "SELECT", sql("ERROR: out of memory", "53200"));
        Exception limit = new UncategorizedSQLException(
                "SELECT", "SELECT", sql("ERROR: temporary file size exceeds temp_file_limit (1024kB)", "53400"));
        Exception tooManyConnections = new CannotCreateTransactionException(
                "Could not open JDBC Connection", sql("FATAL: sorry, too many clients already", "53300"));

        assertThat(List.of(diskFull, outOfMemory, limit))
                .allSatisfy(
                        lacking -> assertThat(DatabaseFailure.of(lacking)).isEqualTo(DatabaseFailure.OUT_OF_RESOURCES));
        assertThat(DatabaseFailure.OUT_OF_RESOURCES.passesByItself()).isTrue();
        assertThat(List.of(diskFull, outOfMemory, limit))
                .as("answered 503 with Retry-After")
                .allSatisfy(lacking -> assertThat(Outages.dependency(lacking)).isEqualTo("database"));
        assertThat(retryable).accepts(diskFull, outOfMemory, limit);
        assertThat(outage).rejects(diskFull, outOfMemory, limit);
        assertThat(DatabaseFailure.of(tooManyConnections)).isEqualTo(DatabaseFailure.OUTAGE);
    }

    /**
     * A connection the database refuses (the role lost CONNECT, 42501): the pool's timeout reports it with
     * that state, and it is an outage (the worker stands aside, the gateway answers 503), not a refused
     * statement.
     */
    @Test
    void aConnectionRefusedForWantOfAGrantIsAnOutage() {
        SQLException refusedLogin = sql("FATAL: permission denied for database \"bulk\"", "42501");
        SQLTransientConnectionException poolTimeout = new SQLTransientConnectionException(
                "bulk-worker - Connection is not available, request timed out after 5000ms", "42501", refusedLogin);
        Exception failure = new CannotCreateTransactionException("Could not open JDBC Connection", poolTimeout);

        assertThat(DatabaseFailure.of(failure)).isEqualTo(DatabaseFailure.OUTAGE);
        assertThat(outage).accepts(failure);
    }

    @Test
    void anOpenCircuitBreakerIsAnOutageThatIsNotRetriedQuickly() {
        CircuitBreaker breaker = CircuitBreaker.ofDefaults("database");
        breaker.transitionToOpenState();
        Exception open = CallNotPermittedException.createCallNotPermittedException(breaker);

        assertThat(outage).accepts(open);
        assertThat(retryable).rejects(open);
    }

    @Test
    void errorTextIsOneShortLineWithoutTheStatement() {
        Exception failure = new DataIntegrityViolationException(
                "PreparedStatementCallback; SQL [INSERT INTO directory.users ...]",
                sql(
                        "ERROR: new row for relation \"users\" violates check constraint\n  Detail: Failing row contains",
                        "23514"));

        assertThat(ErrorText.of(failure))
                .isEqualTo("Database error 23514: new row for relation \"users\" violates check constraint");
        assertThat(ErrorText.of(new IllegalArgumentException("x".repeat(1000)))).hasSize(300);
    }

    private static SQLException sql(String message, String state) {
        return new SQLException(message, state);
    }
}
