package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.changeRole;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Membership;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.invitations.InvitationTokens;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each job type, applied from its task records: the directory, the task outcomes, the job, the activity. */
class JobTypesIntegrationTests extends WorkerIntegrationSupport {

    private final Instant inAWeek = Instant.now().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.MICROS);

    @Test
    void invitationsCreatePendingMembershipsWithExpiryAndUniqueTokensAndCreateNewUsers() {
        Portfolio portfolio = directory.portfolio(2);
        OwnedAccount first = portfolio.ownedAccount(0);
        OwnedAccount second = portfolio.ownedAccount(1);
        UUID known = directory.user();
        String knownEmail = directory.email(known);
        String newEmail = directory.newEmail();
        UUID expired = directory.user();
        directory.invited(
                second.id(), expired, AccountRole.ANALYST, Instant.now().minus(Duration.ofDays(1)));
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        invite(first.id(), known, knownEmail, AccountRole.ANALYST, inAWeek),
                        invite(second.id(), known, knownEmail, AccountRole.SUPPORT, inAWeek),
                        invite(first.id(), null, newEmail, AccountRole.MANAGER, inAWeek),
                        invite(second.id(), null, newEmail, AccountRole.MANAGER, inAWeek),
                        invite(second.id(), expired, directory.email(expired), AccountRole.ADMIN, inAWeek)));

        publish(job);
        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(finished.succeeded()).isEqualTo(5);
        assertThat(finished.pending()).isZero();
        assertThat(finished.startedAt()).isNotNull();
        assertThat(finished.completedAt()).isAfterOrEqualTo(finished.startedAt());
        UUID created = directory.userIdByEmail(newEmail).orElseThrow();
        assertThat(directory.membership(first.id(), known).orElseThrow()).satisfies(invited(AccountRole.ANALYST));
        assertThat(directory.membership(second.id(), known).orElseThrow()).satisfies(invited(AccountRole.SUPPORT));
        assertThat(directory.membership(first.id(), created).orElseThrow()).satisfies(invited(AccountRole.MANAGER));
        assertThat(directory.membership(second.id(), created).orElseThrow()).satisfies(invited(AccountRole.MANAGER));
        Membership renewed = directory.membership(second.id(), expired).orElseThrow();
        assertThat(renewed).satisfies(invited(AccountRole.ADMIN));
        assertThat(renewed.invitationTokenDigest())
                .isNotEqualTo(InvitationTokens.digest(directory.invitationToken(second.id(), expired)));
        Set<String> tokens = new HashSet<>();
        for (UUID[] pair : new UUID[][] {
            {first.id(), known},
            {second.id(), known},
            {first.id(), created},
            {second.id(), created},
            {second.id(), expired}
        }) {
            tokens.add(directory.membership(pair[0], pair[1]).orElseThrow().invitationTokenDigest());
        }
        // Stored as SHA-256 digests, not as the 43 characters of a token (nobody is sent these tokens).
        assertThat(tokens).hasSize(5).allMatch(token -> token.matches("[0-9a-f]{64}"));
        List<StoredTask> tasks = jobs.tasks(job.id());
        assertThat(tasks).allSatisfy(task -> {
            assertThat(task.status()).isEqualTo(TaskStatus.SUCCEEDED);
            assertThat(task.reason()).isNull();
            assertThat(task.previousRole()).isNull();
            assertThat(task.attempts()).isEqualTo(1);
            assertThat(task.appliedAt()).isNotNull();
        });
        assertThat(tasks.get(2).userId())
                .as("the created user is recorded on the task")
                .isEqualTo(created);

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(activityOf(job)).hasSize(5));
        Map<UUID, AccountActivityEvent> events = byTask(activityOf(job));
        AccountActivityEvent newUserInvited = events.get(job.taskId(2));
        assertThat(newUserInvited.eventId()).isEqualTo(job.taskId(2));
        assertThat(newUserInvited.action()).isEqualTo(ActivityAction.USER_INVITED);
        assertThat(newUserInvited.targetUser().userId()).isEqualTo(created);
        assertThat(newUserInvited.targetUser().email()).isEqualTo(newEmail);
        assertThat(newUserInvited.previousRole()).isNull();
        assertThat(newUserInvited.newRole()).isEqualTo(AccountRole.MANAGER);
        assertThat(newUserInvited.initiatedFrom()).isEqualTo(InitiationLevel.PORTFOLIO);
        assertThat(newUserInvited.actor()).isEqualTo(job.requestedBy());
        assertThat(newUserInvited.jobId()).isEqualTo(job.id());
        assertThat(newUserInvited.portfolioId()).isEqualTo(portfolio.id());
        assertThat(newUserInvited.accountId()).isEqualTo(first.id());
        assertThat(newUserInvited.occurredAt()).isEqualTo(tasks.get(2).appliedAt());
    }

    @Test
    void roleUpdatesChangeTheRoleAndKeepThePreviousOne() {
        Portfolio portfolio = directory.portfolio(2);
        UUID ann = directory.user();
        UUID ben = directory.user();
        directory.member(portfolio.ownedAccount(0).id(), ann, AccountRole.ANALYST);
        directory.member(portfolio.ownedAccount(1).id(), ann, AccountRole.SUPPORT);
        directory.invited(portfolio.ownedAccount(0).id(), ben, AccountRole.SUPPORT, inAWeek);
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.UPDATE_ROLES,
                JobFixture.administrator(),
                List.of(
                        changeRole(portfolio.ownedAccount(0).id(), ann, AccountRole.MANAGER),
                        changeRole(portfolio.ownedAccount(1).id(), ann, AccountRole.MANAGER),
                        changeRole(portfolio.ownedAccount(0).id(), ben, AccountRole.CONTENT_CREATOR)));

        publish(job);
        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(finished.succeeded()).isEqualTo(3);
        assertThat(directory
                        .membership(portfolio.ownedAccount(0).id(), ann)
                        .orElseThrow()
                        .role())
                .isEqualTo(AccountRole.MANAGER);
        assertThat(directory
                        .membership(portfolio.ownedAccount(1).id(), ann)
                        .orElseThrow()
                        .role())
                .isEqualTo(AccountRole.MANAGER);
        Membership pending =
                directory.membership(portfolio.ownedAccount(0).id(), ben).orElseThrow();
        assertThat(pending.role()).isEqualTo(AccountRole.CONTENT_CREATOR);
        assertThat(pending.state()).as("a pending invitation stays pending").isEqualTo(MembershipState.INVITED);
        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::previousRole)
                .containsExactly(AccountRole.ANALYST, AccountRole.SUPPORT, AccountRole.SUPPORT);

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(activityOf(job)).hasSize(3));
        AccountActivityEvent changed = byTask(activityOf(job)).get(job.taskId(1));
        assertThat(changed.action()).isEqualTo(ActivityAction.ROLE_CHANGED);
        assertThat(changed.previousRole()).isEqualTo(AccountRole.SUPPORT);
        assertThat(changed.newRole()).isEqualTo(AccountRole.MANAGER);
        assertThat(changed.targetUser().userId()).isEqualTo(ann);
        assertThat(changed.targetUser().email()).isEqualTo(directory.email(ann));
    }

    @Test
    void removalsDeleteAccessAndPendingInvitations() {
        Portfolio portfolio = directory.portfolio(2);
        UUID ann = directory.user();
        UUID ben = directory.user();
        directory.member(portfolio.ownedAccount(0).id(), ann, AccountRole.ADMIN);
        directory.member(portfolio.ownedAccount(1).id(), ann, AccountRole.ANALYST);
        directory.invited(portfolio.ownedAccount(1).id(), ben, AccountRole.SUPPORT, inAWeek);
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(
                        remove(portfolio.ownedAccount(0).id(), ann),
                        remove(portfolio.ownedAccount(1).id(), ben)));

        publish(job);
        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(directory.membership(portfolio.ownedAccount(0).id(), ann)).isEmpty();
        assertThat(directory.membership(portfolio.ownedAccount(1).id(), ann))
                .as("not selected")
                .isPresent();
        assertThat(directory.membership(portfolio.ownedAccount(1).id(), ben)).isEmpty();
        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::previousRole)
                .containsExactly(AccountRole.ADMIN, AccountRole.SUPPORT);

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(activityOf(job)).hasSize(2));
        AccountActivityEvent removed = byTask(activityOf(job)).get(job.taskId(0));
        assertThat(removed.action()).isEqualTo(ActivityAction.ACCESS_REMOVED);
        assertThat(removed.previousRole()).isEqualTo(AccountRole.ADMIN);
        assertThat(removed.newRole()).isNull();
    }

    @Test
    void offboardingRemovesTheUserFromEveryLinkedAccountAndSkipsWhatItCannotDo() {
        Portfolio portfolio = directory.portfolio(4);
        UUID leaver = directory.user();
        directory.member(portfolio.ownedAccount(0).id(), leaver, AccountRole.ADMIN);
        directory.member(portfolio.ownedAccount(1).id(), leaver, AccountRole.ANALYST);
        OwnedAccount ownedByLeaver = portfolio.accountWithOwner();
        directory.member(ownedByLeaver.id(), leaver, AccountRole.MANAGER);
        UUID otherOwner = ownedByLeaver.ownerId();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.OFFBOARD_USERS,
                JobFixture.administrator(),
                List.of(
                        remove(portfolio.ownedAccount(0).id(), leaver),
                        remove(portfolio.ownedAccount(1).id(), leaver),
                        remove(portfolio.ownedAccount(2).id(), leaver),
                        remove(portfolio.ownedAccount(3).id(), leaver),
                        remove(ownedByLeaver.id(), leaver),
                        remove(ownedByLeaver.id(), otherOwner)));

        publish(job);
        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(finished)
                .extracting(StoredJob::total, StoredJob::succeeded, StoredJob::skipped, StoredJob::failed)
                .containsExactly(6, 3, 3, 0);
        for (OwnedAccount account : portfolio.ownedAccounts()) {
            assertThat(directory.membership(account.id(), leaver)).isEmpty();
        }
        assertThat(directory.membership(ownedByLeaver.id(), leaver)).isEmpty();
        assertThat(directory
                        .membership(ownedByLeaver.id(), otherOwner)
                        .orElseThrow()
                        .role())
                .isEqualTo(AccountRole.OWNER);
        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::status, StoredTask::reason)
                .containsExactly(
                        tuple(TaskStatus.SUCCEEDED, null),
                        tuple(TaskStatus.SUCCEEDED, null),
                        tuple(TaskStatus.SKIPPED, ReasonCode.NOT_A_MEMBER),
                        tuple(TaskStatus.SKIPPED, ReasonCode.NOT_A_MEMBER),
                        tuple(TaskStatus.SUCCEEDED, null),
                        tuple(TaskStatus.SKIPPED, ReasonCode.OWNER_PROTECTED));
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(job))
                        .extracting(AccountActivityEvent::taskId)
                        .containsExactlyInAnyOrder(job.taskId(0), job.taskId(1), job.taskId(4)));
    }

    private Consumer<Membership> invited(AccountRole role) {
        return membership -> {
            assertThat(membership.state()).isEqualTo(MembershipState.INVITED);
            assertThat(membership.role()).isEqualTo(role);
            assertThat(membership.expiresAt()).isEqualTo(inAWeek);
            assertThat(membership.invitedAt()).isNotNull();
            assertThat(membership.invitationLanguage()).isEqualTo("en");
        };
    }

    private static Map<UUID, AccountActivityEvent> byTask(List<AccountActivityEvent> events) {
        return events.stream()
                .collect(Collectors.toMap(AccountActivityEvent::taskId, Function.identity(), (a, b) -> a));
    }
}
