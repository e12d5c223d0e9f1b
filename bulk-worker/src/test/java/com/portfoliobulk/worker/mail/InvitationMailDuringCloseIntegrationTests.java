package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.ScriptedSmtp;
import com.portfoliobulk.worker.fixtures.TestSmtp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.web.client.RestClient;

/**
 * The invitation e-mails of a portfolio whose close is under way wait: the close cancels its jobs
 * first and removes their invitations with its unlinks afterwards, so an e-mail sent in between would
 * announce invitations about to go, with a link that no longer accepts. Once the close has ended, an
 * e-mail whose account it left linked to the closed portfolio is not sent either, nor is one whose
 * invitations an unlink of its account ended while it was on its way to the SMTP server.
 */
class InvitationMailDuringCloseIntegrationTests extends WorkerIntegrationSupport {

    private static final Instant EXPIRES = Instant.now().plus(3, ChronoUnit.DAYS);

    @Autowired
    JavaMailSender mailSender;

    @LocalServerPort
    int port;

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

    /**
     * The sender has claimed the e-mail and read its invitation, and its SMTP session is held (the server
     * holds its reply to {@code EHLO}) when the Owner unlinks the account, which ends the invitation: the
     * sender reads the invitations once more right before it hands the message over, finds none, and the
     * e-mail ends {@code CANCELLED} unsent, as one whose invitations ended before it was claimed. Before,
     * it went out with the invitation read before the unlink, and its link answered 410.
     */
    @Test
    void anEMailWhoseInvitationAnUnlinkEndsWhileItIsOnItsWayIsNotSentAndEndsCancelled() throws Exception {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        String email = directory.newEmail();
        JavaMailSenderImpl configured = (JavaMailSenderImpl) mailSender;
        int smtpPort = configured.getPort();
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true).holdingRepliesTo("EHLO")) {
            configured.setPort(smtp.port());
            SubmittedJob job = jobs.submit(
                    portfolio.id(),
                    JobType.INVITE_USERS,
                    JobFixture.administrator(),
                    List.of(TaskSpec.invite(account, null, email, AccountRole.ANALYST, EXPIRES)));
            publish(job);
            awaitFinished(job);
            // This e-mail's session, not another's: the sender holds its row while it sends it.
            await().atMost(PATIENCE)
                    .until(() -> smtp.commands().stream().anyMatch(command -> command.startsWith("EHLO"))
                            && claimedBySender(email));

            assertThat(unlink(portfolio.id(), account)).isEqualTo(200);
            smtp.releaseRepliesTo("EHLO");

            await().atMost(PATIENCE).until(() -> !"PENDING".equals(mailStatus(email)));
            assertThat(mailStatus(email)).isEqualTo("CANCELLED");
            assertThat(smtp.messages()).noneMatch(data -> data.contains(email));
            assertThat(smtp.commands())
                    .noneMatch(command -> command.toUpperCase().startsWith("MAIL"));
        } finally {
            configured.setPort(smtpPort);
        }
        assertThat(TestSmtp.receivedBy(email)).isEmpty();
    }

    /** Whether a sender holds the e-mail's row (it claims it for as long as it sends it). */
    private boolean claimedBySender(String email) {
        return jdbc.sql("""
                        SELECT count(*) FROM (SELECT 1 FROM directory.invitation_mails WHERE email = ?
                                               FOR UPDATE SKIP LOCKED) free
                        """).param(email).query(Long.class).single() == 0;
    }

    /** Unlinks the account through the worker's internal API, as the Owner; answers its status. */
    private int unlink(UUID portfolioId, UUID accountId) {
        return RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", TestTokens.workerAuthorization())
                .build()
                .post()
                .uri("/internal/portfolios/{portfolio}/accounts/{account}/unlink", portfolioId, accountId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("userId", UUID.randomUUID().toString(), "email", "owner@agency.test"))
                .exchange((request, response) -> response.getStatusCode().value());
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
