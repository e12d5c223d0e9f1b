package com.portfoliobulk.worker.retention;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.InvitationAccepts;
import com.portfoliobulk.worker.invitations.InvitationTokens;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.client.RestClient;

/**
 * Invitation e-mails of no use any more are deleted: ended, none of their invitations pending, and
 * queued longer ago than the longest an invitation stays open plus the retention (30 + 30 days). The
 * link of a deleted one answers as one that never existed. An e-mail with a pending invitation, one
 * queued more recently, and one not sent yet are kept.
 */
class InvitationMailRetentionIntegrationTests extends WorkerIntegrationSupport {

    @LocalServerPort
    int port;

    @Autowired
    InvitationMailRetention retention;

    @Autowired
    MeterRegistry meters;

    @Test
    void deletesTheEmailsWhoseInvitationsEndedLongAgoAndKeepsTheOthers() {
        Portfolio portfolio = directory.portfolio(2);
        UUID account = portfolio.ownedAccount(0).id();
        String acceptedEmail = directory.newEmail();
        UUID accepted = directory.user(acceptedEmail, false);
        // Accepted 70 days ago: the access it gave is still the invitee's, and its link answered it.
        Mail acceptedLongAgo = mail(accepted, acceptedEmail, "SENT", "70 days");
        directory.member(account, accepted, AccountRole.ANALYST);
        jdbc.sql("UPDATE directory.memberships SET invitation_job_id = ? WHERE account_id = ? AND user_id = ?")
                .params(acceptedLongAgo.jobId(), account, accepted)
                .update();
        Mail revokedLongAgo = mail(directory.user(), "SENT", "61 days");
        Mail failedLongAgo = mail(directory.user(), "FAILED", "90 days");
        Mail cancelledLongAgo = mail(directory.user(), "CANCELLED", "61 days");
        Mail queued50DaysAgo = mail(directory.user(), "SENT", "50 days");
        Mail notSentYet = mail(directory.user(), "PENDING", "90 days");
        // Expired 40 days ago and not ended yet by the expiry sweep (it waits while Kafka is down): pending.
        UUID waiting = directory.user();
        Mail stillPending = mail(waiting, "SENT", "70 days");
        directory.invited(
                portfolio.ownedAccount(1).id(),
                waiting,
                AccountRole.ANALYST,
                Instant.now().minus(40, ChronoUnit.DAYS));
        jdbc.sql("UPDATE directory.memberships SET invitation_job_id = ? WHERE user_id = ?")
                .params(stillPending.jobId(), waiting)
                .update();
        assertThat(accept(acceptedLongAgo, acceptedEmail))
                .as("before: the access it gave")
                .isEqualTo(200);
        double before = deletedRows();

        long deleted = retention.run();

        assertThat(exists(acceptedLongAgo)).isFalse();
        assertThat(exists(revokedLongAgo)).isFalse();
        assertThat(exists(failedLongAgo)).isFalse();
        assertThat(exists(cancelledLongAgo)).isFalse();
        assertThat(exists(queued50DaysAgo)).as("queued 50 days ago").isTrue();
        assertThat(exists(notSentYet)).as("not sent yet").isTrue();
        assertThat(exists(stillPending)).as("an invitation still pending").isTrue();
        assertThat(accept(acceptedLongAgo, acceptedEmail))
                .as("a deleted e-mail's link, as one that never existed")
                .isEqualTo(accept(new Mail(UUID.randomUUID(), UUID.randomUUID().toString()), acceptedEmail))
                .isEqualTo(404);
        assertThat(directory.membership(account, accepted))
                .as("the access it gave stays")
                .hasValueSatisfying(membership -> assertThat(membership.role()).isEqualTo(AccountRole.ANALYST));
        // Other tests' rows share the database: at least ours went, and the metric counts what a run deletes.
        assertThat(deleted).isGreaterThanOrEqualTo(4);
        assertThat(deletedRows() - before).isEqualTo(deleted);
        assertThat(retention.run()).as("nothing left to delete").isZero();
    }

    @Test
    void theRowsDeletedAreAMetricOfTheWorker() {
        String metrics = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/actuator/prometheus")
                .retrieve()
                .body(String.class);

        assertThat(metrics)
                .contains("bulk_retention_deleted_rows_total{application=\"bulk-worker\",table=\"invitation_mails\"}");
    }

    /** An e-mail to the user's address; see {@link #mail(UUID, String, String, String)}. */
    private Mail mail(UUID userId, String status, String queuedAgo) {
        return mail(userId, directory.email(userId), status, queuedAgo);
    }

    /**
     * An e-mail of a job of its own queued {@code queuedAgo}, with the status given, as the worker leaves
     * one (a token in clear only while it is pending; a pending one waits for its next attempt, so that
     * the sender leaves it alone); answers its job and token.
     */
    private Mail mail(UUID userId, String email, String status, String queuedAgo) {
        Mail mail = new Mail(UUID.randomUUID(), UUID.randomUUID().toString());
        jdbc.sql("""
                        INSERT INTO directory.invitation_mails
                            (id, job_id, user_id, email, language, portfolio_id, inviter_email, token, token_digest,
                             status, created_at, next_attempt_at)
                        VALUES (:id, :job, :user, :email, 'en', :portfolio, 'admin@agency.test',
                                CASE WHEN :status = 'PENDING' THEN :token END, :digest, :status,
                                now() - CAST(:ago AS interval),
                                CASE WHEN :status = 'PENDING' THEN now() + interval '1 day' ELSE now() END)
                        """)
                .param("id", UUID.randomUUID())
                .param("job", mail.jobId())
                .param("user", userId)
                .param("email", email)
                .param("portfolio", UUID.randomUUID())
                .param("token", mail.token())
                .param("digest", InvitationTokens.digest(mail.token()))
                .param("status", status)
                .param("ago", queuedAgo)
                .update();
        return mail;
    }

    private boolean exists(Mail mail) {
        return jdbc.sql("SELECT count(*) FROM directory.invitation_mails WHERE job_id = ?")
                        .params(mail.jobId())
                        .query(Long.class)
                        .single()
                > 0;
    }

    private int accept(Mail mail, String email) {
        return InvitationAccepts.accept(port, mail.token(), email)
                .getStatusCode()
                .value();
    }

    private double deletedRows() {
        return meters.get("bulk.retention.deleted.rows")
                .tag("table", "invitation_mails")
                .counter()
                .count();
    }

    private record Mail(UUID jobId, String token) {}
}
