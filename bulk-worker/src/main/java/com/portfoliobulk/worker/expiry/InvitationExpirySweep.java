package com.portfoliobulk.worker.expiry;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.worker.activity.OutboxPasses;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Ends expired invitations: deletes {@code INVITED} memberships whose expiry has passed, so they no
 * longer show as pending and the address can be invited again, and records an
 * {@code INVITATION_EXPIRED} entry in the account's activity log for each.
 *
 * <p>A sweep takes up to {@value #BATCH} invitations in one transaction (skipping rows another worker
 * holds), notes their entries in {@code directory.account_link_changes} in the same transaction, and
 * commits without waiting for the broker: the outbox pass that logs link changes ({@code
 * AccountLinkEntries}) publishes them and deletes them once the broker took them, as it does for the
 * expiries an unlink or a renewal ends. So no job, unlink or acceptance waits behind the ended
 * invitations' locks while the broker is slow, and the sweep goes on while it is down. An entry is noted
 * only if its invitation's end commits, and kept until published; one published again after a failed
 * commit of that pass carries the same id, derived from the invitation (account, user, expiry), so the
 * activity log records each once ({@link ExpiredInvitation}, as when a new invitation renews an expired
 * one before a sweep got to it).
 */
@Component
class InvitationExpirySweep {

    static final int BATCH = 500;

    /**
     * Deletes up to {@code :batch} expired invitations, the longest expired first, and answers what
     * their entries need. They are found on {@code memberships_by_expiry} (directory migration V175),
     * which holds the pending invitations by expiry: a sweep reads the expired ones and stops at the
     * first that has not expired, however many are pending. Without it, every sweep read and sorted
     * every pending invitation, also when none had expired.
     */
    static final String END_EXPIRED = """
            WITH expired AS (
                SELECT account_id, user_id FROM directory.memberships
                 WHERE state = 'INVITED' AND expires_at <= now()
                 ORDER BY expires_at
                 LIMIT :batch
                   FOR UPDATE SKIP LOCKED
            )
            DELETE FROM directory.memberships m
             USING expired e, directory.users u, directory.accounts a
             WHERE m.account_id = e.account_id AND m.user_id = e.user_id
               AND u.id = m.user_id AND a.id = m.account_id
            RETURNING m.account_id, m.user_id, u.email, m.role, m.expires_at, m.invitation_job_id,
                      a.portfolio_id,
                      (SELECT j.requested_by_user_id FROM jobs.bulk_jobs j
                        WHERE j.id = m.invitation_job_id) AS inviter_id,
                      (SELECT j.requested_by_email FROM jobs.bulk_jobs j
                        WHERE j.id = m.invitation_job_id) AS inviter_email
            """;

    private static final Logger log = LoggerFactory.getLogger(InvitationExpirySweep.class);

    private final JdbcClient jdbc;

    private final TransactionTemplate transactions;

    InvitationExpirySweep(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    @Scheduled(
            fixedDelayString = "${bulk.worker.invitation-expiry-sweep:1m}",
            initialDelayString = "${bulk.worker.invitation-expiry-sweep:1m}")
    void scheduled() {
        OutboxPasses.drain(this::sweep, BATCH, log, "The invitation expiry sweep stopped until its next run");
    }

    /** Ends up to {@value #BATCH} expired invitations; answers how many. */
    int sweep() {
        Integer ended = transactions.execute(status -> {
            List<AccountActivityEvent> events = jdbc.sql(END_EXPIRED)
                    .param("batch", BATCH)
                    .query((rs, n) -> event(
                            rs.getObject("account_id", UUID.class),
                            rs.getObject("user_id", UUID.class),
                            rs.getString("email"),
                            rs.getString("role"),
                            rs.getTimestamp("expires_at").toInstant(),
                            rs.getObject("invitation_job_id", UUID.class),
                            rs.getObject("portfolio_id", UUID.class),
                            rs.getObject("inviter_id", UUID.class),
                            rs.getString("inviter_email")))
                    .list();
            // An unlinked account has no portfolio to tell: its invitation just ends.
            ExpiredInvitationEntries.note(
                    jdbc, events.stream().filter(event -> event != null).toList());
            return events.size();
        });
        if (ended != null && ended > 0) {
            log.info("Ended {} expired invitation(s)", ended);
        }
        return ended == null ? 0 : ended;
    }

    /** An ended invitation's entry; {@code null} for an account that is not linked to a portfolio. */
    private static AccountActivityEvent event(
            UUID accountId,
            UUID userId,
            String email,
            String role,
            Instant expiresAt,
            UUID jobId,
            UUID portfolioId,
            UUID inviterId,
            String inviterEmail) {
        if (portfolioId == null) {
            return null;
        }
        Actor inviter = inviterId == null ? null : new Actor(inviterId, inviterEmail);
        return new ExpiredInvitation(accountId, userId, email, new AccountRole(role), expiresAt, jobId, inviter)
                .event(portfolioId);
    }
}
