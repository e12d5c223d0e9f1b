package com.portfoliobulk.worker.mail;

import com.portfoliobulk.worker.activity.OutboxPasses;
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
 * Revokes what a withdrawn job left: a job that the removal of the portfolio user who submitted it
 * cancelled (jobs migration V201) keeps the invitations it applied before, and their e-mails, which the
 * sender holds ({@link InvitationMailStore}). Each pass takes a withdrawn job with pending e-mails and
 * deletes up to {@value #BATCH} of the invitations it made that are still pending, noting each in
 * {@code directory.account_link_changes} as {@code INVITATION_REVOKED} by the withdrawer (which {@code
 * AccountLinkEntries} logs), in the same statement; once none is left, it ends the job's pending
 * e-mails {@code CANCELLED}, {@value #BATCH} at a time. Each delete checks again that the invitation is
 * still pending and still the job's: a later job's resend makes it that job's, and an accepted one is a
 * membership like any other, kept. Jobs that ended otherwise are not touched.
 */
@Component
class WithdrawnJobInvitations {

    static final int BATCH = 1000;

    private static final Logger log = LoggerFactory.getLogger(WithdrawnJobInvitations.class);

    /** A withdrawn job whose e-mails are pending, one probe of the pending e-mails' index per job. */
    private static final String NEXT_JOB = """
            SELECT j.id, j.portfolio_id, j.withdrawn_by_user_id, j.withdrawn_by_email, j.withdrawn_by_kind
              FROM jobs.bulk_jobs j
             WHERE j.withdrawn_by_kind IS NOT NULL
               AND EXISTS (SELECT 1 FROM directory.invitation_mails m
                            WHERE m.job_id = j.id AND m.status = 'PENDING')
             LIMIT 1
            """;

    private static final String REVOKE = """
            WITH ended AS (
                DELETE FROM directory.memberships m
                 WHERE (m.account_id, m.user_id) IN (
                           SELECT p.account_id, p.user_id FROM directory.memberships p
                            WHERE p.invitation_job_id = :jobId AND p.state = 'INVITED'
                            LIMIT :batch
                              FOR UPDATE SKIP LOCKED)
                   AND m.state = 'INVITED' AND m.invitation_job_id = :jobId
                RETURNING m.account_id, m.user_id, m.role)
            INSERT INTO directory.account_link_changes
                   (event_id, account_id, portfolio_id, action, actor_id, actor_email, actor_kind,
                    user_id, email, role, role_name, job_id)
            SELECT gen_random_uuid(), e.account_id, :portfolioId, 'INVITATION_REVOKED', :actorId,
                   :actorEmail, :actorKind, e.user_id, u.email, e.role, r.name, :jobId
              FROM ended e JOIN directory.users u ON u.id = e.user_id
              LEFT JOIN jobs.account_roles r ON r.portfolio_id = :portfolioId AND r.code = e.role
            """;

    /**
     * Its e-mails end once none of its pending invitations is left (one that another transaction held
     * when the revocation passed is revoked by a later pass first).
     */
    private static final String CANCEL_MAILS = """
            UPDATE directory.invitation_mails
               SET status = 'CANCELLED', token = NULL,
                   last_error = 'The job was withdrawn by the removal of the portfolio user who submitted it'
             WHERE id IN (SELECT id FROM directory.invitation_mails
                           WHERE job_id = :jobId AND status = 'PENDING'
                           LIMIT :batch
                             FOR UPDATE SKIP LOCKED)
               AND status = 'PENDING'
               AND NOT EXISTS (SELECT 1 FROM directory.memberships p
                                WHERE p.invitation_job_id = :jobId AND p.state = 'INVITED')
            """;

    private final JdbcClient jdbc;

    private final TransactionTemplate transactions;

    WithdrawnJobInvitations(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    @Scheduled(fixedDelayString = "${bulk.worker.withdrawn-job-invitations:1s}")
    void scheduled() {
        OutboxPasses.drain(this::revokeNext, BATCH, log, "Withdrawn jobs' invitations wait until the next pass");
    }

    /**
     * Revokes up to {@value #BATCH} pending invitations of a withdrawn job, or, when none is left, ends up
     * to {@value #BATCH} of its pending e-mails; answers how many rows it changed.
     */
    int revokeNext() {
        Integer changed = transactions.execute(status -> {
            List<Withdrawn> jobs = jdbc.sql(NEXT_JOB)
                    .query((rs, n) -> new Withdrawn(
                            rs.getObject("id", UUID.class),
                            rs.getObject("portfolio_id", UUID.class),
                            rs.getObject("withdrawn_by_user_id", UUID.class),
                            rs.getString("withdrawn_by_email"),
                            rs.getString("withdrawn_by_kind")))
                    .list();
            if (jobs.isEmpty()) {
                return 0;
            }
            Withdrawn job = jobs.getFirst();
            int revoked = jdbc.sql(REVOKE)
                    .param("jobId", job.id())
                    .param("portfolioId", job.portfolioId())
                    .param("actorId", job.actorId())
                    .param("actorEmail", job.actorEmail())
                    .param("actorKind", job.actorKind())
                    .param("batch", BATCH)
                    .update();
            if (revoked > 0) {
                log.info(
                        "Revoked {} pending invitation(s) of job {}, withdrawn by the removal of its submitter",
                        revoked,
                        job.id());
                return revoked;
            }
            return jdbc.sql(CANCEL_MAILS)
                    .param("jobId", job.id())
                    .param("batch", BATCH)
                    .update();
        });
        return changed == null ? 0 : changed;
    }

    private record Withdrawn(UUID id, UUID portfolioId, UUID actorId, String actorEmail, String actorKind) {}
}
