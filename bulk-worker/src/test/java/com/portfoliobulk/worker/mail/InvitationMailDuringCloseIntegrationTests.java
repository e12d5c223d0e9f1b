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
import org.junit.jupiter.api.Test;

/**
 * The invitation e-mails of a portfolio whose close is under way wait: the close cancels its jobs
 * first and removes their invitations with its unlinks afterwards, so an e-mail sent in between would
 * announce invitations about to go, with a link that no longer accepts.
 */
class InvitationMailDuringCloseIntegrationTests extends WorkerIntegrationSupport {

    private static final Instant EXPIRES = Instant.now().plus(3, ChronoUnit.DAYS);

    @Test
    void anEMailWaitsWhileItsPortfolioClosesAndGoesOutOnceAFailedCloseNoLongerHoldsIt() {
        Portfolio portfolio = directory.portfolio(1);
        String email = directory.newEmail();
        // The gateway's first step of a close, as it marks it.
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
}
