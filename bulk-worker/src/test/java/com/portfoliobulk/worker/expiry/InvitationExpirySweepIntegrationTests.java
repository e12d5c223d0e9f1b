package com.portfoliobulk.worker.expiry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.doAnswer;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.activity.ActivityPublisher;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

/**
 * The expiry sweep ends expired invitations, logs each, and leaves pending ones alone; an invitation
 * that renews an expired one before the sweep got to it logs that expiry itself. The activity publisher
 * is spied on, so that a test can make the broker slow.
 */
class InvitationExpirySweepIntegrationTests extends WorkerIntegrationSupport {

    @Autowired
    InvitationExpirySweep sweep;

    @MockitoSpyBean
    ActivityPublisher activity;

    /**
     * While the broker does not acknowledge (acks that never come, as with too few in-sync replicas), a
     * sweep ends the expired invitations and commits: it holds none of them locked, so a job re-inviting
     * the invitee or an unlink is not held up behind it, and their entries wait until the broker answers
     * again, then are logged once. Before, the sweep waited for the broker inside its transaction (up to
     * 30 s, then rolled back), keeping the invitations locked the whole time.
     */
    @Test
    void aSweepWhileTheBrokerIsSlowEndsTheInvitationsAtOnceAndLogsThemOnceItAnswers() throws Exception {
        AtomicBoolean slow = new AtomicBoolean(true);
        doAnswer(invocation -> slow.get() ? new CompletableFuture<Void>() : invocation.callRealMethod())
                .when(activity)
                .publish(anyList());
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID invitee = directory.user();
        Instant expiredAt = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MICROS);
        directory.invited(account, invitee, AccountRole.ANALYST, expiredAt);
        UUID eventId = UUID.nameUUIDFromBytes(
                ("invitation-expired:" + account + ":" + invitee + ":" + expiredAt).getBytes(StandardCharsets.UTF_8));

        try {
            CompletableFuture<Integer> swept = CompletableFuture.supplyAsync(sweep::sweep);
            // The end of the invitation is committed while the broker is still silent: no one waits for it.
            await().atMost(PATIENCE)
                    .until(() -> directory.membership(account, invitee).isEmpty());
            assertThat(swept.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1);
            assertThat(jdbc.sql("SELECT count(*) FROM directory.account_link_changes WHERE event_id = ?")
                            .param(eventId)
                            .query(Long.class)
                            .single())
                    .as("the entry waits for the broker")
                    .isOne();
            assertThat(activityOf(List.of(eventId))).isEmpty();
        } finally {
            slow.set(false);
        }

        await().atMost(PATIENCE.multipliedBy(2))
                .untilAsserted(() -> assertThat(activityOf(List.of(eventId)))
                        .singleElement()
                        .satisfies(event -> {
                            assertThat(event.action()).isEqualTo(ActivityAction.INVITATION_EXPIRED);
                            assertThat(event.accountId()).isEqualTo(account);
                            assertThat(event.targetUser().userId()).isEqualTo(invitee);
                            assertThat(event.previousRole()).isEqualTo(AccountRole.ANALYST);
                            assertThat(event.occurredAt()).isEqualTo(expiredAt);
                        }));
        await().atMost(PATIENCE)
                .until(() -> jdbc.sql("SELECT count(*) FROM directory.account_link_changes WHERE event_id = ?")
                                .param(eventId)
                                .query(Long.class)
                                .single()
                        == 0);
        assertThat(activityOf(List.of(eventId))).as("logged once").hasSize(1);
    }

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

    @Test
    void anInvitationThatRenewsAnExpiredOneTheSweepHasNotEndedLogsTheExpiryFirst() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        String email = directory.email(ann);
        Actor firstInviter = JobFixture.administrator();
        SubmittedJob first = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                firstInviter,
                List.of(TaskSpec.invite(account, ann, email, AccountRole.ANALYST, inAWeek())));
        publish(first);
        awaitFinished(first);
        // The invitation expired yesterday; the sweep has not ended it yet (it runs every minute).
        Instant expiredAt = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
        jdbc.sql("UPDATE directory.memberships SET expires_at = ? WHERE account_id = ? AND user_id = ?")
                .params(expiredAt.atOffset(ZoneOffset.UTC), account, ann)
                .update();

        SubmittedJob again = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(TaskSpec.invite(account, ann, email, AccountRole.MANAGER, inAWeek())));
        publish(again);
        awaitFinished(again);

        assertThat(jobs.task(again.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        UUID expiryId = UUID.nameUUIDFromBytes(
                ("invitation-expired:" + account + ":" + ann + ":" + expiredAt).getBytes(StandardCharsets.UTF_8));
        // Noted in the renewal's transaction and published from the outbox, it may follow the renewal on
        // the topic; the activity log lists entries by when they happened, the expiry first.
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOfAccounts(List.of(account)))
                        .extracting(AccountActivityEvent::eventId)
                        .containsExactlyInAnyOrder(first.taskId(0), expiryId, again.taskId(0)));
        List<AccountActivityEvent> logged = activityOfAccounts(List.of(account));
        AccountActivityEvent expiry = logged.stream()
                .filter(event -> event.eventId().equals(expiryId))
                .findFirst()
                .orElseThrow();
        AccountActivityEvent renewal = logged.stream()
                .filter(event -> event.eventId().equals(again.taskId(0)))
                .findFirst()
                .orElseThrow();
        assertThat(expiry.occurredAt()).isBefore(renewal.occurredAt());
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(
                                jdbc.sql("SELECT count(*) FROM directory.account_link_changes WHERE event_id = ?")
                                        .param(expiryId)
                                        .query(Long.class)
                                        .single())
                        .as("published, then taken out of the outbox")
                        .isZero());
        assertThat(expiry)
                .as("the entry the sweep would have logged")
                .isEqualTo(new AccountActivityEvent(
                        AccountActivityEvent.VERSION,
                        expiryId,
                        expiredAt,
                        account,
                        portfolio.id(),
                        first.id(),
                        expiryId,
                        ActivityAction.INVITATION_EXPIRED,
                        new UserRef(ann, email),
                        AccountRole.ANALYST,
                        null,
                        InitiationLevel.PORTFOLIO,
                        firstInviter,
                        null,
                        null));
    }

    private static Instant inAWeek() {
        return Instant.now().plus(7, ChronoUnit.DAYS);
    }
}
