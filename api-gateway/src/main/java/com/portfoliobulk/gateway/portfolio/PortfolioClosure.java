package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.contracts.PortfolioClosing;
import com.portfoliobulk.gateway.jobs.ClosureLock;
import com.portfoliobulk.gateway.jobs.JobCancellation;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.StoredPermissions;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.servicesupport.logging.LogContext;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Closes a portfolio for its Owner, who first asks for a confirmation token and sends it back within
 * {@link #TOKEN_VALIDITY}: its pending jobs end as cancelled, every linked account is unlinked (each
 * with an entry in its activity log), and its portfolio users, roles and custom account roles are
 * removed, its SCIM tokens revoked and its identity provider's users (their {@code externalId} and
 * {@code displayName}) deleted, so no one administers or provisions it any more. Jobs, tasks and
 * activity logs stay. Each step can be repeated, so a close interrupted by a worker outage
 * finishes when sent again with the same token; its answer and its log entry then count what the
 * whole close did, not only what the last attempt had left to do.
 *
 * <p>Both steps check that the caller is the Owner by the database, not by the permission cache: a
 * transfer of ownership accepted on another gateway a moment ago counts, and it also ends the former
 * Owner's confirmation token.
 */
@Service
class PortfolioClosure {

    private static final Logger log = LoggerFactory.getLogger(PortfolioClosure.class);

    static final Duration TOKEN_VALIDITY = PortfolioClosing.HOLD;

    /** The detail of the administration log's entry of an Owner transfer the close withdrew. */
    static final String WITHDRAWN_BY_CLOSE = "withdrawn: the portfolio is closing";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The most job ids the log line of a close names; past them, it says how to find the others. */
    static final int LOGGED_JOB_IDS = 20;

    private final JdbcClient jdbc;

    private final JobCancellation cancellation;

    private final ClosureLock closureLock;

    private final WorkerLinks links;

    private final PortfolioAdministration administration;

    private final StoredPermissions permissions;

    private final TransactionTemplate transaction;

    PortfolioClosure(
            JdbcClient jdbc,
            JobCancellation cancellation,
            ClosureLock closureLock,
            WorkerLinks links,
            PortfolioAdministration administration,
            StoredPermissions permissions,
            PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.cancellation = cancellation;
        this.closureLock = closureLock;
        this.links = links;
        this.administration = administration;
        this.permissions = permissions;
        this.transaction = new TransactionTemplate(transactions);
    }

    record ClosureToken(String confirmation, Instant expiresAt) {}

    record Closed(UUID portfolioId, long unlinkedAccounts, long cancelledJobs) {}

    /**
     * A new closure token, valid {@link #TOKEN_VALIDITY} by the database's clock, which the close checks
     * its expiry with: with gateways whose clocks differ, one issued by a gateway whose clock is behind
     * would be refused early by another, and one issued by a gateway whose clock is ahead accepted for
     * too long. The validity counts from the statement that stores it ({@code statement_timestamp()});
     * the answer's {@code expiresAt} is the stored expiry.
     *
     * <p>Issued in one transaction with the Owner checked under the lock of any pending Owner transfer
     * and of the caller's portfolio user row, taken as the close takes them: an acceptance of ownership
     * waits for it, or it for the acceptance and then refuses the former Owner (403). Checked apart
     * from the issue, a former Owner got a token as the acceptance committed, which also replaced the
     * new Owner's own.
     */
    ClosureToken token(Caller owner, UUID portfolioId) {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        OffsetDateTime expiresAt = transaction.execute(status -> {
            administration.currentOwner(owner, portfolioId);
            return jdbc.sql("""
                            INSERT INTO jobs.closure_tokens (portfolio_id, token, expires_at)
                            VALUES (:portfolioId, :token, statement_timestamp() + make_interval(secs => :validity))
                            ON CONFLICT (portfolio_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
                            RETURNING expires_at
                            """)
                    .param("portfolioId", portfolioId)
                    .param("token", token)
                    .param("validity", TOKEN_VALIDITY.toSeconds())
                    .query(OffsetDateTime.class)
                    .single();
        });
        return new ClosureToken(token, expiresAt.toInstant());
    }

    /**
     * Marks the close as under way from now: ownership can change hands again only {@link
     * #TOKEN_VALIDITY} after its last step marked it, so a long close renews the mark as it goes.
     */
    private void markClosing(UUID portfolioId) {
        jdbc.sql("UPDATE jobs.closure_tokens SET closing_since = now() WHERE portfolio_id = :portfolioId")
                .param("portfolioId", portfolioId)
                .update();
    }

    /**
     * Marks the close as under way ({@link #markClosing}) and notes when it began: an attempt sent while
     * an earlier one still holds ownership (within {@link #TOKEN_VALIDITY} of its last step) is that
     * close sent again and keeps its start; otherwise the close begins now. The close's last step counts
     * from it what the whole close did ({@link #countClosed}).
     *
     * <p>An earlier attempt by a gateway of a version before the start was noted (during an upgrade)
     * left none: the close started at that attempt's PORTFOLIO_CLOSE_STARTED entry, or earlier at the
     * oldest note of the unlinks it asked for (an attempt before it, whose notes it kept), counting
     * notes up to {@link #TOKEN_VALIDITY} older than the entry. Counted from now, the close answered and
     * logged 0 accounts unlinked where the earlier attempt had unlinked them all.
     */
    private void markCloseBegun(UUID portfolioId) {
        jdbc.sql("""
                        UPDATE jobs.closure_tokens c
                        SET close_started_at = CASE
                                WHEN c.closing_since > now() - make_interval(secs => :validity)
                                THEN coalesce(
                                    c.close_started_at,
                                    (SELECT least(e.started,
                                                  (SELECT min(u.asked_at) FROM jobs.account_unlinks_asked u
                                                    WHERE u.portfolio_id = c.portfolio_id
                                                      AND u.asked_at >= e.started - make_interval(secs => :validity)))
                                       FROM (SELECT max(l.occurred_at) AS started FROM jobs.portfolio_admin_log l
                                              WHERE l.portfolio_id = c.portfolio_id
                                                AND l.action = 'PORTFOLIO_CLOSE_STARTED') e),
                                    now())
                                ELSE now() END,
                            closing_since = now()
                        WHERE c.portfolio_id = :portfolioId
                        """)
                .param("portfolioId", portfolioId)
                .param("validity", TOKEN_VALIDITY.toSeconds())
                .update();
    }

    /**
     * What the whole close did, from its start ({@link #markCloseBegun}), in its last transaction: the
     * accounts whose unlink it asked for ({@link PortfolioAdministration#recordUnlinksAsked}, and {@link
     * PortfolioAdministration#recordLinkedWhileClosing} for one linked since; the worker's unlinking of
     * every account notes each account it unlinks too, in the unlink's transaction, so one linked while the
     * close ran counts also when its link's answer never came) that are no longer linked to the portfolio,
     * and the jobs it cancelled since ({@link #recordCancelled}). An
     * attempt that repeats one that failed half way (the worker unlinked every account, but its answer
     * did not come in time) has nothing left to do itself, yet its answer and its entry state the close.
     * An account an unlink of its own settled meanwhile (its entry removed the note) is that unlink's,
     * and a job an administrator cancelled, before the close began or while it ran, is not counted.
     */
    private Closed countClosed(UUID portfolioId) {
        return jdbc.sql("""
                        SELECT (SELECT count(*) FROM jobs.account_unlinks_asked u
                                 WHERE u.portfolio_id = c.portfolio_id AND u.asked_at >= c.close_started_at
                                   AND NOT EXISTS (SELECT 1 FROM directory.accounts a
                                                    WHERE a.id = u.account_id AND a.portfolio_id = c.portfolio_id))
                                   AS unlinked,
                               (SELECT count(*) FROM jobs.closure_cancelled_jobs k
                                 WHERE k.portfolio_id = c.portfolio_id AND k.cancelled_at >= c.close_started_at)
                                   AS cancelled
                          FROM jobs.closure_tokens c WHERE c.portfolio_id = :portfolioId
                        """)
                .param("portfolioId", portfolioId)
                .query((rs, row) -> new Closed(portfolioId, rs.getLong("unlinked"), rs.getLong("cancelled")))
                .single();
    }

    /**
     * Ends the pending Owner transfer, if there is one, and logs that the close withdrew it, naming its
     * recipient: while the portfolio closes, their acceptance is told so ({@link
     * PortfolioAdministration#acceptTransfer}).
     */
    private void withdrawTransfer(Caller owner, UUID portfolioId) {
        List<String> recipients = jdbc.sql("""
                        DELETE FROM jobs.owner_transfers t WHERE t.portfolio_id = :portfolioId
                        RETURNING (SELECT p.email FROM jobs.portfolio_users p
                                    WHERE p.portfolio_id = t.portfolio_id AND p.user_id = t.to_user_id)
                        """)
                .param("portfolioId", portfolioId)
                .query((rs, row) -> rs.getString(1))
                .list();
        for (String recipient : recipients) {
            administration.log(
                    portfolioId, owner, AdminLogAction.OWNER_TRANSFER_WITHDRAWN, recipient, WITHDRAWN_BY_CLOSE);
        }
    }

    Closed close(Caller owner, UUID portfolioId, String confirmation) {
        if (confirmation == null || confirmation.isBlank()) {
            throw AdminProblems.invalid(
                    "confirmation", "is required: the token of POST /api/v1/portfolios/{portfolioId}/closure");
        }
        // The pending Owner transfer ends first, with the Owner and the token checked under its lock, and
        // the close is marked as under way: ownership can be neither offered nor accepted while the
        // portfolio closes, so the closing Owner stays the Owner.
        transaction.executeWithoutResult(status -> {
            currentOwnerWithToken(owner, portfolioId, confirmation, true);
            withdrawTransfer(owner, portfolioId);
            markCloseBegun(portfolioId);
            // Logged as it begins: a close that fails half way has cancelled jobs and unlinked accounts
            // (each in the job's status and the account's activity log), and this says who began it.
            administration.log(
                    portfolioId,
                    owner,
                    AdminLogAction.PORTFOLIO_CLOSE_STARTED,
                    null,
                    "closing: pending jobs are cancelled and every account unlinked");
        });
        // The jobs this attempt cancelled, committed each in its own transaction: logged also when it fails.
        List<UUID> cancelled = new ArrayList<>();
        try {
            return closeFrom(owner, portfolioId, confirmation, cancelled);
        } catch (RuntimeException | Error ex) {
            if (!cancelled.isEmpty()) {
                logCancelled(
                        portfolioId,
                        owner,
                        cancelled,
                        cancelled.size(),
                        "the close failed half way, the portfolio is still open");
            }
            throw ex;
        }
    }

    /** The close after its first step, {@code cancelled} noting the jobs it cancels outside its last transaction. */
    private Closed closeFrom(Caller owner, UUID portfolioId, String confirmation, List<UUID> cancelled) {
        cancelActiveJobs(portfolioId, cancelled);
        markClosing(portfolioId);
        // Committed before the worker is called: a close that fails after the worker unlinked the
        // accounts leaves the portfolio open, and these rows let it read their activity logs still (an
        // account linked when the portfolio was set up has no entry in the administration log), and the
        // close's last step counts from them the accounts the whole close unlinked.
        administration.recordUnlinksAsked(portfolioId);
        links.unlinkAll(portfolioId, owner);
        markClosing(portfolioId);
        // A job submitted while the first ones were cancelled: it has no linked account left to change.
        cancelActiveJobs(portfolioId, cancelled);
        List<UUID> closeCancelled = new ArrayList<>();
        Closed closed = transaction.execute(status -> {
            // First: waits for the submissions under way, and a submission after it waits for this
            // transaction and finds the portfolio closed; and for the links under way, whose notes it counts.
            closureLock.holdForClose(portfolioId);
            // The jobs of the submissions it waited for (committed after the second cancelling listed the
            // jobs; no job is stored after this): cancelled in this transaction, so the close's entry
            // below counts them as its answer does, and they end with the portfolio or not at all.
            cancelSubmittedMeanwhile(portfolioId);
            // The token as it was when the close began: one that ran out while the accounts were
            // unlinked still ends the close (an accepted transfer deletes it, so that still stops it).
            currentOwnerWithToken(owner, portfolioId, confirmation, false);
            // One the Owner offered while the accounts were unlinked ends too, logged as the first one.
            withdrawTransfer(owner, portfolioId);
            // The whole close's, also of the attempts before this one that failed half way: counted
            // before the notes of the unlinks it asked for and of the jobs it cancelled are deleted below.
            Closed total = countClosed(portfolioId);
            closeCancelled.addAll(closeCancelledJobs(portfolioId));
            administration.log(
                    portfolioId,
                    owner,
                    AdminLogAction.PORTFOLIO_CLOSED,
                    null,
                    "closed: " + total.unlinkedAccounts() + " account(s) unlinked, " + total.cancelledJobs()
                            + " pending job(s) cancelled");
            // Unlinks asked for whose entry is still missing: once the portfolio is closed, no one asks again.
            // The notes of the jobs it cancelled have been counted; the jobs stay, CANCELLED.
            for (String table : List.of(
                    "jobs.portfolio_users",
                    "jobs.portfolio_roles",
                    "jobs.account_roles",
                    "jobs.closure_tokens",
                    "jobs.account_unlinks_asked",
                    "jobs.closure_cancelled_jobs",
                    "jobs.scim_users")) {
                jdbc.sql("DELETE FROM " + table + " WHERE portfolio_id = :portfolioId")
                        .param("portfolioId", portfolioId)
                        .update();
            }
            jdbc.sql("UPDATE jobs.scim_tokens SET revoked_at = now() WHERE portfolio_id = :portfolioId"
                            + " AND revoked_at IS NULL")
                    .param("portfolioId", portfolioId)
                    .update();
            jdbc.sql("""
                            INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (:portfolioId, :owner)
                            ON CONFLICT DO NOTHING
                            """)
                    .param("portfolioId", portfolioId)
                    .param("owner", owner.userId())
                    .update();
            return total;
        });
        permissions.forgetAll();
        long unlinked = closed.unlinkedAccounts() + unlinkLinkedMeanwhile(portfolioId, owner);
        logCancelled(
                portfolioId,
                owner,
                closeCancelled,
                closed.cancelledJobs(),
                "the portfolio is closed, " + unlinked + " account(s) unlinked");
        return new Closed(portfolioId, unlinked, closed.cancelledJobs());
    }

    /**
     * The jobs the whole close cancelled ({@link #countClosed}), in the order it cancelled them, at most
     * one more than {@link #LOGGED_JOB_IDS}.
     */
    private List<UUID> closeCancelledJobs(UUID portfolioId) {
        return jdbc.sql("""
                        SELECT k.job_id FROM jobs.closure_cancelled_jobs k
                          JOIN jobs.closure_tokens c ON c.portfolio_id = k.portfolio_id
                         WHERE k.portfolio_id = :portfolioId AND k.cancelled_at >= c.close_started_at
                         ORDER BY k.cancelled_at, k.job_id
                         LIMIT :limit
                        """)
                .param("portfolioId", portfolioId)
                .param("limit", LOGGED_JOB_IDS + 1)
                .query(UUID.class)
                .list();
    }

    /**
     * The line each gateway logs for the jobs a close cancelled, as for every cancel ({@link
     * JobCancellation}): a restore of the database to a moment before it brings them back running, and
     * lists these lines to cancel them again. It names the portfolio, the Owner (the token's {@code
     * sub}) and the jobs, up to {@link #LOGGED_JOB_IDS} of them; past those, that the others were the
     * portfolio's other jobs left queued or in progress (a close cancels them all).
     */
    private static void logCancelled(UUID portfolioId, Caller owner, List<UUID> jobs, long count, String outcome) {
        String ids = jobs.stream().limit(LOGGED_JOB_IDS).map(UUID::toString).collect(Collectors.joining(", "));
        if (count > LOGGED_JOB_IDS) {
            ids += ", and " + (count - LOGGED_JOB_IDS) + " more: every other job of the portfolio queued or in"
                    + " progress";
        }
        try (LogContext context = LogContext.open().put(LogContext.PORTFOLIO_ID, portfolioId)) {
            log.info(
                    "Close of portfolio {} at the request of user {}: {} job(s) cancelled{}; {}",
                    portfolioId,
                    owner.userId(),
                    count,
                    ids.isEmpty() ? "" : " (" + ids + ")",
                    outcome);
        }
    }

    /**
     * Cancels, within the close's last transaction, the jobs that committed while the close ran, after
     * its second cancelling listed the jobs: that transaction waited for their submissions ({@link
     * ClosureLock}). Each attempt at each job in a savepoint ({@link JobCancellation}): one the worker
     * finished meanwhile is left as it is, one that PostgreSQL aborts as a deadlock is tried again from
     * where it began, and the transaction goes on. A failure fails that transaction, which marks nothing closed, and the close
     * can be sent again, as after a failure of its earlier steps.
     *
     * <p>One transaction cancels several jobs and holds every lock it takes until it commits, so it
     * first takes them all in the order the worker and the relay take them ({@link
     * JobCancellation#cancelAll}): cancelled job after job, the close held one job's tasks and row while
     * it waited for the next one's, and a worker or relay that held those and waited for the first
     * deadlocked with it.
     */
    private void cancelSubmittedMeanwhile(UUID portfolioId) {
        cancellation.cancelAll(portfolioId, activeJobs(portfolioId), job -> recordCancelled(portfolioId, job));
    }

    /**
     * Unlinks an account linked while the close ran (by a gateway that still held the Owner's
     * permissions), now that the portfolio is marked closed: the worker links none to it any more, and
     * waits for a link under way before it unlinks. The portfolio is closed already, so a worker that
     * does not answer does not fail the close; the account then stays linked, and the warning says so,
     * until another portfolio links it (the worker unlinks it from the closed one first).
     */
    private long unlinkLinkedMeanwhile(UUID portfolioId, Caller owner) {
        try {
            return links.unlinkAll(portfolioId, owner);
        } catch (RuntimeException ex) {
            log.warn(
                    "Portfolio {} is closed, but accounts linked while it closed could not be unlinked (they stay"
                            + " linked to it until another portfolio links them): {}",
                    portfolioId,
                    ex.toString());
            return 0;
        }
    }

    /**
     * Locks any pending Owner transfer and the caller's portfolio user row, then checks that the caller
     * is the Owner and the confirmation the portfolio's current closure token (accepting ownership ends
     * the former Owner's), unexpired when {@code unexpired}.
     */
    private void currentOwnerWithToken(Caller owner, UUID portfolioId, String confirmation, boolean unexpired) {
        administration.currentOwner(owner, portfolioId);
        boolean valid = jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM jobs.closure_tokens
                                       WHERE portfolio_id = :portfolioId AND token = :token
                                         AND (expires_at > now() OR NOT :unexpired))
                        """)
                .param("portfolioId", portfolioId)
                .param("token", confirmation.strip())
                .param("unexpired", unexpired)
                .query(Boolean.class)
                .single();
        if (!valid) {
            throw AdminProblems.invalid(
                    "confirmation",
                    "is not this portfolio's current closure token or has expired; ask for a new one (POST closure)");
        }
    }

    /**
     * Cancels the portfolio's queued and running jobs; the close counts them when it ends ({@link
     * #countClosed}), with those its earlier attempts cancelled. Adds each it cancelled to {@code
     * cancelled}, as it goes.
     */
    private void cancelActiveJobs(UUID portfolioId, List<UUID> cancelled) {
        cancelJobs(portfolioId, activeJobs(portfolioId), cancelled);
    }

    /** The portfolio's queued and running jobs. */
    private List<UUID> activeJobs(UUID portfolioId) {
        return jdbc.sql("""
                        SELECT id FROM jobs.bulk_jobs
                        WHERE portfolio_id = :portfolioId AND status IN ('QUEUED', 'IN_PROGRESS')
                        """).param("portfolioId", portfolioId).query(UUID.class).list();
    }

    /** Cancels {@code jobs}, noting each as the close's, and adds each it cancelled to {@code cancelled}. */
    private void cancelJobs(UUID portfolioId, List<UUID> jobs, List<UUID> cancelled) {
        for (UUID job : jobs) {
            try {
                cancellation.cancel(portfolioId, job, () -> recordCancelled(portfolioId, job));
                cancelled.add(job);
            } catch (RequestRefusedException finishedMeanwhile) {
                // It ended between the listing and the cancellation: nothing is pending any more.
            }
        }
    }

    /**
     * Notes, in the transaction that cancels it, that the close cancelled the job: the close counts
     * these ({@link #countClosed}), not every job of the portfolio cancelled meanwhile, which may be an
     * administrator's cancellation while the accounts were unlinked.
     */
    private void recordCancelled(UUID portfolioId, UUID jobId) {
        jdbc.sql("""
                        INSERT INTO jobs.closure_cancelled_jobs (portfolio_id, job_id) VALUES (:portfolioId, :jobId)
                        ON CONFLICT DO NOTHING
                        """).param("portfolioId", portfolioId).param("jobId", jobId).update();
    }
}
