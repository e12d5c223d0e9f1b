package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.servicesupport.logging.LogContext;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Cancels a job: in one transaction its pending tasks become {@code CANCELLED} (reason
 * {@code JOB_CANCELLED}) with a conditional update, then the job's counters move by the number of
 * tasks changed and its status becomes {@code CANCELLED}. Tasks the worker is applying at that
 * moment are row-locked by it, so each task ends either applied or cancelled, never both, and the
 * counts keep adding up. Like the worker, it locks task rows in id order, then the job row, so the
 * two never deadlock however large the job.
 *
 * <p>A caller's cancellation (the API's, which the console's calls) holds a database connection
 * throughout, for a large job long: it is one of its portfolio's submissions, previews and cancellations
 * that the gateway runs at once ({@link PortfolioConcurrencyLimit}), so that one portfolio's many
 * cancellations at once cannot take every connection from the other portfolios. The portfolio's close
 * cancels its jobs without taking a place: it is the Owner's alone, with a token, and cancels one job at
 * a time.
 *
 * <p>A caller's cancellation is logged once it has committed, at INFO, naming the job, its portfolio,
 * the caller by user id (the bearer token's {@code sub}) and its task counts: a restore of the database
 * to a backup taken before it brings the job back running, and these lines are how the operator finds
 * the cancellations to make again (README, "Backups, and restoring the database").
 */
@Service
public class JobCancellation {

    private static final Logger log = LoggerFactory.getLogger(JobCancellation.class);

    private static final int ATTEMPTS = 3;

    private final Jobs jobs;

    private final JobRepository repository;

    private final TransactionTemplate transaction;

    private final JobStatusCache statusCache;

    private final PortfolioConcurrencyLimit concurrency;

    JobCancellation(
            Jobs jobs,
            JobRepository repository,
            PlatformTransactionManager transactions,
            JobStatusCache statusCache,
            PortfolioConcurrencyLimit concurrency) {
        this.jobs = jobs;
        this.repository = repository;
        this.statusCache = statusCache;
        this.concurrency = concurrency;
        // Within a caller's transaction (the close's last step), each attempt is a savepoint of it: a
        // failed one (a deadlock, or a job that ended meanwhile) is rolled back to where it began, and the
        // caller's transaction goes on. PostgreSQL aborts a transaction at its first error, so an attempt
        // made after a deadlock without that rollback could only fail again ("current transaction is
        // aborted", 25P02). On its own (the cancel endpoint), each attempt is a transaction.
        this.transaction = new TransactionTemplate(transactions);
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    }

    /**
     * A caller's cancellation: the cancelled job; 404 when it is not one of the portfolio's, 409 when it
     * has finished already, 503 (nothing changed) when as many of the portfolio's submissions, previews
     * and cancellations as the gateway runs at once were running.
     */
    public Job cancel(Caller caller, UUID portfolioId, UUID jobId) {
        Job cancelled = concurrency.run(
                portfolioId, PortfolioConcurrencyLimit.Work.CANCELLATION, () -> cancel(portfolioId, jobId, () -> {}));
        try (LogContext context =
                LogContext.open().put(LogContext.JOB_ID, jobId).put(LogContext.PORTFOLIO_ID, portfolioId)) {
            log.info(
                    "Cancelled job {} of portfolio {} at the request of user {}: {} of its {} task(s) cancelled,"
                            + " {} already applied",
                    jobId,
                    portfolioId,
                    caller.userId(),
                    cancelled.counts().cancelled(),
                    cancelled.counts().total(),
                    cancelled.counts().succeeded());
        }
        return cancelled;
    }

    /**
     * Cancels the job as the portfolio's close does, without a place among the portfolio's work at once,
     * running {@code alongside} in the cancellation's transaction once the job is cancelled: what it
     * writes commits with the cancellation, or neither does.
     */
    public Job cancel(UUID portfolioId, UUID jobId, Runnable alongside) {
        for (int attempt = 1; ; attempt++) {
            try {
                Job cancelled = transaction.execute(status -> {
                    Job job = cancelOnce(portfolioId, jobId);
                    alongside.run();
                    return job;
                });
                statusCache.forget(portfolioId, jobId);
                forgetOnceCommitted(portfolioId, jobId);
                return cancelled;
            } catch (PessimisticLockingFailureException ex) {
                // Kept as a safety net: with task rows locked in the worker's order, not expected.
                if (attempt >= ATTEMPTS) {
                    throw ex;
                }
            }
        }
    }

    /**
     * In a caller's transaction (the close's last step), the cancellation commits with it: a poll that
     * read the job before that, as it still was, is not kept either.
     */
    private void forgetOnceCommitted(UUID portfolioId, UUID jobId) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                statusCache.forget(portfolioId, jobId);
            }
        });
    }

    private Job cancelOnce(UUID portfolioId, UUID jobId) {
        Job job = repository
                .findByIdAndPortfolioId(jobId, portfolioId)
                .map(JobRepository.Row::job)
                .orElseThrow(() -> JobProblems.jobNotFound(jobId));
        if (job.status().isTerminal()) {
            throw JobProblems.notCancellable(job);
        }
        int cancelled = jobs.cancelPendingTasks(jobId);
        Optional<Job> cancelledJob = jobs.markCancelled(jobId, cancelled);
        if (cancelled > 0 && cancelledJob.isPresent()) {
            // Tasks of other jobs that the worker deferred behind the ones just cancelled go back to the relay.
            jobs.releaseDeferredTasks();
        }
        return cancelledJob.orElseThrow(() -> {
            // The worker finished the last task between the read and the update.
            Job finished = repository
                    .findByIdAndPortfolioId(jobId, portfolioId)
                    .map(JobRepository.Row::job)
                    .orElseThrow();
            return JobProblems.notCancellable(finished);
        });
    }
}
