package com.portfoliobulk.worker.expiry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The expiry sweep ends expired invitations, logs each, and leaves pending ones alone. */
class InvitationExpirySweepIntegrationTests extends WorkerIntegrationSupport {

    @Autowired
    InvitationExpirySweep sweep;

    @Test
    void expiredInvitationsEndWithAnActivityEntryAndTheAddressCanBeInvitedAgain() {
        Portfolio portfolio = directory.portfolio(2);
        UUID expiredUser = directory.user();
        UUID pendingUser = directory.user();
        Instant expiredAt = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MICROS);
        UUID account = portfolio.ownedAccount(0).id();
        directory.invited(account, expiredUser, AccountRole.ANALYST, expiredAt);
        directory.invited(
                account, pendingUser, AccountRole.ANALYST, Instant.now().plus(1, ChronoUnit.DAYS));

        assertThat(sweep.sweep()).isGreaterThanOrEqualTo(1);

        assertThat(directory.membership(account, expiredUser)).isEmpty();
        assertThat(directory.membership(account, pendingUser)).isPresent();
        UUID eventId = UUID.nameUUIDFromBytes(("invitation-expired:" + account + ":" + expiredUser + ":" + expiredAt)
                .getBytes(StandardCharsets.UTF_8));
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(List.of(eventId)))
                        .singleElement()
                        .satisfies(event -> {
                            assertThat(event.action()).isEqualTo(ActivityAction.INVITATION_EXPIRED);
                            assertThat(event.accountId()).isEqualTo(account);
                            assertThat(event.targetUser().userId()).isEqualTo(expiredUser);
                            assertThat(event.previousRole()).isEqualTo(AccountRole.ANALYST);
                            assertThat(event.portfolioId()).isEqualTo(portfolio.id());
                        }));

        String email = directory.email(expiredUser);
        SubmittedJob again = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(TaskSpec.invite(
                        account,
                        expiredUser,
                        email,
                        AccountRole.MANAGER,
                        Instant.now().plus(7, ChronoUnit.DAYS))));
        publish(again);
        awaitFinished(again);
        assertThat(jobs.task(again.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(directory.membership(account, expiredUser).orElseThrow().role())
                .isEqualTo(AccountRole.MANAGER);
        assertThat(activityOf(List.of(eventId)))
                .extracting(AccountActivityEvent::eventId)
                .containsOnly(eventId);
    }
}
