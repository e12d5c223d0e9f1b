package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.changeRole;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every rule of the README's "Rules" table decided when the task is applied, against the directory as it is
 * then: the task's outcome and reason, nothing changed in the directory, no activity.
 */
class RulesAtApplyTimeIntegrationTests extends WorkerIntegrationSupport {

    private final Instant inAWeek = Instant.now().plus(Duration.ofDays(7));

    private Portfolio portfolio;

    private OwnedAccount a;

    private OwnedAccount b;

    private OwnedAccount unlinked;

    private UUID ann;

    private UUID idpManaged;

    private UUID expiredInvitee;

    private UUID pendingInvitee;

    @BeforeEach
    void directory() {
        portfolio = directory.portfolio(3);
        a = portfolio.ownedAccount(0);
        b = portfolio.ownedAccount(1);
        unlinked = portfolio.ownedAccount(2);
        ann = directory.user();
        idpManaged = directory.idpManagedUser();
        expiredInvitee = directory.user();
        pendingInvitee = directory.user();
        directory.member(a.id(), ann, AccountRole.ANALYST);
        directory.member(unlinked.id(), ann, AccountRole.ANALYST);
        directory.member(a.id(), idpManaged, AccountRole.MANAGER);
        directory.invited(
                a.id(), expiredInvitee, AccountRole.SUPPORT, Instant.now().minus(Duration.ofHours(1)));
        directory.invited(a.id(), pendingInvitee, AccountRole.SUPPORT, inAWeek);
    }

    @Test
    void roleChangesAreSkippedForOwnersIdpManagedUsersSameRolesNonMembersAndUnlinkedAccounts() {
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.UPDATE_ROLES,
                JobFixture.administrator(),
                List.of(
                        changeRole(a.id(), a.ownerId(), AccountRole.ADMIN),
                        changeRole(a.id(), idpManaged, AccountRole.ADMIN),
                        changeRole(a.id(), ann, AccountRole.ANALYST),
                        changeRole(b.id(), ann, AccountRole.ADMIN),
                        changeRole(a.id(), expiredInvitee, AccountRole.ADMIN),
                        changeRole(unlinked.id(), ann, AccountRole.ADMIN),
                        changeRole(a.id(), ann, AccountRole.OWNER)));
        directory.unlink(unlinked.id());

        publish(job);
        StoredJob finished = awaitFinished(job);

        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(finished)
                .extracting(StoredJob::skipped, StoredJob::succeeded)
                .containsExactly(7, 0);
        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::status, StoredTask::reason, StoredTask::previousRole)
                .containsExactly(
                        tuple(TaskStatus.SKIPPED, ReasonCode.OWNER_PROTECTED, AccountRole.OWNER),
                        tuple(TaskStatus.SKIPPED, ReasonCode.IDP_MANAGED, AccountRole.MANAGER),
                        tuple(TaskStatus.SKIPPED, ReasonCode.NO_CHANGE, AccountRole.ANALYST),
                        tuple(TaskStatus.SKIPPED, ReasonCode.NOT_A_MEMBER, null),
                        tuple(TaskStatus.SKIPPED, ReasonCode.NOT_A_MEMBER, null),
                        tuple(TaskStatus.SKIPPED, ReasonCode.ACCOUNT_NOT_IN_PORTFOLIO, AccountRole.ANALYST),
                        tuple(TaskStatus.SKIPPED, ReasonCode.OWNER_PROTECTED, AccountRole.ANALYST));
        assertDirectoryUnchanged();
        assertThat(activityOf(job)).isEmpty();
    }

    @Test
    void removalsAreSkippedForOwnersIdpManagedUsersNonMembersAndUnlinkedAccounts() {
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(
                        remove(a.id(), a.ownerId()),
                        remove(a.id(), idpManaged),
                        remove(b.id(), ann),
                        remove(a.id(), expiredInvitee),
                        remove(unlinked.id(), ann)));
        directory.unlink(unlinked.id());

        publish(job);
        awaitFinished(job);

        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::status, StoredTask::reason)
                .containsExactly(
                        tuple(TaskStatus.SKIPPED, ReasonCode.OWNER_PROTECTED),
                        tuple(TaskStatus.SKIPPED, ReasonCode.IDP_MANAGED),
                        tuple(TaskStatus.SKIPPED, ReasonCode.NOT_A_MEMBER),
                        tuple(TaskStatus.SKIPPED, ReasonCode.NOT_A_MEMBER),
                        tuple(TaskStatus.SKIPPED, ReasonCode.ACCOUNT_NOT_IN_PORTFOLIO));
        assertDirectoryUnchanged();
        assertThat(activityOf(job)).isEmpty();
    }

    @Test
    void invitationsAreSkippedForMembersPendingInviteesIdpManagedUsersTheOwnerRoleAndUnlinkedAccounts() {
        String notCreatedForOwnerRole = directory.newEmail();
        String notCreatedForUnlinked = directory.newEmail();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        invite(a.id(), ann, directory.email(ann), AccountRole.SUPPORT, inAWeek),
                        invite(a.id(), pendingInvitee, directory.email(pendingInvitee), AccountRole.ADMIN, inAWeek),
                        invite(b.id(), idpManaged, directory.email(idpManaged), AccountRole.SUPPORT, inAWeek),
                        invite(b.id(), null, notCreatedForOwnerRole, AccountRole.OWNER, inAWeek),
                        invite(unlinked.id(), null, notCreatedForUnlinked, AccountRole.SUPPORT, inAWeek)));
        directory.unlink(unlinked.id());

        publish(job);
        awaitFinished(job);

        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::status, StoredTask::reason)
                .containsExactly(
                        tuple(TaskStatus.SKIPPED, ReasonCode.ALREADY_MEMBER),
                        tuple(TaskStatus.SKIPPED, ReasonCode.ALREADY_MEMBER),
                        tuple(TaskStatus.SKIPPED, ReasonCode.IDP_MANAGED),
                        tuple(TaskStatus.SKIPPED, ReasonCode.OWNER_PROTECTED),
                        tuple(TaskStatus.SKIPPED, ReasonCode.ACCOUNT_NOT_IN_PORTFOLIO));
        assertDirectoryUnchanged();
        assertThat(directory.membership(b.id(), idpManaged)).isEmpty();
        assertThat(directory.userIdByEmail(notCreatedForOwnerRole))
                .as("no user for a skipped invitation")
                .isEmpty();
        assertThat(directory.userIdByEmail(notCreatedForUnlinked)).isEmpty();
        assertThat(activityOf(job)).isEmpty();
    }

    /**
     * An invitation the worker skips names its address's user only when that user is one of the
     * portfolio's (access in force to the account): an address that is only another portfolio's user
     * leaves its task without a user, whether the account was unlinked meanwhile or an identity provider
     * manages that user. Before, the skipped task named that user's id, which the gateway's task list and
     * CSV showed the portfolio's administrators: who has an account elsewhere in the product.
     */
    @Test
    void aSkippedInvitationNamesItsUserOnlyWhenTheUserIsThePortfolios() {
        Portfolio other = directory.portfolio(1);
        UUID stranger = directory.user();
        UUID idpStranger = directory.idpManagedUser();
        directory.member(other.ownedAccount(0).id(), stranger, AccountRole.ANALYST);
        directory.member(other.ownedAccount(0).id(), idpStranger, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        invite(unlinked.id(), null, directory.email(stranger), AccountRole.SUPPORT, inAWeek),
                        invite(b.id(), null, directory.email(idpStranger), AccountRole.SUPPORT, inAWeek),
                        invite(a.id(), null, directory.email(ann), AccountRole.SUPPORT, inAWeek)));
        directory.unlink(unlinked.id());

        publish(job);
        awaitFinished(job);

        assertThat(jobs.tasks(job.id()))
                .extracting(StoredTask::status, StoredTask::reason, StoredTask::userId)
                .containsExactly(
                        tuple(TaskStatus.SKIPPED, ReasonCode.ACCOUNT_NOT_IN_PORTFOLIO, null),
                        tuple(TaskStatus.SKIPPED, ReasonCode.IDP_MANAGED, null),
                        tuple(TaskStatus.SKIPPED, ReasonCode.ALREADY_MEMBER, ann));
        assertDirectoryUnchanged();
    }

    @Test
    void tasksOfACancelledJobStayCancelledAndChangeNothing() {
        String invitee = directory.newEmail();
        SubmittedJob cancelled = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(remove(a.id(), ann), remove(b.id(), ann)));
        jobs.cancel(cancelled.id());
        StoredJob beforeDelivery = jobs.job(cancelled.id());
        SubmittedJob later = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(invite(a.id(), null, invitee, AccountRole.SUPPORT, inAWeek)));

        publish(cancelled);
        publish(later);
        awaitFinished(later);

        assertThat(jobs.job(cancelled.id())).isEqualTo(beforeDelivery);
        assertThat(beforeDelivery)
                .extracting(StoredJob::status, StoredJob::cancelled, StoredJob::pending)
                .containsExactly(JobStatus.CANCELLED, 2, 0);
        assertThat(jobs.tasks(cancelled.id()))
                .extracting(StoredTask::status, StoredTask::reason, StoredTask::attempts, StoredTask::appliedAt)
                .containsOnly(tuple(TaskStatus.CANCELLED, ReasonCode.JOB_CANCELLED, 0, null));
        assertThat(directory.membership(a.id(), ann).orElseThrow().role()).isEqualTo(AccountRole.ANALYST);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(later)).hasSize(1));
        assertThat(activityOf(cancelled)).isEmpty();
    }

    private void assertDirectoryUnchanged() {
        assertThat(directory.membership(a.id(), a.ownerId()).orElseThrow().role())
                .isEqualTo(AccountRole.OWNER);
        assertThat(directory.membership(a.id(), ann).orElseThrow().role()).isEqualTo(AccountRole.ANALYST);
        assertThat(directory.membership(unlinked.id(), ann).orElseThrow().role())
                .isEqualTo(AccountRole.ANALYST);
        assertThat(directory.membership(a.id(), idpManaged).orElseThrow().role())
                .isEqualTo(AccountRole.MANAGER);
        assertThat(directory.membership(a.id(), expiredInvitee).orElseThrow().role())
                .isEqualTo(AccountRole.SUPPORT);
        assertThat(directory.membership(a.id(), pendingInvitee).orElseThrow())
                .extracting(m -> m.role(), m -> m.state())
                .containsExactly(AccountRole.SUPPORT, MembershipState.INVITED);
        assertThat(directory.membership(b.id(), ann)).isEmpty();
    }
}
