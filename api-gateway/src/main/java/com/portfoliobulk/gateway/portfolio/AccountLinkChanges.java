package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.security.Caller;
import java.util.UUID;
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
 * <p>The turn holds one database connection during the call to the worker (at most its timeouts, 2 s
 * to connect and 5 s to answer). Link changes are rare administrator operations, so that is
 * acceptable. A change the worker made after the gateway gave up waiting (503) is outside the turn;
 * the request's repeat records it.
 */
@Service
class AccountLinkChanges {

    private final WorkerLinks links;

    private final PortfolioAdministration administration;

    private final JdbcClient jdbc;

    private final TransactionTemplate transaction;

    AccountLinkChanges(
            WorkerLinks links,
            PortfolioAdministration administration,
            JdbcClient jdbc,
            PlatformTransactionManager transactions) {
        this.links = links;
        this.administration = administration;
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
    }

    WorkerLinks.Outcome link(UUID portfolioId, Caller owner, UUID accountId) {
        return inTurn(portfolioId, accountId, () -> {
            WorkerLinks.Outcome outcome = links.link(portfolioId, accountId, owner);
            if (outcome == WorkerLinks.Outcome.LINKED || outcome == WorkerLinks.Outcome.ALREADY_LINKED) {
                administration.logLinkChange(
                        portfolioId, owner, accountId, true, outcome == WorkerLinks.Outcome.ALREADY_LINKED);
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
        return transaction.execute(status -> {
            jdbc.sql("SELECT true FROM pg_advisory_xact_lock(hashtextextended(:key, 0))")
                    .param("key", "account-link-log:" + portfolioId + ":" + accountId)
                    .query(Boolean.class)
                    .single();
            return change.get();
        });
    }
}
