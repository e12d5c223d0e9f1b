package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.TestSmtp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The invitation e-mails of a portfolio whose close is under way wait: the close cancels its jobs
 * first and removes their invitations with its unlinks afterwards, so an e-mail sent in between would
 * announce invitations about to go, with a link that no longer accepts. Once the close has ended, an
 * e-mail whose account it left linked to the closed portfolio is not sent either.
 */
class InvitationMailDuringCloseIntegrationTests extends WorkerIntegrationSupport {

    private static final Instant EXPIRES = Instant.now().plus(3, ChronoUnit.DAYS);

    @Test
    void anEMailWaitsWhileItsPortfolioClosesAndGoesOutOnceAFailedCloseNoLongerHoldsIt() {
        Portfolio portfolio = directory.portfolio(1);
        String email = directory.newEmail();
        inviteWhileThePortfolioCloses(portfolio, email);

        await().during(Duration.ofSeconds(4))
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(TestSmtp.receivedBy(email))
                        .as("sent while the portfolio closes")
                        .isEmpty());
        // A close that failed half way holds its e-mails for 10 minutes from its last step.
        jdbc.sql("UPDATE jobs.closure_tokens SET closing_since = now() - interval '11 minutes' WHERE portfolio_id = ?")
                .param(portfolio.id())
                .update();
        await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == 1);
    }

    /**
     * A close whose last unlinking could not reach the worker left the account linked to the closed
     * portfolio, with its invitations pending, and the close no longer holds the e-mail once it has
     * ended: the e-mail announces none of them, as their links answer as revoked ones, and ends {@code
     * CANCELLED} unsent, as the e-mails whose invitations the close's unlinks ended. Before, it went out
     * after the close with a link that no longer accepted.
     */
    @Test
    void anEMailWhoseAccountACloseLeftLinkedToTheClosedPortfolioIsNotSentAndEndsCancelled() {
        Portfolio portfolio = directory.portfolio(1);
        String email = directory.newEmail();
        SubmittedJob job = inviteWhileThePortfolioCloses(portfolio, email);

        // The close's last transaction, without the unlinking the worker did not answer: the portfolio is
        // marked closed and its closure token (which held the e-mail) goes.
        jdbc.sql("""
                        WITH token AS (DELETE FROM jobs.closure_tokens WHERE portfolio_id = :portfolio)
                        INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (:portfolio, :owner)
                        """)
                .param("portfolio", portfolio.id())
                .param("owner", UUID.randomUUID())
                .update();

        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(mailStatus(email)).isEqualTo("CANCELLED"));
        assertThat(jdbc.sql("SELECT last_error FROM directory.invitation_mails WHERE email = ?")
                        .param(email)
                        .query(String.class)
                        .single())
                .isEqualTo("No pending invitation of the job is left to announce");
        assertThat(TestSmtp.receivedBy(email)).as("sent after the close").isEmpty();
        assertThat(jdbc.sql("SELECT state FROM directory.memberships WHERE account_id = ? AND invitation_job_id = ?")
                        .params(portfolio.ownedAccount(0).id(), job.id())
                        .query(String.class)
                        .single())
                .as("the invitation, which the unlink that frees the account ends")
                .isEqualTo("INVITED");
    }

    private String mailStatus(String email) {
        return jdbc.sql("SELECT status FROM directory.invitation_mails WHERE email = ?")
                .param(email)
                .query(String.class)
                .optional()
                .orElse(null);
    }

    /**
     * Marks the portfolio closing, as the gateway's first step of a close does, and runs an invitation of
     * {@code email} to its first account to its end: its e-mail is then due, held by the close.
     */
    private SubmittedJob inviteWhileThePortfolioCloses(Portfolio portfolio, String email) {
        jdbc.sql("""
                        INSERT INTO jobs.closure_tokens (portfolio_id, token, expires_at, closing_since)
                        VALUES (?, 'token', now() + interval '10 minutes', now())
                        """).param(portfolio.id()).update();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(TaskSpec.invite(portfolio.ownedAccount(0).id(), null, email, AccountRole.ANALYST, EXPIRES)));
        publish(job);
        awaitFinished(job);
        return job;
    }
}
