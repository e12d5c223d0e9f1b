package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;
import com.portfoliobulk.servicesupport.jdbc.DatabaseStandby;
import com.portfoliobulk.servicesupport.logging.LogContext;
import com.portfoliobulk.worker.WorkerProperties;
import com.portfoliobulk.worker.apply.TaskStore.FailedAttempt;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies the records of a batch: all of them in one transaction for speed; when that fails for a
 * reason other than an outage, each in its own transaction, so that one bad task never rolls back or
 * holds up its neighbours.
 *
 * <p>Every transaction goes through a Resilience4j retry (a few quick attempts on conflicts and lost
 * connections) and the database circuit breaker. An unreachable database ends the call with
 * {@link DatabaseUnavailableException}: the container then backs off and redelivers, with the consumer
 * paused, until the database is back, or until the {@link DatabaseStandby} hands the partitions to
 * other workers; no task attempt is counted. So it is when the database refuses the statements
 * themselves ({@link DatabaseFailure#REFUSED}: a grant or a table or column missing), which ends the
 * call with {@link StatementsRefusedException}: the batch is redelivered until an operator restores
 * what is missing, whatever its tasks' attempts, and the worker stays in its group (every worker is
 * refused alike). So it is too when the database is out of disk space, memory or a configured limit
 * ({@link DatabaseFailure#OUT_OF_RESOURCES}): the batch is redelivered until the database has them
 * again. A task that fails on its own
 * counts an attempt; it is tried again on redelivery (later records of its account wait for it, to
 * keep per-account order) until {@code bulk.worker.task-max-attempts}, then ends {@code FAILED} with
 * {@code RETRIES_EXHAUSTED}. A failing record whose task is no longer pending is done with.
 */
@Service
class TaskApplier {

    /** The Resilience4j retry instance around every transaction. */
    static final String RETRY = "task-transaction";

    /** The Resilience4j circuit breaker that opens while the database is unreachable. */
    static final String CIRCUIT_BREAKER = "database";

    private static final Logger log = LoggerFactory.getLogger(TaskApplier.class);

    private final TaskTransaction work;

    private final TaskStore tasks;

    private final TransactionTemplate transactions;

    private final Retry retry;

    private final CircuitBreaker circuitBreaker;

    private final WorkerProperties properties;

    private final ApplyMetrics metrics;

    private final DatabaseStandby standby;

    TaskApplier(
            TaskTransaction work,
            TaskStore tasks,
            PlatformTransactionManager transactionManager,
            RetryRegistry retries,
            CircuitBreakerRegistry circuitBreakers,
            WorkerProperties properties,
            ApplyMetrics metrics,
            DatabaseStandby standby) {
        this.work = work;
        this.tasks = tasks;
        this.transactions = new TransactionTemplate(transactionManager);
        this.retry = retries.retry(RETRY);
        this.circuitBreaker = circuitBreakers.circuitBreaker(CIRCUIT_BREAKER);
        this.properties = properties;
        this.metrics = metrics;
        this.standby = standby;
        this.retry.getEventPublisher().onRetry(event -> metrics.retried());
    }

    /**
     * @throws DatabaseUnavailableException when the database cannot be reached; nothing of the batch
     *     may have been applied, or part of it (which a redelivery recognises)
     * @throws StatementsRefusedException when the database refuses the statements themselves, or lacks
     *     the disk space, memory or configured limit to run them; as above
     */
    BatchResult apply(List<TaskCommand> commands) {
        if (commands.isEmpty()) {
            return new BatchResult(List.of(), List.of(), 0);
        }
        long received = System.nanoTime();
        try {
            AppliedTasks applied = commit(() -> work.run(commands), received);
            return new BatchResult(applied.events(), applied.rejections(), 0);
        } catch (RuntimeException ex) {
            rethrowUnlessTheTasks(ex);
            log.warn(
                    "A batch of {} task records failed as a whole ({}); applying them one by one",
                    commands.size(),
                    ErrorText.of(ex));
            return oneByOne(commands, received);
        }
    }

    private BatchResult oneByOne(List<TaskCommand> commands, long received) {
        AppliedTasks applied = AppliedTasks.empty();
        Set<UUID> waitingAccounts = new HashSet<>();
        int awaitingRetry = 0;
        for (TaskCommand command : commands) {
            if (command.accountId() != null && waitingAccounts.contains(command.accountId())) {
                awaitingRetry++;
                continue;
            }
            try (LogContext context = TaskLogContext.of(command)) {
                applied.add(commit(() -> work.run(List.of(command)), received));
            } catch (RuntimeException ex) {
                rethrowUnlessTheTasks(ex);
                Optional<AppliedTasks> done = countFailedAttempt(command, ex);
                if (done.isPresent()) {
                    metrics.committed(done.get(), elapsedSince(received));
                    applied.add(done.get());
                } else {
                    awaitingRetry++;
                    if (command.accountId() != null) {
                        waitingAccounts.add(command.accountId());
                    }
                }
            }
        }
        return new BatchResult(applied.events(), applied.rejections(), awaitingRetry);
    }

    /**
     * Counts a failed attempt of one task, in a transaction of its own.
     *
     * <p>Only a pending task counts attempts. A record whose task is no longer pending is done with, as
     * any redelivered record of an ended task is: a copy of its record (a relay pass sent twice, a
     * redelivery after a rebalance, a re-driven dead letter) fails on every delivery when this version
     * cannot read the task's row (a job type of a newer version, after a rollback) or the record itself
     * (written by a newer version), and trying it again
     * would hold up the records behind it on its partition for good.
     *
     * @return what the record comes to once it is done with: the task's final outcome when its attempts
     *     are used up, nothing when the task is no longer pending; empty when the task is to be tried
     *     again
     */
    private Optional<AppliedTasks> countFailedAttempt(TaskCommand command, RuntimeException failure) {
        String error = ErrorText.of(failure);
        try (LogContext context = TaskLogContext.of(command)) {
            log.warn("Task {} failed: {}", command.taskId(), error);
            return inTransaction(() -> {
                Optional<FailedAttempt> attempt = tasks.recordFailedAttempt(command.taskId(), error);
                if (attempt.isEmpty()) {
                    log.info("Task {} is no longer pending: its record is done with", command.taskId());
                    return Optional.of(AppliedTasks.empty());
                }
                if (attempt.get().attempts() < properties.taskMaxAttempts()) {
                    return Optional.empty();
                }
                Instant now = tasks.transactionTime();
                tasks.failExhausted(command.taskId(), now);
                if (command.accountId() != null) {
                    tasks.releaseDeferred(List.of(command.accountId()));
                }
                JobProgress progress = new JobProgress();
                progress.count(TaskStatus.FAILED);
                AppliedTasks failed = AppliedTasks.empty();
                failed.outcomes()
                        .add(new TaskOutcome(
                                command.taskId(),
                                attempt.get().action(),
                                TaskStatus.FAILED,
                                ReasonCode.RETRIES_EXHAUSTED));
                tasks.advanceJob(attempt.get().jobId(), progress, now).ifPresent(failed.finishedJobs()::add);
                return Optional.of(failed);
            });
        }
    }

    /**
     * Runs {@code work} in a transaction and records its metrics once it committed; a task's apply
     * latency runs from the delivery of its batch to the commit of its outcome.
     */
    private AppliedTasks commit(Supplier<AppliedTasks> work, long received) {
        AppliedTasks applied = inTransaction(work);
        metrics.committed(applied, elapsedSince(received));
        return applied;
    }

    private static Duration elapsedSince(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }

    /**
     * Runs {@code work} in a transaction, through the retry and the circuit breaker, and tells the
     * {@link DatabaseStandby} whether the database answered.
     */
    private <T> T inTransaction(Supplier<T> work) {
        Supplier<T> transactional = () -> transactions.execute(status -> work.get());
        return standby.observe(
                Retry.decorateSupplier(retry, CircuitBreaker.decorateSupplier(circuitBreaker, transactional)),
                DatabaseOutage::of);
    }

    /**
     * Ends the batch's pass, for the container to redeliver it after its back-off without counting an
     * attempt, when the failure is no fault of its tasks: an outage, the database refusing the
     * statements themselves, or the database out of disk space, memory or a configured limit. One line
     * each time.
     */
    private static void rethrowUnlessTheTasks(RuntimeException failure) {
        if (DatabaseOutage.of(failure)) {
            DatabaseUnavailableException unavailable = new DatabaseUnavailableException(failure);
            log.warn("{}; the batch is redelivered after a back-off", unavailable.getMessage());
            throw unavailable;
        }
        DatabaseFailure kind = DatabaseFailure.of(failure);
        if (kind == DatabaseFailure.REFUSED || kind == DatabaseFailure.OUT_OF_RESOURCES) {
            StatementsRefusedException refused = new StatementsRefusedException(failure);
            log.warn(
                    "{}; {}; no task is failed for it: the batch is redelivered after a back-off",
                    refused.getMessage(),
                    kind == DatabaseFailure.REFUSED
                            ? DatabaseFailure.REFUSED_REMEDY
                            : DatabaseFailure.OUT_OF_RESOURCES_REMEDY);
            throw refused;
        }
    }
}
