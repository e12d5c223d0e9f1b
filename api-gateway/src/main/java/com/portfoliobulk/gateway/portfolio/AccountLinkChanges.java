package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.jobs.ClosureLock;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Links and unlinks an account through the bulk-worker and writes the change to the portfolio's
 * administration log ({@link PortfolioAdministration#logLinkChange}). The link changes of one account
 * take turns: each holds the account's lock from before it calls the worker until its entry is
 * written, so the log lists them in the order the worker made them, and its latest word on the account
 * is the directory's. When the lock was taken only after the worker's answer, a link whose request
 * stalled after the worker had linked was logged after an unlink made meanwhile: the log said linked
 * while the account was not, and suppressed the account's next real link.
 *
 * <p>A turn holds one database connection during the call to the worker (at most its timeouts, 2 s
 * to connect and 5 s to answer). So that link changes cannot take the connections every other request
 * needs (a script linking thousands of accounts in parallel while the worker is slow), a gateway runs
 * at most {@value #TURNS} turns at once; a change that waits {@link #WAIT} for one answers 503 with
 * {@code Retry-After}, having changed nothing, and a turn waits at most {@link #LOCK_WAIT} for the
 * account's lock. A change the worker made after the gateway gave up waiting (503) is outside the turn;
 * the request's repeat records it.
 *
 * <p>A link while the Owner's close runs is noted as an unlink the close asks for ({@link
 * PortfolioAdministration#recordLinkedWhileClosing}), in the link's turn, which holds the portfolio's
 * closure lock shared ({@link ClosureLock#holdOpen}): the close's last step waits for the turn, and then
 * counts the account if its unlinking took it.
 */
@Service
class AccountLinkChanges {

    /** Link changes one gateway runs at once, each with a database connection: well under its pool. */
    static final int TURNS = 3;

    /** How long a link change waits for one of the gateway's turns before it answers 503. */
    static final Duration WAIT = Duration.ofSeconds(2);

    /** How long a turn waits for another turn on the same account, which lasts at most 7 s. */
    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

    private final Semaphore turns = new Semaphore(TURNS, true);

    private final WorkerLinks links;

    private final PortfolioAdministration administration;

    private final ClosureLock closureLock;

    private final JdbcClient jdbc;

    private final TransactionTemplate transaction;

    AccountLinkChanges(
            WorkerLinks links,
            PortfolioAdministration administration,
            ClosureLock closureLock,
            JdbcClient jdbc,
            PlatformTransactionManager transactions) {
        this.links = links;
        this.administration = administration;
        this.closureLock = closureLock;
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
    }

    WorkerLinks.Outcome link(UUID portfolioId, Caller owner, UUID accountId) {
        return inTurn(portfolioId, accountId, () -> {
            closureLock.holdOpen(portfolioId);
            WorkerLinks.Outcome outcome = links.link(portfolioId, accountId, owner);
            if (outcome == WorkerLinks.Outcome.LINKED || outcome == WorkerLinks.Outcome.ALREADY_LINKED) {
                administration.logLinkChange(
                        portfolioId, owner, accountId, true, outcome == WorkerLinks.Outcome.ALREADY_LINKED);
                administration.recordLinkedWhileClosing(portfolioId, accountId);
            }
            return outcome;
        });
    }

    WorkerLinks.Outcome unlink(UUID portfolioId, Caller owner, UUID accountId) {
        // Committed before the turn begins: it must outlive a turn that fails after the worker unlinked.
        administration.recordUnlinkAsked(portfolioId, accountId);
        return inTurn(portfolioId, accountId, () -> {
            WorkerLinks.Outcome outcome = links.unlink(portfolioId, accountId, owner);
            administration.logLinkChange(portfolioId, owner, accountId, false, outcome != WorkerLinks.Outcome.UNLINKED);
            return outcome;
        });
    }

    /** Runs {@code change} in one transaction that holds the account's link lock until it ends. */
    private WorkerLinks.Outcome inTurn(UUID portfolioId, UUID accountId, Supplier<WorkerLinks.Outcome> change) {
        try {
            if (!turns.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw busy(null);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw busy(ex);
        }
        try {
            return transaction.execute(status -> {
                jdbc.sql("SELECT set_config('lock_timeout', :wait, true)")
                        .param("wait", LOCK_WAIT.toMillis() + "ms")
                        .query(String.class)
                        .single();
                jdbc.sql("SELECT true FROM pg_advisory_xact_lock(hashtextextended(:key, 0))")
                        .param("key", "account-link-log:" + portfolioId + ":" + accountId)
                        .query(Boolean.class)
                        .single();
                return change.get();
            });
        } finally {
            turns.release();
        }
    }

    private static RequestRefusedException busy(Throwable cause) {
        return new RequestRefusedException(
                RequestRefusedException.Reason.UNAVAILABLE,
                "Service unavailable",
                "Other link changes are under way on this gateway; nothing was changed, try again shortly.",
                List.of(),
                WAIT.toSeconds(),
                cause);
    }
}
