package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.servicesupport.logging.LogContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
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
 * a time. The removal of a portfolio user cancels the jobs they submitted that have not ended, in the
 * removal's transaction ({@link #cancelSubmittedBy}), without taking a place either: it is an
 * administrator's or the identity provider's change of one user, and its jobs are few.
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

    private final PortfolioAccess access;

    JobCancellation(
            Jobs jobs,
            JobRepository repository,
            PlatformTransactionManager transactions,
            JobStatusCache statusCache,
            PortfolioConcurrencyLimit concurrency,
            PortfolioAccess access) {
        this.jobs = jobs;
        this.repository = repository;
        this.statusCache = statusCache;
        this.concurrency = concurrency;
        this.access = access;
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
     * has finished already, 403 when the caller, let in with permissions cached for a few seconds, may no
     * longer change access on the portfolio as the database holds their role in the cancellation's
     * transaction ({@link PortfolioAccess#requireStillChanging}, their portfolio user row locked first,
     * as a job's submission does): an administrator removed a moment ago through another gateway, or by
     * the identity provider whose deprovisioning queued their own offboarding, cannot cancel that
     * offboarding in those seconds; 503 (nothing changed) when as many of the portfolio's submissions,
     * previews and cancellations as the gateway runs at once were running.
     */
    public Job cancel(Caller caller, UUID portfolioId, UUID jobId) {
        Job cancelled = concurrency.run(
                portfolioId,
                PortfolioConcurrencyLimit.Work.CANCELLATION,
                () -> cancel(portfolioId, jobId, () -> access.requireStillChanging(caller, portfolioId), () -> {}));
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
        return cancel(portfolioId, jobId, () -> {}, alongside);
    }

    /** As {@link #cancel(UUID, UUID, Runnable)}, running {@code first} in the transaction before anything. */
    private Job cancel(UUID portfolioId, UUID jobId, Runnable first, Runnable alongside) {
        for (int attempt = 1; ; attempt++) {
            try {
                Job cancelled = transaction.execute(status -> {
                    first.run();
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
     * Cancels, in the caller's transaction, each of {@code jobIds} still queued or in progress as {@link
     * #cancel(UUID, UUID, Runnable)} does, running {@code alongside} for each in its cancellation; answers
     * those it cancelled, in the order given. One that ended meanwhile is left as it is. Every lock is
     * held until the caller's transaction ends, so all of them are taken first, in the worker's order
     * ({@link Jobs#lockForCancellation}), and no worker batch or relay pass holding one job's rows waits
     * for another's that this transaction holds.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<UUID> cancelAll(UUID portfolioId, List<UUID> jobIds, Consumer<UUID> alongside) {
        List<UUID> cancelled = new ArrayList<>();
        if (jobIds.isEmpty()) {
            return cancelled;
        }
        jobs.lockForCancellation(jobIds);
        for (UUID jobId : jobIds) {
            try {
                cancel(portfolioId, jobId, () -> alongside.accept(jobId));
                cancelled.add(jobId);
            } catch (RequestRefusedException finishedMeanwhile) {
                // It ended between the listing and the cancellation: nothing of it is pending any more.
            }
        }
        return cancelled;
    }

    /**
     * Cancels, in the transaction that removes the user from the portfolio, the portfolio's jobs they
     * submitted (not the identity provider's) that are still queued or in progress, as a cancel of each
     * does: tasks applied stay applied, pending ones end {@code CANCELLED} ({@code JOB_CANCELLED}), the
     * job ends {@code CANCELLED} and its {@code job.cancelled} webhooks go out once the removal commits.
     * Each job is marked withdrawn by {@code withdrawer} in its cancellation: the worker then sends none
     * of the invitation e-mails it queued and revokes the invitations it applied, as {@code withdrawer}
     * (an ordinary cancel leaves them to be sent). Answers the jobs it cancelled, by id.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<UUID> cancelSubmittedBy(UUID portfolioId, UUID userId, Actor withdrawer) {
        return cancelAll(
                portfolioId,
                jobs.unfinishedSubmittedBy(portfolioId, userId),
                jobId -> jobs.markWithdrawn(jobId, withdrawer));
    }

    /**
     * Cancels, in the caller's transaction, the jobs still queued or in progress that any of the users
     * submitted in a portfolio they are no longer a portfolio user of, as {@link #cancelSubmittedBy} does
     * for one user's removal: for a run that removed several users of several portfolios at once. Every
     * lock is taken first, in the worker's order, as {@link #cancelAll} takes them. Each job is marked
     * withdrawn by its portfolio's identity provider (named by the SCIM token it used last). Answers the
     * jobs it cancelled by portfolio.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Map<UUID, List<UUID>> cancelSubmittedByFormerUsers(List<UUID> userIds) {
        Map<UUID, List<UUID>> cancelled = new LinkedHashMap<>();
        if (userIds.isEmpty()) {
            return cancelled;
        }
        List<Map.Entry<UUID, UUID>> listed = jobs.unfinishedSubmittedByFormerUsers(userIds);
        if (listed.isEmpty()) {
            return cancelled;
        }
        jobs.lockForCancellation(listed.stream().map(Map.Entry::getValue).toList());
        for (Map.Entry<UUID, UUID> job : listed) {
            try {
                cancel(job.getKey(), job.getValue(), () -> jobs.markWithdrawnByIdentityProvider(job.getValue()));
                cancelled
                        .computeIfAbsent(job.getKey(), portfolio -> new ArrayList<>())
                        .add(job.getValue());
            } catch (RequestRefusedException finishedMeanwhile) {
                // It ended between the listing and the cancellation.
            }
        }
        return cancelled;
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
